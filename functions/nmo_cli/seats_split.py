"""`nmo db split-seats`: give every stored event its seats item (`EventSeats`).

Events written before seats became their own item kept their counters on the catalog item.
This copies them — the counters, the status and the capacity — into a new seats item for each
event that has none, and leaves events that have one alone, so it can run any number of times
(the deploy runs it after the API is updated). It reads the catalog once (a Scan: an operator's
one-off, never a request path).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError
from chalicelib.db.connection import ensure_bound
from chalicelib.db.models import CatalogElement, EventSeats

# The seats' attributes, which the catalog item stored before under the same names.
COPIED = tuple(name for name in EventSeats.get_attributes() if name != "element_id")
_ZERO = {"N": "0"}


@dataclass
class SplitResult:
    created: int = 0
    present: int = 0


def _events(client: Any) -> Iterator[dict[str, Any]]:
    names = {f"#{i}": name for i, name in enumerate(("element_id", "kind", *COPIED))}
    start: dict[str, Any] | None = None
    while True:
        page = client.scan(
            TableName=CatalogElement.Meta.table_name,
            ProjectionExpression=", ".join(names),
            ExpressionAttributeNames=names,
            **({"ExclusiveStartKey": start} if start else {}),
        )
        for item in page.get("Items", []):
            if item.get("kind", {}).get("S") == "event":
                yield item
        start = page.get("LastEvaluatedKey")
        if not start:
            return


def seats_item(event: dict[str, Any]) -> dict[str, Any]:
    """The seats of a stored event, from its catalog item (raw DynamoDB attributes)."""
    item = {"element_id": event["element_id"]}
    item.update({name: event[name] for name in COPIED if name in event})
    # The conditions compare these two: they must exist (EventSeats' defaults).
    item.setdefault("seats_taken", _ZERO)
    item.setdefault("waitlist_length", _ZERO)
    item.setdefault("capacity", _ZERO)
    return item


def split_seats() -> SplitResult:
    client: Any = ensure_bound().client
    result = SplitResult()
    for event in _events(client):
        try:
            client.put_item(
                TableName=EventSeats.Meta.table_name,
                Item=seats_item(event),
                ConditionExpression="attribute_not_exists(element_id)",
            )
        except ClientError as err:
            if err.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            result.present += 1
        else:
            result.created += 1
    return result
