"""Benchmark: `nmo catalog import` — checking a provider's file and writing its rows.

Run: `.venv/bin/python bench/catalog_import.py [--rows 100000 --apply-rows 2000]`

1. Check (dry run) of a generated CSV of `--rows` programs, next to a bare `csv.reader` pass over
   the same file in the same run (the ratio is the figure to compare between machines), with the
   peak Python memory of the check (tracemalloc, measured in a separate pass of the same file).
2. Import (`--apply`) of `--apply-rows` rows into in-process moto, next to a bare
   `BatchWriteItem` loop of small items, compared per item written (an element and one listing per
   specialty); DynamoDB calls per row from `db.connection.call_counter`; then a second import of
   the same file (nothing to write: one BatchGetItem per 100 rows).
3. `nmo demo seed` into in-process moto: seconds and DynamoDB calls, first run and re-run.
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _local import in_process_moto

in_process_moto()

HEADER = ["код", "название", "вид", "часы", "специальности", "даты", "провайдер", "ИНН провайдера"]
CODES = ("76", "39", "25", "35", "49", "90", "219", "100", "41", "92")


def write_file(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(HEADER)
        for i in range(rows):
            iom = i % 3 == 0
            writer.writerow(
                [
                    f"BENCH-{i:07d}",
                    f"Программа повышения квалификации № {i}",
                    "ИОМ" if iom else "ДПП ПК",
                    str(1 + i % 6) if iom else ("18", "36", "72", "144")[i % 4],
                    ";".join(CODES[j % len(CODES)] for j in range(i % 3 + 1)),
                    "" if iom else f"{1 + i % 28:02d}.{1 + i % 12:02d}.2027",
                    "Медицинский университет",
                    "7604001017",
                ]
            )


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def bench_check(rows: int, workdir: Path) -> None:
    from nmo_cli.catalog_import import import_catalog

    path = workdir / "check.csv"
    write_file(path, rows)

    def bare() -> int:
        with path.open(encoding="utf-8", newline="") as fh:
            return sum(1 for _ in csv.reader(fh, delimiter=";"))

    bare_s, _ = timed(bare)
    check_s, report = timed(lambda: import_catalog(path, show_progress=False))
    tracemalloc.start()
    import_catalog(path, show_progress=False)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    size_mb = path.stat().st_size / 1e6
    print(
        f"check of {rows} rows ({size_mb:.1f} MB CSV): valid {report.valid}, errors {report.error_count}"
    )
    print(
        f"  check {check_s:.2f} s ({rows / check_s:,.0f} rows/s) | bare csv.reader {bare_s:.2f} s"
        f" | ratio {check_s / bare_s:.1f}x | peak memory {peak / 1e6:.1f} MB"
    )


def bench_apply(rows: int, workdir: Path) -> None:
    from chalicelib.db import connection
    from chalicelib.db.connection import call_counter, create_tables, ensure_bound, table_name
    from chalicelib.db.models import AuditEntry, CatalogElement, SpecialtyListing
    from moto import mock_aws
    from nmo_cli.catalog_import import import_catalog

    path = workdir / "apply.csv"
    write_file(path, rows)
    with mock_aws():
        connection.unbind()
        create_tables()
        client = ensure_bound().client

        def bare() -> None:
            items = [
                {"subject": {"S": "bench"}, "entry_id": {"S": f"{i:07d}"}, "actor": {"S": "b"}}
                for i in range(rows)
            ]
            for start in range(0, rows, 25):
                chunk = [{"PutRequest": {"Item": it}} for it in items[start : start + 25]]
                client.batch_write_item(RequestItems={table_name(AuditEntry): chunk})

        bare_s, _ = timed(bare)
        call_counter.clear()
        first_s, first = timed(lambda: import_catalog(path, apply=True, show_progress=False))
        calls_first = sum(call_counter.values())
        items = CatalogElement.count() + sum(1 for _ in SpecialtyListing.scan())
        call_counter.clear()
        again_s, again = timed(lambda: import_catalog(path, apply=True, show_progress=False))
        calls_again = sum(call_counter.values())
    connection.unbind()
    print(f"import of {rows} rows into in-process moto:")
    per_item, bare_per_item = first_s / items, bare_s / rows
    print(
        f"  first {first_s:.2f} s (created {first.created} elements = {items} items with their"
        f" listings, {calls_first / rows:.2f} calls/row)"
    )
    print(
        f"  per item written {per_item * 1000:.2f} ms | bare BatchWriteItem of {rows} small items"
        f" {bare_per_item * 1000:.2f} ms/item | ratio {per_item / bare_per_item:.1f}x"
        " (moto's per-item cost grows with item size)"
    )
    print(
        f"  re-import {again_s:.2f} s (unchanged {again.unchanged}, created {again.created},"
        f" {calls_again / rows:.2f} calls/row)"
    )


def bench_seed() -> None:
    from chalicelib.db import connection
    from chalicelib.db.connection import call_counter, create_tables
    from moto import mock_aws
    from nmo_cli.demo_data import seed_demo

    with mock_aws():
        connection.unbind()
        create_tables()
        call_counter.clear()
        first_s, first = timed(seed_demo)
        calls_first = sum(call_counter.values())
        call_counter.clear()
        again_s, _ = timed(seed_demo)
        calls_again = sum(call_counter.values())
    connection.unbind()
    print(
        f"demo seed: {first.elements.created} elements in {first_s:.2f} s ({calls_first} DynamoDB"
        f" calls) | re-run {again_s:.2f} s ({calls_again} calls, nothing written)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--apply-rows", type=int, default=2_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench_check(args.rows, Path(tmp))
        bench_apply(args.apply_rows, Path(tmp))
    bench_seed()


if __name__ == "__main__":
    main()
