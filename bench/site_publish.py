"""Benchmark: what `nmo site publish` sends to S3 (moto, in-process) for a full first publish and
for the publications that follow a moderator's decision.

Run: .venv/bin/python bench/site_publish.py [--elements 5000]

Builds the real site (mkdocs.yml + the catalog hook) from N demo elements, publishes it to an
empty bucket (the baseline: everything), publishes the same build again (must send nothing), then
rebuilds and publishes after one new event is published, and after that event is cancelled (it
leaves the public catalog). The bytes and requests are counted on the wire by a botocore hook on
the S3 client, not taken from the publisher's own report. Prints each figure beside the full
publish of the same run and the 1 MB target for one event.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "functions"))

from nmo_cli.demo_data import generate_element, generate_elements  # noqa: E402

TARGET_ONE_EVENT = 1_000_000
BUCKET = "nmo-bench-site"


@dataclass
class Wire:
    """What went over the wire to S3, by operation."""

    calls: Counter[str] = field(default_factory=Counter)
    body_bytes: Counter[str] = field(default_factory=Counter)
    put_keys: list[tuple[int, str]] = field(default_factory=list)

    def hook(self, request: Any, event_name: str, **_: Any) -> None:
        operation_name = event_name.rsplit(".", 1)[-1]
        # A file body is streamed aws-chunked (flexible checksums): the decoded length it declares
        # is the content sent; other bodies (DeleteObjects' XML) are bytes.
        headers = request.headers
        declared = headers.get("X-Amz-Decoded-Content-Length") or headers.get("Content-Length")
        body = request.body
        size = int(declared) if declared else len(body) if isinstance(body, bytes) else 0
        self.calls[operation_name] += 1
        self.body_bytes[operation_name] += size
        if operation_name == "PutObject":
            path = urlsplit(request.url).path.lstrip("/")
            self.put_keys.append((size, path.removeprefix(BUCKET + "/")))


def new_event(seed: int, today: dt.date) -> dict[str, Any]:
    """One more upcoming event, like the demo catalog's own (a moderator has just published it)."""
    i = 0
    while True:
        element = generate_element(10_000_000 + i, seed, today)
        if element["kind"] == "event" and element["starts_on"] > today.isoformat():
            element["updated_at"] = dt.datetime.now(dt.UTC).isoformat()
            return element
        i += 1


def write_jsonl(path: Path, elements: list[dict[str, Any]]) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for e in elements:
            fh.write(json.dumps(e, ensure_ascii=False) + "\n")
    return path


def build_in_fresh_process(out: Path, jsonl: Path) -> float:
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return float(pool.apply(_build, (out, jsonl)))


def _build(out: Path, jsonl: Path) -> float:
    from nmo_cli.site_build import build

    started = time.perf_counter()
    build(out, catalog_jsonl=jsonl)
    return time.perf_counter() - started


def publish_counted(client: Any, site: Path) -> tuple[Wire, Any, float]:
    from nmo_cli.site_publish import publish

    wire = Wire()
    client.meta.events.register("before-send.s3", wire.hook)
    started = time.perf_counter()
    try:
        report = publish(site, BUCKET, client=client)
    finally:
        client.meta.events.unregister("before-send.s3", wire.hook)
    return wire, report, time.perf_counter() - started


def show(label: str, wire: Wire, report: Any, seconds: float, full: Wire | None) -> None:
    sent = sum(wire.body_bytes.values())
    files = wire.calls["PutObject"]
    calls = ", ".join(f"{op} {n}" for op, n in sorted(wire.calls.items()))
    print(
        f"{label:<22}: {files:6d} files, {sent / 1e6:9.3f} MB sent in {seconds:6.1f} s  ({calls})"
    )
    print(f"{'':<22}  deleted {len(report.deleted)}, unchanged {report.unchanged}")
    if full is not None:
        whole = max(1, sum(full.body_bytes.values()))
        print(
            f"{'':<22}  {sent / whole:.4f} of the full publish's bytes, "
            f"{files / max(1, full.calls['PutObject']):.4f} of its files; "
            f"{sent / TARGET_ONE_EVENT:.2f} of the 1 MB target"
        )
        for size, key in sorted(wire.put_keys, reverse=True)[:8]:
            print(f"{'':<26}{size / 1e3:9.1f} KB  {key}")
        if report.deleted:
            print(f"{'':<26}deleted: {', '.join(report.deleted[:5])}")


def run(n: int, seed: int) -> None:
    import boto3
    from moto import mock_aws

    today = dt.date.today()
    elements = generate_elements(n, seed=seed)
    event = new_event(seed, today)
    print(f"\n== {n} elements; the new event {event['element_id']} ({event['starts_on']}, "
          f"specialties {', '.join(event['specialties'])}) ==")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="nmo-bench-publish-") as tmp, mock_aws():
        work = Path(tmp)
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        builds = {
            "before": elements,
            "published": [*elements, event],
            "cancelled": [*elements, {**event, "status": "cancelled"}],
        }
        sites = {}
        for name, records in builds.items():
            jsonl = write_jsonl(work / f"{name}.jsonl", records)
            seconds = build_in_fresh_process(work / name, jsonl)
            sites[name] = work / name
            print(f"build {name:<16}: {seconds:6.1f} s")

        full, report, seconds = publish_counted(client, sites["before"])
        show("full first publish", full, report, seconds, None)
        again, report, seconds = publish_counted(client, sites["before"])
        show("same build again", again, report, seconds, full)
        one, report, seconds = publish_counted(client, sites["published"])
        show("one event published", one, report, seconds, full)
        cancel, report, seconds = publish_counted(client, sites["cancelled"])
        show("that event cancelled", cancel, report, seconds, full)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--elements", default="5000", help="comma-separated sizes")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    for n in (int(x) for x in args.elements.split(",")):
        run(n, args.seed)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
