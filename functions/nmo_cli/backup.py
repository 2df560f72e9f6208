"""Whole-table backups as JSON lines, and restoring them.

The file starts with a header line, then one line per item: `{"table": <logical name>, "item":
<DynamoDB JSON>}`. Logical names (without the prefix) let a backup of one stage be restored into
another. Both directions stream page by page, so a table never has to fit in memory; restoring
writes items with PutItem semantics, so running it twice leaves the same tables.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Iterator
from typing import IO, Any

from chalicelib.db.connection import create_tables, ensure_bound, table_name
from chalicelib.db.models import ALL_MODELS

FORMAT = "nmo-backup"
VERSION = 1
_BATCH = 25  # BatchWriteItem's limit


class BackupError(ValueError):
    """A file that is not a backup of this portal; the message is for a person, in Russian."""


def _encode(value: Any) -> Any:
    """DynamoDB JSON with binary values as base64 text (JSON has no bytes)."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dict):
        return {k: _encode_typed(k, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    return value


def _encode_typed(key: str, value: Any) -> Any:
    if key == "BS":
        return [base64.b64encode(bytes(v)).decode("ascii") for v in value]
    return _encode(value)


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            if k == "B":
                out[k] = base64.b64decode(v)
            elif k == "BS":
                out[k] = [base64.b64decode(x) for x in v]
            else:
                out[k] = _decode(v)
        return out
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def _models_by_table() -> dict[str, Any]:
    return {m.table: m for m in ALL_MODELS}


def backup(out: IO[str], progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Write every table to `out`; returns items per logical table name."""
    client: Any = ensure_bound().client
    counts: dict[str, int] = {}
    header = {"format": FORMAT, "version": VERSION, "tables": [m.table for m in ALL_MODELS]}
    out.write(json.dumps(header) + "\n")
    for model in ALL_MODELS:
        counts[model.table] = 0
        kwargs: dict[str, Any] = {"TableName": table_name(model)}
        while True:
            page = client.scan(**kwargs)
            for item in page.get("Items", []):
                line = {"table": model.table, "item": _encode(item)}
                out.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
                counts[model.table] += 1
            if progress:
                progress(model.table, counts[model.table])
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return counts


def _lines(source: IO[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, raw in enumerate(source, start=1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise BackupError(f"Строка {number}: не JSON ({exc.msg}).") from exc
        if not isinstance(data, dict):
            raise BackupError(f"Строка {number}: ожидается объект JSON.")
        yield number, data


def _check_header(first: tuple[int, dict[str, Any]] | None) -> None:
    if first is None:
        raise BackupError("Файл пуст: это не резервная копия портала.")
    _, header = first
    if header.get("format") != FORMAT:
        raise BackupError("Первая строка файла — не заголовок резервной копии портала НМО.")
    if header.get("version") != VERSION:
        raise BackupError(f"Неизвестная версия резервной копии: {header.get('version')!r}.")


def _write_batch(client: Any, table: str, items: list[dict[str, Any]]) -> None:
    requests = {table: [{"PutRequest": {"Item": item}} for item in items]}
    delay = 0.05
    while requests:
        answer = client.batch_write_item(RequestItems=requests)
        requests = answer.get("UnprocessedItems") or {}
        if requests:  # throttled: back off as the SDK guide asks
            time.sleep(delay)
            delay = min(delay * 2, 2.0)


def validate(source: IO[str]) -> dict[str, int]:
    """Read the whole file and check every line before anything is written."""
    models = _models_by_table()
    counts: dict[str, int] = {}
    lines = _lines(source)
    _check_header(next(lines, None))
    for number, data in lines:
        table, item = data.get("table"), data.get("item")
        if table not in models:
            raise BackupError(f"Строка {number}: неизвестная таблица {table!r}.")
        if not isinstance(item, dict) or not item:
            raise BackupError(f"Строка {number}: нет записи (item).")
        model = models[table]
        keys = [model._hash_keyname, model._range_keyname]
        missing = [k for k in keys if k and k not in item]
        if missing:
            raise BackupError(f"Строка {number}: в записи нет ключа {', '.join(missing)}.")
        counts[table] = counts.get(table, 0) + 1
    return counts


def restore(source: IO[str], progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Put every item of the file back (creating missing tables); call `validate` first."""
    client: Any = ensure_bound().client
    create_tables()
    models = _models_by_table()
    counts: dict[str, int] = {}
    pending: dict[str, list[dict[str, Any]]] = {}
    lines = _lines(source)
    _check_header(next(lines, None))
    for _, data in lines:
        table = data["table"]
        batch = pending.setdefault(table, [])
        batch.append(_decode(data["item"]))
        if len(batch) == _BATCH:
            _write_batch(client, table_name(models[table]), batch)
            counts[table] = counts.get(table, 0) + len(batch)
            pending[table] = []
            if progress:
                progress(table, counts[table])
    for table, batch in pending.items():
        if batch:
            _write_batch(client, table_name(models[table]), batch)
            counts[table] = counts.get(table, 0) + len(batch)
            if progress:
                progress(table, counts[table])
    return counts
