"""`make run`'s stand-in for the cloud's stream-triggered Lambda: reads the embedded store's
DynamoDB streams (change_notices.NOTICE_TABLES) every second and hands the records to
services/change_notices.py — the very function the cloud's `notify-changes` Lambda calls.

It starts at the streams' current end (LATEST), as a new event source mapping does, so a restart
does not replay old changes; a record seen twice would send nothing twice anyway.

GetRecords answers are read as JSON (`records_read_directly`), not by botocore's shape-driven
parser: in a registration rush every registration adds two catalog records with the event's full
old and new images, and botocore's walk of them was a sixth of the API process's time. The records
come out exactly as botocore would give them (blobs as bytes, the creation time as a datetime);
tests/integration/test_change_feed_records.py compares the two.
"""

from __future__ import annotations

import base64
import json
from typing import Any


class ChangeFeed:
    def __init__(self, tables: tuple[str, ...] | None = None) -> None:
        from chalicelib.services.change_notices import NOTICE_TABLES

        self._tables = tables or NOTICE_TABLES
        self._iterators: dict[str, list[str]] = {}
        self._client: Any = None

    def _streams(self) -> Any:
        if self._client is None:
            import boto3
            from botocore.config import Config
            from chalicelib.settings import get_settings

            s = get_settings()
            # Account-based endpoints (`<account>.streams-ddb…`) would bypass a configured or
            # mocked store; the regional endpoint is the one every stand-in answers on.
            self._client = boto3.client(
                "dynamodbstreams",
                region_name=s.region,
                endpoint_url=s.dynamodb_endpoint,
                config=Config(account_id_endpoint_mode="disabled"),
            )
            self._client.meta.events.register(
                "before-parse.dynamodb-streams.GetRecords", records_read_directly
            )
        return self._client

    def start(self, position: str = "LATEST") -> None:
        """Open an iterator on every shard of each table's stream."""
        from chalicelib.db.connection import ensure_bound
        from chalicelib.settings import get_settings

        prefix = get_settings().table_prefix
        dynamodb: Any = ensure_bound().client
        for table in self._tables:
            arn = dynamodb.describe_table(TableName=prefix + table)["Table"].get("LatestStreamArn")
            if not arn:
                continue
            shards = self._streams().describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
            self._iterators[table] = [
                self._streams().get_shard_iterator(
                    StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType=position
                )["ShardIterator"]
                for shard in shards
            ]

    def poll(self) -> list[dict[str, Any]]:
        """New records since the last poll, each tagged with its table's logical name."""
        records: list[dict[str, Any]] = []
        for table, iterators in self._iterators.items():
            advanced = []
            for iterator in iterators:
                answer = self._streams().get_records(ShardIterator=iterator, Limit=1000)
                records += [{**r, "table": table} for r in answer.get("Records", [])]
                advanced.append(answer.get("NextShardIterator") or iterator)
            self._iterators[table] = advanced
        return records

    def deliver(self) -> int:
        from chalicelib.services.change_notices import handle_records

        records = self.poll()
        return handle_records(records) if records else 0


class _Unusual(Exception):
    """An answer not of the form read here: botocore parses it."""


def records_read_directly(
    response_dict: dict[str, Any], customized_response_dict: dict[str, Any], **_: Any
) -> None:
    """botocore's `before-parse` hook for GetRecords: a successful answer is read here and handed
    over as the parsed answer, and botocore parses only an empty body. Anything else (an error,
    a form not expected below) is left to botocore."""
    if response_dict.get("status_code") != 200:
        return
    try:
        answer = json.loads(response_dict["body"])
        parsed = {"Records": [_record(r) for r in answer.get("Records") or []]}
        if answer.get("NextShardIterator") is not None:
            parsed["NextShardIterator"] = answer["NextShardIterator"]
    except (_Unusual, ValueError, TypeError, AttributeError, KeyError):
        return
    customized_response_dict.update(parsed)
    response_dict["body"] = b"{}"


# The members of the stream model's Record and StreamRecord shapes; other keys botocore drops.
_RECORD_KEYS = ("eventID", "eventName", "eventVersion", "eventSource", "awsRegion", "userIdentity")
_STREAM_RECORD_PLAIN = ("SequenceNumber", "SizeBytes", "StreamViewType")
_IMAGES = ("Keys", "NewImage", "OldImage")


def _record(raw: dict[str, Any]) -> dict[str, Any]:
    from botocore.utils import parse_timestamp

    record = {k: raw[k] for k in _RECORD_KEYS if raw.get(k) is not None}
    if "userIdentity" in record:
        identity = record["userIdentity"]
        record["userIdentity"] = {
            k: identity[k] for k in ("PrincipalId", "Type") if identity.get(k) is not None
        }
    change = raw.get("dynamodb")
    if change is not None:
        parsed: dict[str, Any] = {}
        if change.get("ApproximateCreationDateTime") is not None:
            parsed["ApproximateCreationDateTime"] = parse_timestamp(
                change["ApproximateCreationDateTime"]
            )
        for key in _IMAGES:
            if change.get(key) is not None:
                parsed[key] = _image(change[key])
        for key in _STREAM_RECORD_PLAIN:
            if change.get(key) is not None:
                parsed[key] = change[key]
        record["dynamodb"] = parsed
    return record


def _image(attributes: dict[str, Any]) -> dict[str, Any]:
    # botocore keeps a map's None values as None.
    return {k: None if v is None else _value(v) for k, v in attributes.items()}


def _value(value: dict[str, Any]) -> dict[str, Any]:
    """One AttributeValue (a tagged union: exactly one known key, else botocore's to judge)."""
    if len(value) != 1:
        raise _Unusual
    ((kind, inner),) = value.items()
    if inner is None:
        return {}
    if kind in ("S", "N", "BOOL", "NULL", "SS", "NS"):
        return value
    if kind == "B":
        return {"B": base64.b64decode(inner)}
    if kind == "BS":
        return {"BS": [base64.b64decode(b) for b in inner]}
    if kind == "M":
        return {"M": _image(inner)}
    if kind == "L":
        return {"L": [None if v is None else _value(v) for v in inner]}
    raise _Unusual
