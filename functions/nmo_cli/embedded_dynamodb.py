"""The embedded DynamoDB of the local stack: moto in server mode, serialised and persisted.

moto is not atomic under concurrent requests (measured.md: conditional updates oversold, cancelled
transactions restored stale copies), while real DynamoDB makes every item write and transaction
atomic. So every request to this endpoint runs under one global lock: the product code relies only
on DynamoDB's guarantees, and this stand-in honours them.

Persistence: after any write, the tables are snapshotted to `<data_dir>/snapshot.jsonl` at most
every `interval` seconds (write to a temp file, fsync, atomic rename) and once more at a clean stop.
A snapshot holds the lock only to take references to the items; it writes them out while requests
go on — but in the same process, so its work slows them: snapshots are spaced by at least
SNAPSHOT_SPACING times the last one's duration as well (at 20,000 items under load, every few
seconds instead of every 2; measured: a rush at 20,000 items went from 43 to 58 registrations/s
without snapshots). A crash loses at most the time since the last snapshot. On start the snapshot
is loaded back.
"""

from __future__ import annotations

import base64
import itertools
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from nmo_cli.keepalive_http import KeepAliveServer

log = logging.getLogger("nmo.dynamodb")

SNAPSHOT_NAME = "snapshot.jsonl"
# Between two snapshots at least this many times the last one's duration: snapshotting takes at
# most ~1/20 of the store's time, however large the tables and however busy the machine.
SNAPSHOT_SPACING = 20
_READ_ONLY_TARGETS = (
    "GetItem",
    "BatchGetItem",
    "Query",
    "Scan",
    "DescribeTable",
    "ListTables",
    "DescribeTimeToLive",
    "DescribeContinuousBackups",
    "ListTagsOfResource",
    "TransactGetItems",
    "DescribeEndpoints",
)


@dataclass
class SnapshotStats:
    """What snapshots cost the store's requests (`GET /_nmo/stats`, the benchmarks print it)."""

    snapshots: int = 0
    items: int = 0  # in the last snapshot
    lock_held_ms_max: float = 0.0
    written_ms_max: float = 0.0  # serialising and writing, outside the lock
    # The longest any request waited for the lock while a snapshot held it.
    request_wait_behind_snapshot_ms_max: float = 0.0
    last_hold: tuple[float, float] = (0.0, 0.0)  # monotonic start and end of the last hold


class SerialisedApp:
    """WSGI middleware: one request at a time into moto, and a dirty flag for the snapshotter."""

    STATS_PATH = "/_nmo/stats"

    def __init__(self, app: Callable[..., Any]) -> None:
        self._app = app
        self.lock = threading.Lock()
        self.dirty = threading.Event()
        self.stats = SnapshotStats()
        self.connections_opened: Callable[[], int] = lambda: 0  # the server sets it

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if environ.get("PATH_INFO") == self.STATS_PATH and not target:
            figures = {**asdict(self.stats), "connections_opened": self.connections_opened()}
            start_response("200 OK", [("Content-Type", "application/json")])
            return [json.dumps(figures).encode("utf-8")]
        waiting = time.monotonic()
        with self.lock:
            held_from, held_to = self.stats.last_hold
            behind = min(held_to, time.monotonic()) - max(held_from, waiting)
            if behind > 0:
                self.stats.request_wait_behind_snapshot_ms_max = max(
                    self.stats.request_wait_behind_snapshot_ms_max, behind * 1000
                )
            # The body must be consumed and the response fully produced inside the lock.
            result = self._app(environ, start_response)
            try:
                body = b"".join(result)
            finally:
                close = getattr(result, "close", None)
                if close:
                    close()
            if not target.endswith(_READ_ONLY_TARGETS):
                self.dirty.set()
        return [body]


def _dynamodb_backend() -> Any:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    return dynamodb_backends[DEFAULT_ACCOUNT_ID]


def _stored_items(table: Any) -> list[Any]:
    if table.has_range_key:  # C-level iteration: this runs under the request lock
        return list(itertools.chain.from_iterable(map(dict.values, table.items.values())))
    return list(table.items.values())


def _encode(value: Any) -> Any:
    """moto's item JSON keeps binary values as bytes; the snapshot stores them as base64."""
    if isinstance(value, bytes):
        return {"__b64__": base64.b64encode(value).decode("ascii")}
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    return value


