"""`make run`'s stand-in for the cloud's stream-triggered Lambda: reads the embedded store's
DynamoDB streams (change_notices.NOTICE_TABLES) every second and hands the records to
services/change_notices.py — the very function the cloud's `notify-changes` Lambda calls.

It starts at the streams' current end (LATEST), as a new event source mapping does, so a restart
does not replay old changes; a record seen twice would send nothing twice anyway.
"""

from __future__ import annotations

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
