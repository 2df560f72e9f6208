"""Registration rush on the local stack: N people register at once for an event with C seats,
then K confirmed people cancel at once. Checks and prints:

* confirmed = C, waiting list = N − C with positions 1…N−C (no gaps, no repeats, ticket order);
* after the cancellations confirmed = C again, the first K of the line promoted in order;
* the number of 5xx responses (must be 0);
* requests/s of the rush next to a bare PutItem loop against the same embedded DynamoDB, run
  right before and right after the rush (the baseline is their mean);
* the rush again after 10,000 more registrations, against the first: `--rounds` rushes at each
  size, the best of each compared (the machine is shared: noise only slows a run, and one run
  of each swung the ratio between 1.01 and 1.46 with nothing changed).

Run: `.venv/bin/python bench/registration_rush.py [--people 1000 --seats 100 --cancel 50]`.
The stack (embedded DynamoDB serialised around moto + the site/API server) starts on ephemeral
ports and stops at the end. The functions here are also used by the regular rush test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import secrets
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT, ROOT / "functions"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

MSK = dt.timezone(dt.timedelta(hours=3))
SPECIALTY = "76"


@dataclass
class Api:
    """A tiny HTTP client: a new connection per request (keep-alive with Nagle's delayed ACKs
    costs ~40 ms a request here, measured.md)."""

    base_url: str
    statuses: Counter[int] = field(default_factory=Counter)

    def call(
        self, method: str, path: str, headers: dict[str, str], body: Any = None
    ) -> tuple[int, Any]:
        parts = urlsplit(self.base_url)
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=900)
        try:
            payload = None if body is None else json.dumps(body).encode("utf-8")
            conn.request(method, path, body=payload, headers=headers)
            resp = conn.getresponse()
            raw = resp.read()
            self.statuses[resp.status] += 1
            ctype = resp.getheader("Content-Type") or ""
            return resp.status, json.loads(raw) if ctype.startswith("application/json") else raw
        finally:
            conn.close()


def seed_people(
    prefix: str,
    count: int,
    *,
    roles: Sequence[str] = ("specialist",),
    organization_id: str | None = None,
) -> list[dict[str, str]]:
    """People with an open session each, written with BatchWriteItem (25 a call); returns the
    request headers (cookie + CSRF) of each."""
    from chalicelib.db.connection import ensure_bound
    from chalicelib.db.models import Specialist, SpecialtyRecord
    from chalicelib.services import sessions

    ensure_bound()
    now = dt.datetime.now(dt.UTC)
    ttl = 8 * 3600
    headers = []
    with Specialist.batch_write() as batch:
        for i in range(count):
            sid = secrets.token_urlsafe(18)
            oid = f"{prefix}-{i:05d}"
            batch.save(
                Specialist(
                    oid=oid,
                    last_name="Участник",
                    first_name=f"№{i}",
                    education_level="higher",
                    specialties=[SpecialtyRecord(code=SPECIALTY, admitted_on="2022-06-01")],
                    roles=list(roles),
                    organization_id=organization_id,
                    session_ids=[sid],
                    trusted=True,
                    created_at=now,
                    updated_at=now,
                )
            )
            claims = sessions.SessionClaims(oid, sid, int(time.time()) + ttl)
            headers.append(
                {
                    "Cookie": f"{sessions.COOKIE_NAME}={sessions.encode_cookie_value(claims)}",
                    "X-CSRF-Token": sessions.csrf_token_for(sid),
                    "Content-Type": "application/json",
                }
            )
    return headers


def publish_event(api: Api, capacity: int, run_id: str) -> str:
    """An organization, an organizer and a moderator; an event entered, submitted, published."""
    from chalicelib.db.connection import ensure_bound
    from chalicelib.db.models import Organization

    ensure_bound()
    org_id = f"bench-org-{run_id}"
    Organization(org_id=org_id, name="Стресс-тест", created_at=dt.datetime.now(dt.UTC)).save()
    (org,) = seed_people(f"org-{run_id}", 1, roles=("organizer",), organization_id=org_id)
    (mod,) = seed_people(f"mod-{run_id}", 1, roles=("moderator",))
    day = (dt.datetime.now(MSK) + dt.timedelta(days=30)).date()
    body = {
        "title": "Нагрузочный тест записи",
        "format": "online",
        "url": "https://example.ru/live",
        "days": [
            {
                "starts_at": dt.datetime(day.year, day.month, day.day, 10, tzinfo=MSK).isoformat(),
                "ends_at": dt.datetime(day.year, day.month, day.day, 16, tzinfo=MSK).isoformat(),
                "hours": 6,
            }
        ],
        "specialties": [SPECIALTY],
        "capacity": capacity,
        "program": "Программа",
        "contact": "Оргкомитет",
    }
    status, created = api.call("POST", "/api/organizer/events", org, body)
    assert status == 201, created
    event_id = str(created["id"])
    status, _ = api.call("POST", f"/api/organizer/events/{event_id}/submit", org, {})
    assert status == 200
    status, _ = api.call(
        "POST", f"/api/moderation/events/{event_id}/decision", mod, {"decision": "publish"}
    )
    assert status == 200
    return event_id


class CallsPerThread:
    """DynamoDB calls made by each thread of this process (a handler on the shared client, beside
    `call_counter`): one worker thread's count is one request's count."""

    def __init__(self) -> None:
        self._local = threading.local()

    def _count(self, **_: Any) -> None:
        self._local.calls = getattr(self._local, "calls", 0) + 1

    def install(self) -> None:
        from chalicelib.db.connection import ensure_bound

        ensure_bound().client.meta.events.register("before-call.dynamodb.*", self._count)

    def uninstall(self) -> None:
        from chalicelib.db.connection import ensure_bound

        ensure_bound().client.meta.events.unregister("before-call.dynamodb.*", self._count)

    def measure(self, work: Callable[[], Any]) -> tuple[Any, int, float]:
        """Run `work` in this thread: its result, its DynamoDB calls, its seconds."""
        self._local.calls = 0
        started = time.perf_counter()
        result = work()
        return result, self._local.calls, time.perf_counter() - started


def claims_of(headers: dict[str, str]) -> Any:
    """The session claims behind a seeded person's request headers (`seed_people`)."""
    from chalicelib.services import sessions

    value = headers["Cookie"].split("=", 1)[1]
    return sessions.session_claims(value)


