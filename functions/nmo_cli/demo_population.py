"""The demo region's specialists for the dashboard: a few thousand doctors and nurses across the
region's hospitals and polyclinics, with admitting documents spread over five years, some credit
records, staff lists, and the counters those records call for.

Written with batch writes (not a transaction per person) so `make run` stays quick: the counter
cells are summed in memory from each person's placement exactly as the writes would have left
them (every cell is the sum of the stored placements; `nmo stats rebuild --check` confirms it).
Idempotent: nothing is written once the first demo specialist exists.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from chalicelib.db import credits_repo, dashboard_repo
from chalicelib.db.connection import ensure_bound
from chalicelib.db.dashboard_repo import Placement
from chalicelib.db.models import (
    CreditRecord,
    CreditTotal,
    DashboardCounter,
    Organization,
    SnilsOwner,
    Specialist,
    SpecialtyRecord,
    StaffMember,
)
from chalicelib.domain.catalog import CREDIT_KINDS
from chalicelib.domain.cycles import Tally, standing_of
from chalicelib.domain.dashboard import contribution, month_of
from chalicelib.domain.identifiers import inn_check_digits, snils_control
from chalicelib.services.credits import bucket_for, person_cycles
from chalicelib.services.roles import organization_id_for_inn

POPULATION = 2400
FIRST_OID = 5_000_000_000
SEED = 18
DOCTORS = ("76", "49", "39", "2", "25", "35", "4", "90", "46", "60", "66")
NURSES = ("219", "206", "207", "215", "221", "222", "283")
POLYCLINICS = (
    ("760601011", "ГБУЗ ЯО «Поликлиника № 2» г. Ярославля"),
    ("760601122", "ГБУЗ ЯО «Детская поликлиника № 3»"),
    ("760601233", "ГБУЗ ЯО «Переславская центральная районная больница»"),
    ("760601344", "ГБУЗ ЯО «Угличская центральная районная больница»"),
    ("760601455", "ГБУЗ ЯО «Клиническая больница № 9»"),
)


def _snils(n: int) -> str:
    body = f"{200_000_000 + n * 7919:09d}"[-9:]
    return body + snils_control(body)


def employers(hospitals: list[str]) -> list[tuple[str, str]]:
    return [(organization_id_for_inn(p + inn_check_digits(p)), name) for p, name in POLYCLINICS] + [
        (org, "") for org in hospitals
    ]


def seed_population(today: dt.date, now: dt.datetime, hospitals: list[str]) -> int:
    """Write the demo population once; returns how many specialists were created."""
    ensure_bound()
    try:
        Specialist.get(str(FIRST_OID))
        return 0
    except Specialist.DoesNotExist:
        pass
    orgs = employers(hospitals)
    with Organization.batch_write() as batch:
        for org_id, name in orgs:
            if name:
                inn = org_id.removeprefix("org-")
                batch.save(
                    Organization(org_id, name=name, inn=inn, city="Ярославль", created_at=now)
                )
    rng = random.Random(SEED)
    cells: dict[tuple[str, str], dict[str, float]] = {}
    empty = Placement([], [])
    with (
        Specialist.batch_write() as people,
        SnilsOwner.batch_write() as owners,
        StaffMember.batch_write() as staff,
        CreditRecord.batch_write() as records,
        CreditTotal.batch_write() as totals,
        DashboardCounter.batch_write() as placements,
    ):
        for i in range(POPULATION):
            oid, snils = str(FIRST_OID + i), _snils(i)
            nurse = rng.random() < 0.45
            code = rng.choice(NURSES if nurse else DOCTORS)
            admitted = today - dt.timedelta(days=rng.randrange(30, 5 * 365))
            person = Specialist(
                oid,
                snils=snils,
                last_name="Демо",
                first_name=f"Специалист {i + 1}",
                education_level="secondary" if nurse else "higher",
                roles=["specialist"],
                specialties=[SpecialtyRecord(code=code, admitted_on=admitted.isoformat())],
                shares_with_employer=rng.random() > 0.05,
                created_at=now,
                updated_at=now,
            )
            people.save(person)
            owners.save(SnilsOwner(snils=snils, oid=oid))
            org_id = orgs[i % len(orgs)][0]
            staff.save(
                StaffMember(
                    org_id=org_id, snils=snils, full_name=f"Демо Специалист {i + 1}", added_at=now
                )
            )
            cycles = person_cycles(person)
            tally, sums = _records(rng, person, cycles, today, now, records)
            for key, per in sums.items():
                totals.save(CreditTotal(oid, key, updated_at=now, **per))
            placed = Placement(
                [org_id] if person.shares_with_employer else [],
                [contribution(c, standing_of(c, tally.get(c.specialty, Tally()))) for c in cycles],
            )
            placements.save(
                DashboardCounter(
                    dashboard_repo.person_scope(oid),
                    dashboard_repo.CONTRIBUTION_CELL,
                    contribution=placed.encode(),
                    version=1,
                    updated_at=now,
                )
            )
            for target, amounts in dashboard_repo.moves_between(
                empty, placed, month_of(today)
            ).items():
                cell = cells.setdefault(target, {})
                for name, amount in amounts.items():
                    cell[name] = round(cell.get(name, 0.0) + amount, 2)
    _write_cells(cells)
    return POPULATION


def _records(
    rng: random.Random,
    person: Specialist,
    cycles: list[Any],
    today: dt.date,
    now: dt.datetime,
    batch: Any,
) -> tuple[dict[str, Tally], dict[str, dict[str, Any]]]:
    """0–4 completed elements since the admission; their buckets as the totals would hold them."""
    tallies = {c.specialty: Tally() for c in cycles}
    sums: dict[str, dict[str, Any]] = {}
    code = person.specialties[0].code
    admitted = dt.date.fromisoformat(person.specialties[0].admitted_on)
    for n in range(rng.choice((0, 1, 1, 2, 2, 3, 4))):
        kind = rng.choice(("dpp_pk", "dpp_pk", "iom", "event"))
        hours = {"dpp_pk": rng.choice((18, 36, 72)), "iom": rng.choice((2, 4, 6)), "event": 6}[kind]
        span = max(1, (today - admitted).days)
        day = admitted + dt.timedelta(days=rng.randrange(0, span))
        batch.save(
            CreditRecord(
                oid=person.oid,
                record_id=f"{day.isoformat()}#demo-{n}",
                kind=kind,
                title="Демо-элемент",
                hours=hours,
                completed_on=day.isoformat(),
                specialty=code,
                source="provider_import",
                created_at=now,
            )
        )
        bucket = bucket_for(cycles, code, kind, day.isoformat())
        if bucket is None:
            continue
        tallies[code].add(bucket.year, kind, float(hours))
        key = credits_repo.bucket_key(bucket.specialty, bucket.cycle_start, bucket.year)
        per = sums.setdefault(key, {**dict.fromkeys(CREDIT_KINDS, 0), "records": 0})
        per[kind] += hours
        per["records"] += 1
    return tallies, sums


def _write_cells(cells: dict[tuple[str, str], dict[str, float]]) -> None:
    client: Any = ensure_bound().client
    table = DashboardCounter.Meta.table_name
    now = dashboard_repo.now_text()
    requests = [
        {
            "PutRequest": {
                "Item": {
                    "scope": {"S": scope},
                    "cell": {"S": cell},
                    "updated_at": {"S": now},
                    **{k: {"N": str(Decimal(str(v)))} for k, v in amounts.items() if v},
                }
            }
        }
        for (scope, cell), amounts in cells.items()
    ]
    for start in range(0, len(requests), 25):
        pending: dict[str, Any] = {table: requests[start : start + 25]}
        while pending:
            pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
