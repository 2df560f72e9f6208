"""Benchmark: the cabinet's reads stay flat as a person's record grows.

Run: `.venv/bin/python bench/credits_lookup.py [--sizes 10,1000,10000 --repeat 30]
[--store embedded]` (`embedded`: the local stack's DynamoDB over HTTP instead of in-process moto;
the last line compares the credits page at the largest size with the page at 1,000).

For each size, one person gets that many credit records (in-process moto), their aggregates are
rebuilt the way a specialties change rebuilds them, ten catalog elements go into their learning
plan, then `GET /api/me/cycles`, `GET /api/me/plan` and `GET /api/me/credits` (first page) go
through the Chalice test client. Printed per size: DynamoDB
calls per request (`db.connection.call_counter`), consumed read capacity as moto reports it, the
median in-process latency next to a bare `GetItem` of the same person in the same run (the ratio is
the figure to compare between machines), and a bare Query of the same first page: moto reads and
sorts a whole partition for every Query, so that column shows the part of the credits page's
latency that is the emulator's, not ours (real DynamoDB reads only the page).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import random
import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

from _local import in_process_moto

in_process_moto(NMO_SESSION_KEY="bench-session-key-0123456789abcdef")

KINDS = ("dpp_pk", "iom", "event")
CAPACITY: dict[str, float] = {"read": 0.0}


def _count_capacity(parsed: Any = None, **kwargs: Any) -> None:
    consumed = (parsed or {}).get("ConsumedCapacity")
    for entry in consumed if isinstance(consumed, list) else [consumed] if consumed else []:
        CAPACITY["read"] += float(entry.get("CapacityUnits") or 0)


def _fill(oid: str, count: int, start: dt.date) -> None:
    from chalicelib.db.models import CreditRecord

    rng = random.Random(count)
    now = dt.datetime.now(dt.UTC)
    with CreditRecord.batch_write() as batch:
        for i in range(count):
            day = start + dt.timedelta(days=rng.randrange(0, 5 * 365))
            kind = KINDS[i % 3]
            batch.save(
                CreditRecord(
                    oid=oid,
                    record_id=f"{day.isoformat()}#bench-{i:06d}",
                    kind=kind,
                    title=f"Элемент № {i}",
                    hours={"dpp_pk": 36, "iom": 2, "event": 6}[kind],
                    completed_on=day.isoformat(),
                    specialty="76",
                    source="provider_import",
                    document=f"УД-{i}",
                    created_at=now,
                )
            )


PLANNED = 10


def _plan(client: Any, headers: dict[str, Any]) -> None:
    """Ten published elements in the person's plan, added through the API."""
    import json

    from chalicelib.db import catalog_repo
    from chalicelib.db.models import CatalogElement

    now = dt.datetime.now(dt.UTC)
    for i in range(PLANNED):
        element_id = f"pk-bench-{i:02d}"
        catalog_repo.save_element(
            CatalogElement(
                element_id=element_id,
                kind="dpp_pk",
                status="published",
                sort_key=f"9999-12-31#{element_id}",
                title=f"Программа № {i}",
                hours=36,
                specialties=["76"],
                organizer_id="org-bench",
                created_key=f"{now.isoformat()}#{element_id}",
                created_at=now,
                updated_at=now,
            )
        )
        body = json.dumps({"element_id": element_id, "specialty": "76"})
        if client.http.post("/api/me/plan", headers=headers, body=body).status_code != 201:
            raise SystemExit("could not fill the plan")


