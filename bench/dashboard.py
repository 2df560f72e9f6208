"""Benchmark: the regional dashboard's requests stay flat as the region grows.

Run: `.venv/bin/python bench/dashboard.py [--sizes 30000,300000 --repeat 5 --rebuild 10000]`

For each size, that many synthetic specialists (random specialty among 40, admission date over
the last 5 years, random hours by kind, one of 300 employers) are placed the way a write places
them (domain/dashboard.py `contribution`), and the cells their placements sum to are written
straight into the counters table (in-process moto) — the same cells the writes would have left,
since every cell is the sum of the stored placements (the hypothesis test checks that), on the
embedded store's moto (a Query reads its partition, not the table, as in DynamoDB). One
employer gets a staff list of 500 people who are on the portal. Then every dashboard route goes
through the Chalice test client: DynamoDB calls per request and the median latency beside a bare
GetItem in the same run, and the items the calls returned (bounded by months × specialties or
organizations: they fill up towards that bound as the region grows, and the time per item shows
the cost of each stays the same). Last, `nmo stats rebuild` runs over `--rebuild` people written
as real records (specialist, СНИЛС owner, two credits each) and prints its time per 10 000
people.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from _local import in_process_moto

in_process_moto(embedded_store=True, NMO_SESSION_KEY="bench-session-key-0123456789abcdef")

TODAY = dt.date(2026, 12, 1)
SPECIALTIES = [
    "1", "2", "3", "4", "6", "7", "9", "10", "12", "13", "14", "16", "17", "18", "19", "20",
    "23", "24", "25", "27", "28", "29", "30", "31", "33", "36", "39", "40", "41", "44", "45",
    "46", "49", "53", "54", "56", "59", "62", "65", "76",
]  # fmt: skip
ORGS = [f"org-bench-{i:03d}" for i in range(300)]
STAFF = 500


def _synthetic_placements(size: int, rng: random.Random) -> Any:
    from chalicelib.db.dashboard_repo import Placement
    from chalicelib.domain.cycles import Admission, cycle_for, standing
    from chalicelib.domain.dashboard import contribution
    from chalicelib.domain.rules import rule_book

    book = rule_book()
    for i in range(size):
        admitted = TODAY - dt.timedelta(days=rng.randrange(0, 5 * 365))
        cycle = cycle_for(Admission(rng.choice(SPECIALTIES), admitted), book)
        share = cycle.elapsed_share(TODAY)
        dpp = rng.choice([0, 18, 36, 72, 108]) * min(1.0, share * 1.5)
        other = rng.choice([0, 6, 12, 36, 72]) * min(1.0, share * 1.5)
        now = standing(cycle.rule_set, round(dpp), round(other))
        yield i, Placement([ORGS[i % len(ORGS)]], [contribution(cycle, now)])


def _write_cells(size: int) -> list[tuple[str, Any]]:
    """Sum the placements into cells and write them; returns the placements of ORGS[0]'s first
    STAFF people (they get a staff list and stored placements)."""
    from chalicelib.db import dashboard_repo
    from chalicelib.db.connection import ensure_bound
    from chalicelib.db.dashboard_repo import Placement
    from chalicelib.db.models import DashboardCounter
    from chalicelib.domain.dashboard import month_of

    rng = random.Random(size)
    empty = Placement([], [])
    cells: dict[tuple[str, str], dict[str, float]] = {}
    staff: list[tuple[str, Any]] = []
    for i, placed in _synthetic_placements(size, rng):
        for target, amounts in dashboard_repo.moves_between(empty, placed, month_of(TODAY)).items():
            cell = cells.setdefault(target, {})
            for name, amount in amounts.items():
                cell[name] = round(cell.get(name, 0.0) + amount, 2)
        if placed.orgs == [ORGS[0]] and len(staff) < STAFF:
            staff.append((f"8{i:09d}", placed))
    client: Any = ensure_bound().client
    table = DashboardCounter.Meta.table_name
    requests = [
        {
            "PutRequest": {
                "Item": {
                    "scope": {"S": scope},
                    "cell": {"S": cell},
                    **{k: {"N": str(v)} for k, v in amounts.items() if v},
                }
            }
        }
        for (scope, cell), amounts in cells.items()
    ]
    for start in range(0, len(requests), 25):
        client.batch_write_item(RequestItems={table: requests[start : start + 25]})
    print(f"  {size} specialists → {len(cells)} counter cells")
    return staff


def _staff(staff: list[tuple[str, Any]]) -> None:
    from chalicelib.db import dashboard_repo
    from chalicelib.db.models import DashboardCounter, SnilsOwner, StaffMember

    from tests.people import valid_snils

    now = dt.datetime.now(dt.UTC)
    with StaffMember.batch_write() as members, SnilsOwner.batch_write() as owners:
        with DashboardCounter.batch_write() as placements:
            for n, (oid, placed) in enumerate(staff):
                snils = valid_snils(500_000 + n)
                members.save(
                    StaffMember(
                        org_id=ORGS[0], snils=snils, full_name=f"Сотрудник {n}", added_at=now
                    )
                )
                owners.save(SnilsOwner(snils=snils, oid=oid))
                placements.save(
                    DashboardCounter(
                        dashboard_repo.person_scope(oid),
                        dashboard_repo.CONTRIBUTION_CELL,
                        contribution=placed.encode(),
                        version=1,
                    )
                )


def _orgs() -> None:
    from chalicelib.db.models import Organization

    now = dt.datetime.now(dt.UTC)
    with Organization.batch_write() as batch:
        for org in ORGS:
            batch.save(Organization(org_id=org, name=f"Больница {org[-3:]}", created_at=now))


ITEMS_READ: list[int] = [0]


def _count_items(parsed: dict[str, Any] | None = None, **_: Any) -> None:
    """botocore after-call hook: the items a DynamoDB answer carries (latency grows with them)."""
    if not parsed:
        return
    found = len(parsed.get("Items", [])) + (1 if parsed.get("Item") else 0)
    found += sum(len(items) for items in parsed.get("Responses", {}).values())
    ITEMS_READ[0] += found


def _median_ms(action: Callable[[], Any], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        action()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


ROUTES = (
    ("analyst", "/api/stats/region"),
    ("analyst", "/api/stats/organizations"),
    ("analyst", f"/api/stats/organizations/{ORGS[0]}"),
    ("analyst", "/api/stats/export?view=region"),
    ("employer", "/api/stats/employer/summary"),
    ("employer", "/api/stats/employer/staff"),
)


def _rebuild(people: int) -> float:
    from chalicelib.db.models import CreditRecord, SnilsOwner, Specialist, SpecialtyRecord
    from chalicelib.services.stats_rebuild import rebuild

    from tests.people import valid_snils

    rng = random.Random(people)
    now = dt.datetime.now(dt.UTC)
    with Specialist.batch_write() as persons, SnilsOwner.batch_write() as owners:
        with CreditRecord.batch_write() as records:
            for i in range(people):
                oid = f"7{i:09d}"
                snils = valid_snils(700_000 + i)
                admitted = TODAY - dt.timedelta(days=rng.randrange(0, 5 * 365))
                spec = rng.choice(SPECIALTIES)
                persons.save(
                    Specialist(
                        oid=oid,
                        snils=snils,
                        specialties=[SpecialtyRecord(code=spec, admitted_on=admitted.isoformat())],
                        created_at=now,
                        updated_at=now,
                    )
                )
                owners.save(SnilsOwner(snils=snils, oid=oid))
                for k in range(2):
                    day = admitted + dt.timedelta(days=rng.randrange(0, 400))
                    records.save(
                        CreditRecord(
                            oid=oid,
                            record_id=f"{day.isoformat()}#b{k}",
                            kind=("dpp_pk", "iom")[k],
                            title="Элемент",
                            hours=(36, 6)[k],
                            completed_on=day.isoformat(),
                            specialty=spec,
                            source="provider_import",
                            created_at=now,
                        )
                    )
    t0 = time.perf_counter()
    report = rebuild(write=True)
    seconds = time.perf_counter() - t0
    assert report.people >= people
    return seconds / report.people * 10_000


def run(sizes: list[int], repeat: int, rebuild_people: int) -> None:
    from app import app
    from chalice.test import Client
    from chalicelib.db import connection, dashboard_repo
    from chalicelib.db.connection import ensure_bound
    from chalicelib.db.models import Specialist
    from chalicelib.domain.dashboard import horizon
    from chalicelib.services import dashboard, staff_list
    from moto import mock_aws

    from tests.people import login_headers, make_person

    dashboard.today_msk = lambda: TODAY  # type: ignore[attr-defined]
    staff_list.today_msk = lambda: TODAY  # type: ignore[attr-defined]
    print(
        f"{'people':>7} | {'route':<42} | {'calls':>5} | {'median ms':>9} | {'GetItem ms':>10} | "
        f"{'÷ Get':>6} | {'Query ms':>8} | {'items':>5} | {'µs/item':>7} | calls by operation"
    )
    print("-" * 120, flush=True)
    for size in sizes:
        with mock_aws():
            connection.unbind()
            connection.create_tables()
            _orgs()
            _staff(_write_cells(size))
            analyst = make_person("6000000001", roles=["specialist", "analyst"])
            employer = make_person(
                "6000000002", roles=["specialist", "employer"], organization_id=ORGS[0]
            )
            headers = {
                "analyst": {**login_headers(analyst), "Accept": "*/*"},
                "employer": {**login_headers(employer), "Accept": "*/*"},
            }
            ensure_bound().client.meta.events.register("after-call.dynamodb", _count_items)
            oid = analyst.oid
            bare = _median_ms(lambda oid=oid: Specialist.get(oid), repeat)
            months = horizon(TODAY)
            # The region's cells for the horizon by one bare Query: the floor of the region view.
            query = _median_ms(
                lambda m=months: list(dashboard_repo.cells(dashboard_repo.REGION, m[0], m[-1])),
                repeat,
            )
            shape = sorted(
                len(a)
                for _, a in dashboard_repo.cells(dashboard_repo.REGION, months[0], months[-1])
            )
            print(
                f"{size:>7} | region cells in the horizon: {len(shape)}, counters per cell "
                f"median {shape[len(shape) // 2]}, max {shape[-1]}",
                flush=True,
            )
            with Client(app) as client:
                for role, path in ROUTES:
                    connection.call_counter.clear()
                    ITEMS_READ[0] = 0
                    response = client.http.get(path, headers=headers[role])
                    items = ITEMS_READ[0]
                    if response.status_code != 200:
                        raise SystemExit(f"{path}: HTTP {response.status_code}")
                    by_op = dict(connection.call_counter)
                    ms = _median_ms(
                        lambda path=path, h=headers[role]: client.http.get(path, headers=h),
                        repeat,
                    )
                    ops = ", ".join(f"{k} {v}" for k, v in sorted(by_op.items()))
                    print(
                        f"{size:>7} | {path:<42} | {sum(by_op.values()):>5} | {ms:>9.1f} | "
                        f"{bare:>10.2f} | {ms / bare:>6.0f} | {query:>8.1f} | {items:>5} | "
                        f"{ms * 1000 / max(items, 1):>7.0f} | {ops}",
                        flush=True,
                    )
    if rebuild_people:
        with mock_aws():
            connection.unbind()
            connection.create_tables()
            per_10k = _rebuild(rebuild_people)
        print(f"nmo stats rebuild: {per_10k:.1f} s per 10 000 people ({rebuild_people} written)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="30000,300000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rebuild", type=int, default=10000)
    args = parser.parse_args()
    run([int(s) for s in args.sizes.split(",")], args.repeat, args.rebuild)


if __name__ == "__main__":
    main()
