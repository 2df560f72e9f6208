"""Reads that gather items of several tables in one call.

A request that needs, say, the signed-in person, an event and the person's registration of it
reads all three with one BatchGetItem instead of three GetItems: each call costs a round trip
and a request's worth of work on both sides, whatever it returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .connection import ensure_bound

# (model, key attributes by name with string values, consistent read)
Wanted = tuple[type[Any], dict[str, str], bool]


def one_each(wanted: Sequence[Wanted]) -> list[Any | None]:
    """One item from each of the models' tables, in one BatchGetItem (again only for keys the
    store hands back unprocessed): the items in the order asked, None where there is none.
    Each table may appear once."""
    client: Any = ensure_bound().client
    tables = [model.Meta.table_name for model, _, _ in wanted]
    if len(set(tables)) != len(tables):
        raise ValueError("one_each reads one item per table")
    request: dict[str, Any] = {
        table: {
            "Keys": [{name: {"S": value} for name, value in key.items()}],
            "ConsistentRead": consistent,
        }
        for table, (_, key, consistent) in zip(tables, wanted, strict=True)
    }
    found: dict[str, dict[str, Any]] = {}
    while request:
        answer = client.batch_get_item(RequestItems=request)
        for table, items in answer.get("Responses", {}).items():
            if items:
                found[table] = items[0]
        request = answer.get("UnprocessedKeys") or {}
    return [
        model.from_raw_data(found[table]) if table in found else None
        for table, (model, _, _) in zip(tables, wanted, strict=True)
    ]
