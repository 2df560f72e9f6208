"""API latency on an idle `make run`: one client polls `GET /api/events/{id}` every 200 ms.

The local site refresher checks every few seconds whether the published catalog changed. It used
to read every published element through the embedded DynamoDB, whose single lock then stalled
every API request for 1–3 s. It now reads one version item. This bench starts the whole stack with
the demo data and prints the poll's latency distribution twice in the same run:

* `now`: the stack as `make run` runs it (the refresher's one GetItem every 5 s);
* `baseline`: the same, plus a reader doing what the refresher did before (the whole published
  catalog through the by-status index every 5 s), so the two lines differ by that alone.

Run: `.venv/bin/python bench/api_idle_latency.py [--seconds 30 --every 0.2]`. Target for `now`:
p95 < 500 ms, max < 1.5 s.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT, ROOT / "functions"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

OLD_CHECK_INTERVAL = 5.0  # SiteRefresher's default interval


def get(base_url: str, path: str) -> tuple[int, bytes]:
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def some_event_id(base_url: str) -> str:
    status, body = get(base_url, "/api/catalog/elements?kind=event&limit=1")
    if status != 200:
        raise SystemExit(f"catalog API answered {status}")
    return str(json.loads(body)["items"][0]["id"])


def poll(base_url: str, path: str, seconds: float, every: float) -> list[float]:
    """Latencies in seconds of GETs started every `every` seconds (a slow one delays the next)."""
    latencies: list[float] = []
    deadline = time.monotonic() + seconds
    next_at = time.monotonic()
    while time.monotonic() < deadline:
        started = time.monotonic()
        status, _ = get(base_url, path)
        latencies.append(time.monotonic() - started)
        if status != 200:
            raise SystemExit(f"GET {path} answered {status}")
        next_at += every
        time.sleep(max(0.0, next_at - time.monotonic()))
    return latencies


def old_full_catalog_reader(stop: threading.Event) -> None:
    """What the refresher did before: every published element, every few seconds."""
    from chalicelib.db.catalog_repo import iter_published

    while not stop.wait(OLD_CHECK_INTERVAL):
        sum(1 for _ in iter_published())


def describe(label: str, latencies: list[float]) -> str:
    ms = sorted(x * 1000 for x in latencies)
    p95 = ms[max(0, round(0.95 * len(ms)) - 1)]
    return (
        f"{label:<9} n={len(ms):4d}  p50={statistics.median(ms):7.1f} ms  p95={p95:7.1f} ms  "
        f"p99={ms[max(0, round(0.99 * len(ms)) - 1)]:7.1f} ms  max={ms[-1]:7.1f} ms  "
        f"over 500 ms: {sum(1 for x in ms if x > 500)}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--every", type=float, default=0.2)
    args = parser.parse_args(argv)

    from tests.stack import running_stack

    with tempfile.TemporaryDirectory(prefix="nmo-bench-idle-") as tmp:
        print("starting the local stack with demo data (seed and site build take a while)…")
        with running_stack(Path(tmp), seed=True, build=True) as stack:
            path = f"/api/events/{some_event_id(stack.url)}"
            get(stack.url, path)  # warm up the app's imports and the connection pool
            print(f"polling GET {path} every {args.every * 1000:.0f} ms for {args.seconds:.0f} s")
            now = poll(stack.url, path, args.seconds, args.every)
            with stack.bound_here():
                stop = threading.Event()
                reader = threading.Thread(target=old_full_catalog_reader, args=(stop,))
                reader.start()
                try:
                    baseline = poll(stack.url, path, args.seconds, args.every)
                finally:
                    stop.set()
                    reader.join()
    print(describe("now", now))
    print(describe("baseline", baseline) + "  (plus the former whole-catalog check)")
    ok = sorted(now)[max(0, round(0.95 * len(now)) - 1)] < 0.5 and max(now) < 1.5
    print("target p95 < 500 ms and max < 1.5 s:", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