def service_call(
    counter: CallsPerThread, headers: dict[str, str], action: str, event_id: str
) -> Any:
    """What the API handler does for one request, in this process: the registration service
    for the request's session (which reads the person with its first read). Returns
    ((status, body), calls, seconds)."""
    from chalicelib.errors import DomainError
    from chalicelib.services import registration

    claims = claims_of(headers)

    def work() -> tuple[int, Any]:
        try:
            if action == "register":
                return registration.register(claims, event_id, {})[::-1]
            return 200, registration.cancel(claims, event_id)
        except DomainError as err:
            return err.status, str(err)

    return counter.measure(work)


def in_parallel(
    work: Callable[[int], tuple[int, Any]], count: int, threads: int
) -> tuple[list[tuple[int, Any]], float]:
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        results = list(pool.map(work, range(count)))
    return results, time.perf_counter() - started


@dataclass
class LineState:
    """The event as its registrants see it: who is confirmed, the line in ticket order, and each
    waiting person's position as the cabinet API reports it."""

    confirmed: set[str]
    line: list[str]  # oids in ticket order
    positions: dict[str, int]  # oid → position from GET /api/me/registrations
    seats_taken: int
    waitlist_length: int


def read_line(
    api: Api,
    event_id: str,
    headers_by_oid: dict[str, dict[str, str]],
    threads: int,
    *,
    positions_via_http: bool = True,
) -> LineState:
    """Registrations straight from the table; each waiting person's position as the cabinet API
    reports it (over HTTP), or from the same rank query in this process (faster, for tests)."""
    from chalicelib.db.connection import ensure_bound
    from chalicelib.db.models import EventSeats, Registration

    ensure_bound()
    regs = list(Registration.query(event_id, consistent_read=True))
    confirmed = {r.oid for r in regs if r.status == "confirmed"}
    waiting = sorted((r for r in regs if r.status == "waitlisted"), key=lambda r: r.wait_seq)
    line = [r.oid for r in waiting]

    def ask(i: int) -> tuple[int, Any]:
        return api.call("GET", "/api/me/registrations", headers_by_oid[line[i]])

    positions = {}
    if positions_via_http:
        answers, _ = in_parallel(ask, len(line), threads)
        for oid, (status, body) in zip(line, answers, strict=True):
            assert status == 200, body
            mine = [i for i in body["items"] if i["event_id"] == event_id]
            positions[oid] = mine[0]["position"]
    else:
        from chalicelib.db import registrations_repo

        counted = EventSeats.get(event_id, consistent_read=True)
        for reg in waiting:
            positions[reg.oid] = registrations_repo.position(counted, int(reg.wait_seq))
    seats = EventSeats.get(event_id, consistent_read=True)
    return LineState(confirmed, line, positions, int(seats.seats_taken), int(seats.waitlist_length))