Captured = list[tuple[str, str, list[Any]]]


def capture() -> Captured:
    """References to every stored item of every table in every region: call with the lock held
    (and `moto_speedups.freeze_items()` until `snapshot_lines` is done, so none changes)."""
    return [
        (region, name, _stored_items(table))
        for region, backend in list(_dynamodb_backend().items())
        for name, table in list(backend.tables.items())
    ]


class LineCache:
    """Each stored item's snapshot line, kept from one snapshot to the next: an item that is the
    same object and was not changed in place since is not serialised again, so a snapshot costs
    serialising what changed (a rush changes a few dozen items between snapshots, not 20,000)."""

    def __init__(self) -> None:
        self._lines: dict[tuple[str, str, int], tuple[Any, str]] = {}

    def lines(self, captured: Captured, changed: set[int]) -> Iterable[str]:
        from nmo_cli.moto_speedups import ALL_CHANGED

        old = {} if ALL_CHANGED in changed else self._lines
        kept: dict[tuple[str, str, int], tuple[Any, str]] = {}
        for region, name, items in captured:
            for item in items:
                key = (region, name, id(item))
                cached = old.get(key)
                if cached is not None and cached[0] is item and id(item) not in changed:
                    line = cached[1]
                else:
                    line = _line(region, name, item)
                kept[key] = (item, line)
                yield line
        self._lines = kept


def _line(region: str, name: str, item: Any) -> str:
    return json.dumps(
        {"region": region, "table": name, "item": _encode(item.to_json()["Attributes"])},
        ensure_ascii=False,
        separators=(",", ":"),
    )


def snapshot_lines(captured: Captured) -> Iterable[str]:
    """The captured items as JSON lines (no lock needed: frozen items are never changed)."""
    for region, name, items in captured:
        for item in items:
            yield _line(region, name, item)


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__b64__"}:
            return base64.b64decode(value["__b64__"])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


