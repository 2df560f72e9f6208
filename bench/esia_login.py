"""Benchmark: first logins through Госуслуги, as new people meet the portal.

Run: `.venv/bin/python bench/esia_login.py [--people 20] [--token-alg GOST3410_2012_256]`

Starts the whole local stack (`nmo serve`: embedded DynamoDB with the demo region, the ЕСИА
emulator, site + API on one origin) on ephemeral ports, then logs in N distinct people the
portal has never seen, each defined on the emulator's page (a fresh СНИЛС each), through the
real flow over HTTP: start → ЕСИА login page → person → callback. It prints p50/p95 of the
callback (the step a person waits on after ЕСИА) beside a bare `GET /api/me` of the same run,
so the ratio, not the absolute time, is the figure to compare between machines; then the same
for returning logins. Target on this 2-core machine: first-login callback p95 < 1 s.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT, ROOT / "functions"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from tests.esia_support import http_request, person_fields  # noqa: E402
from tests.stack import Stack, running_stack  # noqa: E402


def _set_token_alg(stack: Stack, alg: str) -> None:
    status, _, _ = http_request(
        f"{stack.esia_url}/emulator/system",
        "POST",
        urllib.parse.urlencode({"token_alg": alg}),
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 200, status


def login(stack: Stack, fields: dict[str, str]) -> tuple[float, float, str]:
    """One login; (callback seconds, bare /api/me seconds, where the callback sent us)."""
    status, headers, _ = http_request(stack.url + "/api/auth/esia/login?next=/cabinet/")
    assert status == 302, status
    login_cookie = headers["Set-Cookie"].split(";", 1)[0]
    status, _, page = http_request(headers["Location"])
    request_id = re.search(r'name="request_id" value="([^"]+)"', page)
    assert status == 200 and request_id, page[:200]
    form = {"request_id": request_id.group(1), "oid": "custom", **fields}
    status, headers, _ = http_request(
        stack.esia_url + "/idp/login",
        "POST",
        urllib.parse.urlencode(form),
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 302, status
    callback = headers["Location"][len(stack.url) :]
    started = time.perf_counter()
    status, headers, _ = http_request(stack.url + callback, headers={"Cookie": login_cookie})
    callback_seconds = time.perf_counter() - started
    assert status == 302, status
    session = next(
        c for c in headers.get("Set-Cookie", "").split(", ") if c.startswith("nmo_session=")
    ).split(";", 1)[0]
    started = time.perf_counter()
    status, _, _ = http_request(stack.url + "/api/me", headers={"Cookie": session})
    me_seconds = time.perf_counter() - started
    assert status == 200, status
    return callback_seconds, me_seconds, headers["Location"]


def seed_history(stack: Stack, people: list[dict[str, str]], rows: int) -> None:
    """Provider rows waiting for each person's first login (as `nmo credits import` leaves them
    for people who have not logged in yet): the first login moves them into the record."""
    import datetime as dt

    from chalicelib.db import credits_repo
    from chalicelib.db.models import PendingCredit

    now = dt.datetime.now(dt.UTC)
    with stack.bound_here():
        for person in people:
            snils = "".join(ch for ch in person["snils"] if ch.isdigit())
            for n in range(rows):
                completed_on = (dt.date(2022, 1, 10) + dt.timedelta(days=29 * n)).isoformat()
                title, document = f"Модуль {n}", f"ИОМ-{n:04d}"
                token = credits_repo.import_token(snils, title, completed_on, document)
                credits_repo.save_pending(
                    PendingCredit(
                        snils=snils,
                        record_id=credits_repo.new_record_id(completed_on, token),
                        kind="iom",
                        title=title,
                        hours=2,
                        completed_on=completed_on,
                        specialty="76",
                        candidate_specialties=["76"],
                        document=document,
                        created_at=now,
                    )
                )


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def report(label: str, callbacks: list[float], me: list[float]) -> None:
    base = statistics.median(me)
    print(
        f"  {label:<24} callback p50 {_p(callbacks, 0.5) * 1000:7.0f} ms  "
        f"p95 {_p(callbacks, 0.95) * 1000:7.0f} ms  max {max(callbacks) * 1000:7.0f} ms   "
        f"GET /api/me p50 {base * 1000:5.1f} ms  (p95 callback = {_p(callbacks, 0.95) / base:4.0f}×)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=20)
    parser.add_argument("--token-alg", default="RS256", choices=["RS256", "GOST3410_2012_256"])
    parser.add_argument("--no-seed", action="store_true", help="без демо-данных")
    parser.add_argument("--build", action="store_true", help="собрать сайт, как make run")
    parser.add_argument(
        "--history", type=int, default=0, help="записей провайдеров ждут каждого человека"
    )
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_stack(Path(tmp), seed=not args.no_seed, build=args.build) as stack,
    ):
        _set_token_alg(stack, args.token_alg)
        people = [person_fields(10_000 + n) for n in range(args.people)]
        if args.history:
            seed_history(stack, people, args.history)
        first: list[tuple[float, float, str]] = [login(stack, p) for p in people]
        again: list[tuple[float, float, str]] = [login(stack, p) for p in people]
    assert all(location == "/cabinet/" for *_, location in first + again)
    print(
        f"ЕСИА login through the emulator, local stack (embedded DynamoDB"
        f"{'' if args.no_seed else ' with the demo region'}), tokens {args.token_alg}, "
        f"{args.history} provider records waiting per person:"
    )
    report(
        f"first login ({args.people} people)", [c for c, _, _ in first], [m for _, m, _ in first]
    )
    report("returning login", [c for c, _, _ in again], [m for _, m, _ in again])
    return 0


if __name__ == "__main__":
    sys.exit(main())
