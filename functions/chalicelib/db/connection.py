"""Binding the table models to the configured endpoint, once, behind a lock.

All models share one botocore client: built lazily per model in many threads, PynamoDB made a
client per thread and a 2 s run took 45 s (measured.md). Call `ensure_bound()` before any access;
repositories do it for you.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from typing import Any

from pynamodb.connection import Connection

from ..settings import Settings, get_settings
from .models import ALL_MODELS, PortalModel

_lock = threading.Lock()
_bound_key: tuple[str, str | None, str] | None = None
_shared: Connection | None = None
# Counts DynamoDB API calls by operation (benchmarks and tests read it; it never affects behaviour).
call_counter: Counter[str] = Counter()
consumed_capacity: Counter[str] = Counter()


def _count_call(model: Any = None, params: Any = None, **kwargs: Any) -> None:
    name = kwargs.get("event_name", "")
    call_counter[name.rsplit(".", 1)[-1]] += 1


def _key(settings: Settings) -> tuple[str, str | None, str]:
    return (settings.table_prefix, settings.dynamodb_endpoint, settings.region)


def table_name(model: type[PortalModel], settings: Settings | None = None) -> str:
    return (settings or get_settings()).table_prefix + model.table


def ensure_bound() -> Connection:
    """Point every model at the configured tables and endpoint (idempotent, thread-safe)."""
    global _bound_key, _shared
    settings = get_settings()
    key = _key(settings)
    if _bound_key == key and _shared is not None:
        return _shared
    with _lock:
        if _bound_key == key and _shared is not None:
            return _shared
        shared = Connection(
            region=settings.region, host=settings.dynamodb_endpoint, max_pool_connections=64
        )
        shared.client.meta.events.register("before-call.dynamodb.*", _count_call)
        for model in ALL_MODELS:
            model.Meta.table_name = table_name(model, settings)
            meta: Any = model.Meta
            meta.region = settings.region
            meta.host = settings.dynamodb_endpoint
            model._connection = None
            table_conn = model._get_connection()
            shared.add_meta_table(table_conn.get_meta_table())
            table_conn.connection = shared
        _shared = shared
        _bound_key = key
        return shared


def bind_at_lambda_init() -> None:
    """On Lambda, build the shared client during the function's init (once per sandbox, before
    the first request waits for it). Elsewhere nothing: tests and the local stack bind on first
    use, after moto or their endpoint is set up."""
    if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        ensure_bound()


def connection() -> Connection:
    """The shared connection, for transactions (`TransactWrite(connection=connection())`)."""
    return ensure_bound()


def unbind() -> None:
    """Forget the binding (tests switching endpoints)."""
    global _bound_key, _shared
    with _lock:
        _bound_key = None
        _shared = None
        for model in ALL_MODELS:
            model._connection = None


def create_tables(wait: bool = True) -> list[str]:
    """Create every missing table from the models (local stack, tests, `nmo db init`)."""
    ensure_bound()
    created = []
    for model in ALL_MODELS:
        if not model.exists():
            model.create_table(billing_mode="PAY_PER_REQUEST", wait=wait)
            created.append(model.Meta.table_name)
            if model.ttl_attribute:
                _client().update_time_to_live(
                    TableName=model.Meta.table_name,
                    TimeToLiveSpecification={
                        "Enabled": True,
                        "AttributeName": model.ttl_attribute,
                    },
                )
    return created


def delete_tables() -> None:
    ensure_bound()
    for model in ALL_MODELS:
        if model.exists():
            model.delete_table()


def _client() -> Any:
    return ensure_bound().client