class EmbeddedDynamoDB:
    """moto server on 127.0.0.1 with a global lock and a periodic snapshot under data_dir."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        data_dir: Path | None = None,
        interval: float = 2.0,
    ) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        self.app = SerialisedApp(DomainDispatcherApplication(create_backend_app))
        # Keep-alive (werkzeug's server closes every connection: a TCP connection per call).
        self.server = KeepAliveServer(host, port, self.app)
        self.app.connections_opened = lambda: self.server.connections_opened
        self.data_dir = data_dir
        self.interval = interval
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lines = LineCache()
        self._one_snapshot = threading.Lock()  # the periodic one and the one at stop

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def snapshot_path(self) -> Path | None:
        return self.data_dir / SNAPSHOT_NAME if self.data_dir else None

    def start(self) -> None:
        # moto's backends are process-global: this endpoint starts from an empty store.
        from moto.dynamodb.models import dynamodb_backends

        from nmo_cli import moto_speedups

        dynamodb_backends.reset()
        # Serialised requests allow transactions without moto's whole-table copies.
        moto_speedups.install()
        serve = threading.Thread(target=self.server.serve_forever, name="dynamodb", daemon=True)
        serve.start()
        self._threads.append(serve)
        if self.snapshot_path is not None:
            self.data_dir.mkdir(parents=True, exist_ok=True)  # type: ignore[union-attr]
            self.restore()
            saver = threading.Thread(target=self._snapshot_loop, name="snapshot", daemon=True)
            saver.start()
            self._threads.append(saver)

    def stop(self) -> None:
        self._stop.set()
        self.server.shutdown()
        self.server.server_close()
        if self.snapshot_path is not None:
            self.snapshot()

    # Persistence ---------------------------------------------------------------------------

    def _snapshot_loop(self) -> None:
        next_at = 0.0
        while not self._stop.wait(self.interval):
            if self.app.dirty.is_set() and time.monotonic() >= next_at:
                started = time.monotonic()
                self.snapshot()
                ended = time.monotonic()
                next_at = ended + SNAPSHOT_SPACING * (ended - started)

    def snapshot(self) -> int:
        """Write a consistent snapshot (taken under the request lock). Returns the item count."""
        if self.snapshot_path is None:
            return 0
        with self._one_snapshot:
            return self._snapshot(self.snapshot_path)

    def _snapshot(self, path: Path) -> int:
        from nmo_cli import moto_speedups

        tmp = path.with_suffix(".tmp")
        count = 0
        stats = self.app.stats
        # Under the lock only the item references are taken (a few ms at 20,000 items); the
        # items themselves stay as they are until written, because UpdateItem copies an item
        # before changing it while they are frozen.
        with self.app.lock:
            held_from = time.monotonic()
            self.app.dirty.clear()
            captured = capture()
            changed = moto_speedups.take_changed_in_place()
            moto_speedups.freeze_items()
            held_to = time.monotonic()
            stats.last_hold = (held_from, held_to)
        try:
            with tmp.open("w", encoding="utf-8") as fh:
                for line in self._lines.lines(captured, changed):
                    fh.write(line + "\n")
                    count += 1
                fh.flush()
                os.fsync(fh.fileno())
        finally:
            with self.app.lock:
                moto_speedups.thaw_items()
        os.replace(tmp, path)
        written = time.monotonic() - held_to
        stats.snapshots += 1
        stats.items = count
        stats.lock_held_ms_max = max(stats.lock_held_ms_max, (held_to - held_from) * 1000)
        stats.written_ms_max = max(stats.written_ms_max, written * 1000)
        log.debug(
            "snapshot: %d items, lock %.1f ms, written in %.3fs",
            count,
            (held_to - held_from) * 1000,
            written,
        )
        return count

    def restore(self) -> int:
        """Load the snapshot through the endpoint itself: tables come from the current models,
        items are written as they were. Items of tables that no longer exist are skipped."""
        path = self.snapshot_path
        if path is None or not path.exists():
            return 0
        import boto3

        clients: dict[str, Any] = {}
        pending: dict[tuple[str, str], list[dict[str, Any]]] = {}
        count = 0

        def flush(region: str, table: str) -> None:
            batch = pending.pop((region, table), [])
            if not batch:
                return
            client = clients[region]
            request: dict[str, Any] = {table: [{"PutRequest": {"Item": i}} for i in batch]}
            while request:
                resp = client.batch_write_item(RequestItems=request)
                request = resp.get("UnprocessedItems") or {}

        existing: dict[str, set[str]] = {}
        unknown: set[str] = set()
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                if not line.strip():
                    continue
                rec = json.loads(line)
                region, table = rec["region"], rec["table"]
                if region not in clients:
                    clients[region] = boto3.client(
                        "dynamodb",
                        region_name=region,
                        endpoint_url=self.url,
                        aws_access_key_id="local",
                        aws_secret_access_key="local",  # noqa: S106 - moto accepts anything
                    )
                    existing[region] = set(clients[region].list_tables().get("TableNames", []))
                if table in unknown:
                    continue
                if table not in existing[region]:
                    if not _ensure_table(clients[region], table):
                        unknown.add(table)
                        continue
                    existing[region].add(table)
                key = (region, table)
                pending.setdefault(key, []).append(_decode(rec["item"]))
                if len(pending[key]) == 25:
                    flush(region, table)
                count += 1
        for region, table in list(pending):
            flush(region, table)
        self.app.dirty.clear()
        log.info("restored %d items from %s", count, path)
        return count


def table_definition(model: Any, table: str) -> dict[str, Any]:
    """CreateTable arguments for a portal model under a given real table name."""
    schema = model._get_schema()
    kwargs: dict[str, Any] = {
        "TableName": table,
        "KeySchema": schema["key_schema"],
        "AttributeDefinitions": schema["attribute_definitions"],
        "BillingMode": "PAY_PER_REQUEST",
    }
    gsis = [
        {
            "IndexName": index["index_name"],
            "KeySchema": index["key_schema"],
            "Projection": index["projection"],
        }
        for index in schema["global_secondary_indexes"]
    ]
    if gsis:
        kwargs["GlobalSecondaryIndexes"] = gsis
    return kwargs


def _ensure_table(client: Any, table: str) -> bool:
    """Create a table of the portal's models by its real name (prefix + logical name)."""
    from chalicelib.db.models import ALL_MODELS

    for model in sorted(ALL_MODELS, key=lambda m: -len(m.table)):
        if table.endswith(model.table):
            client.create_table(**table_definition(model, table))
            if model.ttl_attribute:
                client.update_time_to_live(
                    TableName=table,
                    TimeToLiveSpecification={"Enabled": True, "AttributeName": model.ttl_attribute},
                )
            return True
    log.warning("snapshot has items of an unknown table %s; skipped", table)
    return False