def line_problems(state: LineState, seats: int, waiting: int) -> list[str]:
    """Everything wrong with the state; empty when the invariants hold."""
    problems = []
    if len(state.confirmed) != seats or state.seats_taken != seats:
        problems.append(
            f"confirmed {len(state.confirmed)} (counter {state.seats_taken}), expected {seats}"
        )
    if len(state.line) != waiting or state.waitlist_length != waiting:
        problems.append(
            f"waiting {len(state.line)} (counter {state.waitlist_length}), expected {waiting}"
        )
    in_order = [state.positions[oid] for oid in state.line]
    if in_order != list(range(1, len(state.line) + 1)):
        problems.append("positions are not 1…N in ticket order (gaps, repeats or reordering)")
    return problems


@dataclass
class RushResult:
    people: int
    seats: int
    cancels: int
    statuses: Counter[int]
    rush_seconds: float
    before: LineState
    after: LineState
    promoted_in_order: bool
    problems: list[str]
    # Per request, only when run through the service in this process (`via="service"`).
    register_calls: list[int] = field(default_factory=list)
    cancel_calls: list[int] = field(default_factory=list)
    cancel_seconds: list[float] = field(default_factory=list)

    @property
    def rush_rate(self) -> float:
        return self.people / self.rush_seconds


def run_rush(
    api: Api,
    *,
    people: int,
    seats: int,
    cancels: int,
    threads: int,
    run_id: str | None = None,
    positions_via_http: bool = True,
    via: str = "http",
) -> RushResult:
    """Seed, publish, rush, check; cancel, check again. Needs `stack.bound_here()` active.
    `via="service"` runs each request's work in this process's threads (against the same store)
    and records its DynamoDB calls and the cancels' latencies."""
    run_id = run_id or secrets.token_hex(3)
    event_id = publish_event(api, seats, run_id)
    headers = seed_people(f"p-{run_id}", people)
    oids = [f"p-{run_id}-{i:05d}" for i in range(people)]
    by_oid = dict(zip(oids, headers, strict=True))
    api.statuses.clear()
    counter = CallsPerThread()
    if via == "service":
        counter.install()
    calls: dict[str, list[int]] = {"register": [], "cancel": []}
    cancel_seconds: list[float] = []

    def request(action: str, headers_of: dict[str, str]) -> tuple[int, Any]:
        if via == "http":
            method, path = (
                ("POST", f"/api/events/{event_id}/registrations")
                if action == "register"
                else ("DELETE", f"/api/events/{event_id}/registrations/me")
            )
            return api.call(method, path, headers_of, {} if action == "register" else None)
        answer, n, took = service_call(counter, headers_of, action, event_id)
        calls[action].append(n)
        if action == "cancel":
            cancel_seconds.append(took)
        return answer  # type: ignore[no-any-return]

    def register(i: int) -> tuple[int, Any]:
        return request("register", headers[i])

    results, seconds = in_parallel(register, people, threads)
    rush_statuses = Counter(status for status, _ in results)
    before = read_line(api, event_id, by_oid, threads, positions_via_http=positions_via_http)
    problems = line_problems(before, seats, people - seats)
    # The positions each waiting person was told while the rush was still running.
    told = {
        body["position"]
        for status, body in results
        if status == 201 and isinstance(body, dict) and body.get("status") == "waitlisted"
    }
    if told != set(range(1, people - seats + 1)):
        problems.append("positions answered during the rush are not exactly 1…N")

    leaving = sorted(before.confirmed)[:cancels]
    expected_promoted = before.line[:cancels]

    def cancel(i: int) -> tuple[int, Any]:
        return request("cancel", by_oid[leaving[i]])

    try:
        cancel_results, _ = in_parallel(cancel, len(leaving), threads)
    finally:
        if via == "service":
            counter.uninstall()
    rush_statuses.update(status for status, _ in cancel_results)
    for status, body in cancel_results:
        if status != 200:
            print(f"cancel answered {status}: {body}")
    after = read_line(api, event_id, by_oid, threads, positions_via_http=positions_via_http)
    problems += [
        f"after cancellations: {p}" for p in line_problems(after, seats, people - seats - cancels)
    ]
    promoted_in_order = (
        set(expected_promoted) <= after.confirmed and after.line == before.line[cancels:]
    )
    if not promoted_in_order:
        problems.append("the first of the line were not the ones promoted, or the order changed")
    return RushResult(
        people,
        seats,
        cancels,
        rush_statuses,
        seconds,
        before,
        after,
        promoted_in_order,
        problems,
        calls["register"],
        calls["cancel"],
        cancel_seconds,
    )