def _median_ms(action: Callable[[], Any], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        action()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


def _measure(client: Any, path: str, headers: dict[str, Any]) -> tuple[int, float, dict[str, int]]:
    from chalicelib.db import connection

    connection.call_counter.clear()
    CAPACITY["read"] = 0.0
    response = client.http.get(path, headers=headers)
    if response.status_code != 200:
        raise SystemExit(f"{path}: HTTP {response.status_code}")
    calls = dict(connection.call_counter)
    return sum(calls.values()), CAPACITY["read"], calls


@contextlib.contextmanager
def _store(kind: str) -> Iterator[None]:
    """In-process moto (stock: every Query sorts the whole table), or the embedded DynamoDB of
    the local stack (`nmo_cli.embedded_dynamodb`, Queries read their partition only)."""
    from chalicelib.settings import reset_settings
    from moto import mock_aws

    if kind == "moto":
        with mock_aws():
            yield
        return
    from nmo_cli.embedded_dynamodb import EmbeddedDynamoDB

    db = EmbeddedDynamoDB(port=0, data_dir=None)
    db.start()
    os.environ["NMO_DYNAMODB_ENDPOINT"] = db.url
    reset_settings()
    try:
        yield
    finally:
        os.environ.pop("NMO_DYNAMODB_ENDPOINT", None)
        reset_settings()
        db.stop()


def run(sizes: list[int], repeat: int, store: str = "moto") -> dict[int, float]:
    """Prints the table; returns the credits page's median ms by size."""
    from app import app
    from chalice.test import Client
    from chalicelib.db import connection
    from chalicelib.db.models import CreditRecord, Specialist
    from chalicelib.services import credits

    from tests.people import login_headers, make_person

    print(
        f"{'records':>8} | {'route':<16} | {'calls':>5} | {'RCU':>5} | {'median ms':>9} | "
        f"{'GetItem ms':>10} | {'÷ Get':>6} | {'Query ms':>9} | calls by operation"
    )
    print("-" * 110)
    credits_page: dict[int, float] = {}
    for size in sizes:
        with _store(store):
            connection.unbind()
            connection.create_tables()
            connection.ensure_bound().client.meta.events.register(
                "after-call.dynamodb.*", _count_capacity
            )
            start = dt.date(2023, 3, 15)
            person = make_person(f"90000{size:06d}", specialties=[("76", start.isoformat())])
            _fill(person.oid, size, start)
            credits.rebuild_totals(person)
            headers = login_headers(person)
            oid = person.oid
            with Client(app) as client:
                _plan(client, headers)
                bare_get = _median_ms(lambda oid=oid: Specialist.get(oid), repeat)
                # moto's Query reads and sorts the whole partition, so its own cost grows with
                # the record count; a bare Query of the same first page shows that part.
                bare_query = _median_ms(
                    lambda oid=oid: list(
                        CreditRecord.query(oid, scan_index_forward=False, limit=50, page_size=50)
                    ),
                    repeat,
                )
                for path in ("/api/me/cycles", "/api/me/plan", "/api/me/credits"):
                    client.http.get(path, headers=headers)  # warm-up (imports, first bind)
                    calls, rcu, detail = _measure(client, path, headers)
                    latency = _median_ms(
                        lambda p=path, h=headers: client.http.get(p, headers=h), repeat
                    )
                    if path == "/api/me/credits":
                        credits_page[size] = latency
                    print(
                        f"{size:>8} | {path:<16} | {calls:>5} | {rcu:>5.1f} | {latency:>9.2f} | "
                        f"{bare_get:>10.2f} | {latency / bare_get:>6.1f} | {bare_query:>9.2f} | "
                        f"{detail}"
                    )
            connection.unbind()
    return credits_page


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,1000,10000")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument(
        "--store",
        choices=("moto", "embedded"),
        default="moto",
        help="in-process moto, or the local stack's embedded DynamoDB over HTTP",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    page = run(sizes, args.repeat, args.store)
    if 1000 in page and max(sizes) > 1000:
        print(
            f"credits page ({args.store}): {page[max(sizes)]:.1f} ms at {max(sizes)} records, "
            f"{page[1000]:.1f} ms at 1000; ratio {page[max(sizes)] / page[1000]:.2f} "
            "(target ≤ 2 on the embedded store)"
        )


if __name__ == "__main__":
    main()
