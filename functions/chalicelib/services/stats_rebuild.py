"""`nmo stats rebuild`: the dashboard counters recomputed from the records (a batch job).

Reads every specialist, every staff line and every credit record once (Scans: never a request
path), computes each person's placement the way a write would
(domain/dashboard.py), sums the cells, and makes the stored counters equal them: cells put whole,
cells no longer there deleted, placements stored with a new version. Run it when the counters
are suspected (after a restore) or the rules changed; writes that arrive while it runs may be
overwritten, so run it in a quiet hour and compare (`--check` only reports differences).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..db import dashboard_repo
from ..db.connection import ensure_bound
from ..db.dashboard_repo import Placement
from ..db.models import CreditRecord, DashboardCounter, Specialist, StaffMember
from ..domain.catalog import CREDIT_KINDS
from ..domain.cycles import Tally
from ..domain.dashboard import read_counters
from . import credits
from .dashboard_counters import placement

BATCH = 25


@dataclass
class RebuildReport:
    people: int = 0
    cells: int = 0
    cells_deleted: int = 0
    differences: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _staff_by_snils() -> dict[str, list[str]]:
    ensure_bound()
    found: dict[str, list[str]] = defaultdict(list)
    for member in StaffMember.scan():
        found[str(member.snils)].append(str(member.org_id))
    return found


def placements_from_records() -> Iterator[tuple[str, Placement]]:
    """Every person's placement from their records: the specialists, the staff lists and the
    credit records are each read once (Scans: a batch job), the records summed per cycle year
    and kind with exact decimals, as the totals' ADDs sum them."""
    ensure_bound()
    staff = _staff_by_snils()
    people = {str(p.oid): p for p in Specialist.scan()}
    cycles = {oid: credits.person_cycles(p) for oid, p in people.items()}
    sums: dict[tuple[str, str, int, str], Decimal] = defaultdict(Decimal)
    for record in CreditRecord.scan():
        own = cycles.get(str(record.oid))
        if not own or record.kind not in CREDIT_KINDS:
            continue
        bucket = credits.bucket_for(own, record.specialty, record.kind, record.completed_on)
        if bucket is not None:
            key = (str(record.oid), bucket.specialty, bucket.year, record.kind)
            sums[key] += Decimal(str(record.hours))
    tallies: dict[str, dict[str, Tally]] = {
        oid: {c.specialty: Tally() for c in own} for oid, own in cycles.items()
    }
    for (oid, specialty, year, kind), hours in sums.items():
        per = tallies[oid][specialty].hours.setdefault(year, dict.fromkeys(CREDIT_KINDS, 0.0))
        per[kind] = float(hours)
    for oid, person in people.items():
        orgs: list[str] = []
        if person.snils and person.shares_with_employer is not False:
            orgs = sorted(staff.get(str(person.snils), []))[: dashboard_repo.MAX_EMPLOYERS]
        yield oid, placement(cycles[oid], tallies[oid], orgs)


def stored_cells() -> dict[tuple[str, str], dict[str, float]]:
    """Every counter cell as stored, as this month's views read it (`read_counters`: zeros and
    passed months of falling behind left out), empty cells left out (Scan)."""
    ensure_bound()
    month = dashboard_repo.write_month()
    client: Any = ensure_bound().client
    table = DashboardCounter.Meta.table_name
    found: dict[tuple[str, str], dict[str, float]] = {}
    kwargs: dict[str, Any] = {"TableName": table}
    while True:
        page = client.scan(**kwargs)
        for raw in page.get("Items", []):
            scope = raw["scope"]["S"]
            if scope.startswith("person#"):
                continue
            values = read_counters(
                {
                    k: float(Decimal(v["N"]))
                    for k, v in raw.items()
                    if "N" in v and k not in ("version",)
                },
                month,
            )
            if values:
                found[(scope, raw["cell"]["S"])] = values
        if "LastEvaluatedKey" not in page:
            return found
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def rebuild(*, write: bool = True) -> RebuildReport:
    started = time.perf_counter()
    report = RebuildReport()
    empty = Placement([], [])
    cells: dict[tuple[str, str], dict[str, float]] = {}
    placements: dict[str, Placement] = {}
    for oid, new in placements_from_records():
        report.people += 1
        placements[oid] = new
        for target, amounts in dashboard_repo.moves_between(empty, new).items():
            cell = cells.setdefault(target, {})
            for name, amount in amounts.items():
                cell[name] = round(cell.get(name, 0.0) + amount, 2)
    cells = {t: {k: v for k, v in a.items() if v} for t, a in cells.items()}
    cells = {t: a for t, a in cells.items() if a}
    stored = stored_cells()
    report.cells = len(cells)
    for target in sorted(set(stored) | set(cells)):
        if stored.get(target) != cells.get(target):
            report.differences.append(f"{target[0]} {target[1]}")
    if write:
        stale = [t for t in stored if t not in cells]
        report.cells_deleted = len(stale)
        _write(cells, stale, placements)
    report.seconds = time.perf_counter() - started
    return report


def _write(
    cells: dict[tuple[str, str], dict[str, float]],
    stale: list[tuple[str, str]],
    placements: dict[str, Placement],
) -> None:
    client: Any = ensure_bound().client
    table = DashboardCounter.Meta.table_name
    now = dashboard_repo.now_text()
    versions = {oid: p.version for oid, p in dashboard_repo.placements_of(list(placements)).items()}
    requests: list[dict[str, Any]] = []
    for (scope, cell), amounts in cells.items():
        item: dict[str, Any] = {
            "scope": {"S": scope},
            "cell": {"S": cell},
            "updated_at": {"S": now},
        }
        item.update({k: {"N": str(Decimal(str(v)))} for k, v in amounts.items()})
        requests.append({"PutRequest": {"Item": item}})
    for scope, cell in stale:
        requests.append({"DeleteRequest": {"Key": {"scope": {"S": scope}, "cell": {"S": cell}}}})
    for oid, new in placements.items():
        item = DashboardCounter(
            dashboard_repo.person_scope(oid),
            dashboard_repo.CONTRIBUTION_CELL,
            contribution=new.encode(),
            version=(versions.get(oid) or 0) + 1,
        ).serialize()
        item.update(
            {
                "scope": {"S": dashboard_repo.person_scope(oid)},
                "cell": {"S": dashboard_repo.CONTRIBUTION_CELL},
            }
        )
        requests.append({"PutRequest": {"Item": item}})
    for start in range(0, len(requests), BATCH):
        pending: dict[str, Any] = {table: requests[start : start + BATCH]}
        for attempt in range(8):
            result = client.batch_write_item(RequestItems=pending)
            pending = result.get("UnprocessedItems") or {}
            if not pending:
                break
            time.sleep(min(2.0, 0.05 * 2**attempt))