def seed_registrations(count: int, run_id: str, events: int = 200) -> None:
    """`count` registrations of other events (a third of them in line, so the sparse waiting-list
    index grows too), written with BatchWriteItem: the table a later rush finds already full."""
    from chalicelib.db.connection import ensure_bound
    from chalicelib.db.models import Registration

    ensure_bound()
    now = dt.datetime.now(dt.UTC)
    with Registration.batch_write() as batch:
        for i in range(count):
            event_id = f"old-{run_id}-{i % events:03d}"
            batch.save(
                Registration(
                    event_id=event_id,
                    oid=f"old-{run_id}-{i:05d}",
                    registration_id=f"r-old-{run_id}-{i}",
                    status="waitlisted" if i % 3 == 0 else "confirmed",
                    wait_seq=i // events + 1 if i % 3 == 0 else None,
                    specialty=SPECIALTY,
                    registered_key=f"{now.isoformat()}#{event_id}",
                    registered_at=now,
                    updated_at=now,
                    full_name="Участник прошлых мероприятий",
                )
            )


def store_stats(dynamodb_url: str) -> dict[str, Any]:
    """The embedded store's own figures: snapshots (lock held, requests' wait behind them) and
    TCP connections accepted."""
    parts = urlsplit(dynamodb_url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)
    try:
        conn.request("GET", "/_nmo/stats")
        return json.loads(conn.getresponse().read())  # type: ignore[no-any-return]
    finally:
        conn.close()


def bare_store_rates(dynamodb_url: str, count: int) -> tuple[float, float, list[float]]:
    """The store's own pace on a scratch table of the same embedded DynamoDB: PutItem in a loop
    (the baseline), then two-item TransactWriteItems once the table holds `count` items (stock
    moto deep-copies every table a transaction touches; the embedded store does not, and this
    shows whether a transaction's cost still grows with the table)."""
    import boto3

    client = boto3.client(
        "dynamodb",
        endpoint_url=dynamodb_url,
        region_name="eu-central-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    table = f"bench-scratch-{secrets.token_hex(3)}"
    client.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    try:
        started = time.perf_counter()
        put_seconds = []
        for i in range(count):
            one = time.perf_counter()
            client.put_item(TableName=table, Item={"k": {"S": f"item-{i}"}, "v": {"N": str(i)}})
            put_seconds.append(time.perf_counter() - one)
        put_rate = count / (time.perf_counter() - started)
        transactions = max(1, count // 10)
        started = time.perf_counter()
        for i in range(transactions):
            client.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": table, "Item": {"k": {"S": f"tx-{i}-{n}"}}}}
                    for n in range(2)
                ]
            )
        return put_rate, transactions / (time.perf_counter() - started), put_seconds
    finally:
        client.delete_table(TableName=table)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--seats", type=int, default=100)
    parser.add_argument("--cancel", type=int, default=50)
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--puts", type=int, default=2000)
    parser.add_argument(
        "--existing",
        type=int,
        default=10000,
        help="registrations written before the second rush (0: no second rush)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="rushes at each table size for the first/second comparison (best of each compared: "
        "a shared machine only ever slows a run down)",
    )
    args = parser.parse_args(argv)

    from tests.stack import running_stack

    with tempfile.TemporaryDirectory(prefix="nmo-rush-") as tmp, running_stack(Path(tmp)) as stack:
        with stack.bound_here():
            api = Api(stack.url)
            print(
                f"rush: {args.people} people, {args.seats} seats, {args.threads} threads; "
                f"then {args.cancel} cancellations",
                flush=True,
            )
            # The baseline brackets the rush it is compared with: the machine is shared, and
            # a loop minutes away measures another machine.
            put_before, _, _ = bare_store_rates(stack.dynamodb_url, args.puts)
            result = run_rush(
                api,
                people=args.people,
                seats=args.seats,
                cancels=args.cancel,
                threads=args.threads,
            )
            put_after, tx_rate, put_seconds = bare_store_rates(stack.dynamodb_url, args.puts)
            print("the same through the service in this process (calls counted per request)")
            counted = run_rush(
                api,
                people=args.people,
                seats=args.seats,
                cancels=args.cancel,
                threads=args.threads,
                positions_via_http=False,
                via="service",
            )
            firsts, seconds = [result], []
            if args.existing:
                for _ in range(args.rounds - 1):
                    firsts.append(rush_again(api, args))
                seed_registrations(args.existing, secrets.token_hex(3))
                print(f"the same rush again after {args.existing} more registrations", flush=True)
                seconds = [rush_again(api, args) for _ in range(max(1, args.rounds))]
            stats = store_stats(stack.dynamodb_url)
    put_rate = (put_before + put_after) / 2
    before, after = result.before, result.after
    waiting_before = [before.positions[o] for o in before.line]
    waiting_after = [after.positions[o] for o in after.line]
    server_errors = sum(n for status, n in result.statuses.items() if status >= 500)
    print(f"responses by status: {dict(sorted(result.statuses.items()))}")
    print(f"confirmed = {len(before.confirmed)}")
    print(
        f"waiting list = {len(before.line)}, positions "
        f"{min(waiting_before, default=0)}…{max(waiting_before, default=0)}, "
        f"distinct {len(set(waiting_before))}, in ticket order "
        f"{waiting_before == list(range(1, len(before.line) + 1))}"
    )
    print(
        f"after {result.cancels} cancellations: confirmed = {len(after.confirmed)}, "
        f"waiting list = {len(after.line)} (positions {min(waiting_after, default=0)}…"
        f"{max(waiting_after, default=0)}), first {result.cancels} promoted in order: "
        f"{result.promoted_in_order}"
    )
    print(f"5xx responses = {server_errors}")
    print(
        f"registration rush: {result.rush_rate:.0f} requests/s ({result.rush_seconds:.1f} s); "
        f"bare PutItem loop: {put_rate:.0f} /s (right before the rush {put_before:.0f}, right "
        f"after {put_after:.0f}); ratio rush/PutItem = {result.rush_rate / put_rate:.2f}"
    )
    print(
        f"(same store: bare 2-item TransactWriteItems on a {args.puts}-item table: {tx_rate:.0f} /s; "
        "a registration makes 1 transaction and 1–2 other calls)"
    )
    print(
        f"calls per registration (session read included): mean {_mean(counted.register_calls)}, "
        f"max {max(counted.register_calls)}; per cancellation ({args.cancel} at once): mean "
        f"{_mean(counted.cancel_calls)}, max {max(counted.cancel_calls)}"
    )
    print(
        f"concurrent cancellation latency ms: {_percentiles(counted.cancel_seconds)}; "
        f"bare PutItem latency ms (same run, one client): {_percentiles(put_seconds)}"
    )
    if seconds:
        best_first = max(r.rush_rate for r in firsts)
        best_second = max(r.rush_rate for r in seconds)
        print(
            f"second rush after {args.existing} existing registrations: {_rates(seconds)} "
            f"requests/s, best {best_second:.0f}; first rush {_rates(firsts)} /s, best "
            f"{best_first:.0f}; first/second (best against best) = "
            f"{best_first / best_second:.2f} (target ≤ 1.25); second rush/PutItem = "
            f"{seconds[0].rush_rate / put_rate:.2f}"
        )
    print(
        f"store snapshots: {stats['snapshots']}, last {stats['items']} items; lock held at most "
        f"{stats['lock_held_ms_max']:.1f} ms, written outside the lock in at most "
        f"{stats['written_ms_max']:.0f} ms; longest request wait behind a snapshot "
        f"{stats['request_wait_behind_snapshot_ms_max']:.1f} ms (target ≤ 50)"
    )
    print(
        f"store TCP connections accepted over the whole run: {stats['connections_opened']} "
        f"(keep-alive; before, one per DynamoDB call)"
    )
    problems = result.problems + [f"(service run) {p}" for p in counted.problems]
    for label, extra in [("first rush, again", firsts[1:]), ("second rush", seconds)]:
        for run in extra:
            problems += [f"({label}) {p}" for p in run.problems]
            server_errors += sum(n for status, n in run.statuses.items() if status >= 500)
    for problem in problems:
        print(f"PROBLEM: {problem}")
    return 1 if problems or server_errors else 0


def rush_again(api: Api, args: argparse.Namespace) -> RushResult:
    """Another rush like the first (new people, a new event) on the same stack."""
    return run_rush(
        api, people=args.people, seats=args.seats, cancels=args.cancel, threads=args.threads
    )


def _rates(runs: Sequence[RushResult]) -> str:
    return ", ".join(f"{r.rush_rate:.0f}" for r in runs)


def _mean(values: Sequence[float]) -> str:
    return f"{sum(values) / max(1, len(values)):.2f}"


def _percentiles(seconds: Sequence[float]) -> str:
    ordered = sorted(seconds)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return f"p50 {at(0.5):.1f}, p90 {at(0.9):.1f}, p99 {at(0.99):.1f}, max {ordered[-1] * 1000:.1f}"


if __name__ == "__main__":
    raise SystemExit(main())
