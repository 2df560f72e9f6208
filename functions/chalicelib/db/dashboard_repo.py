"""Dashboard counters and staff lists: the one place that builds their keys.

A counter cell is moved by ADD on top-level number attributes whose names are data (see
models/dashboard.py), always together with the person's `contribution` item in one transaction,
so the invariant «every cell = the sum of the stored contributions» holds whatever order
changes arrive in. Cells are read raw (PynamoDB would drop the attributes it does not declare).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any

from pynamodb.expressions.operand import Path

from ..domain.dashboard import Contribution, month_of, passed_behind_keys
from ..domain.dates import today_msk, utcnow
from . import cursors
from .connection import ensure_bound
from .models import DashboardCounter, Organization, SnilsOwner, StaffMember
from .transactions import Transaction

REGION = "region"
EVENT_STATS = "event-stats"  # cell = event id: codes issued and redeemed (ADD, on write)
BY_ORG = "by-org"
CONTRIBUTION_CELL = "contribution"
# An employee is counted for at most this many employers: switching sharing moves every cycle
# (at most 5) in two cells per employer, and that must fit one transaction (25 actions) with the
# person's flag, the audit entry and the placement: 5 × 2 × 2 + 3 = 23.
MAX_EMPLOYERS = 2
_KEY_ATTRIBUTES = {"scope", "cell", "updated_at", "contribution", "version"}


def org_scope(org_id: str) -> str:
    return f"org#{org_id}"


def person_scope(oid: str) -> str:
    return f"person#{oid}"


def cell_key(month: str, member: str) -> str:
    """`<YYYY-MM>#<specialty or org id>`: sorts by month, so a horizon is one BETWEEN."""
    return f"{month}#{member}"


def cell_member(cell: str) -> tuple[str, str]:
    month, member = cell.split("#", 1)
    return month, member


# --- contributions ------------------------------------------------------------------------------


class Placement:
    """A person's stored contribution: the employers it was counted for and its cycles."""

    def __init__(
        self, orgs: list[str], items: list[Contribution], version: int | None = None
    ) -> None:
        self.orgs = orgs
        self.items = items
        self.version = version

    def encode(self) -> dict[str, Any]:
        return {"orgs": self.orgs, "cycles": [i.encode() for i in self.items]}

    def same_as(self, other: Placement) -> bool:
        return self.encode() == other.encode()


def placement_of(oid: str) -> Placement:
    """One GetItem (consistent): what this person's cycles add to the counters now."""
    ensure_bound()
    try:
        item = DashboardCounter.get(person_scope(oid), CONTRIBUTION_CELL, consistent_read=True)
    except DashboardCounter.DoesNotExist:
        return Placement([], [], None)
    data = item.contribution or {}
    return Placement(
        [str(o) for o in data.get("orgs", [])],
        [Contribution.decode(c) for c in data.get("cycles", [])],
        int(item.version or 0),
    )


def placements_of(oids: list[str]) -> dict[str, Placement]:
    """Stored placements of many people: BatchGetItem, 100 keys a call."""
    ensure_bound()
    keys = [(person_scope(oid), CONTRIBUTION_CELL) for oid in dict.fromkeys(oids)]
    found = {}
    for item in DashboardCounter.batch_get(keys):
        data = item.contribution or {}
        found[item.scope.removeprefix("person#")] = Placement(
            [str(o) for o in data.get("orgs", [])],
            [Contribution.decode(c) for c in data.get("cycles", [])],
            int(item.version or 0),
        )
    return found


def write_month() -> str:
    """The month a write moves the counters in (domain/dashboard.py `Contribution.amounts`)."""
    return month_of(today_msk())


def moves_between(
    old: Placement, new: Placement, month: str | None = None
) -> dict[tuple[str, str], dict[str, float]]:
    """Per (scope, cell), how each counter attribute moves when `old` becomes `new` in a write
    of `month` (this month unless given)."""
    month = month or write_month()
    moves: dict[tuple[str, str], dict[str, float]] = {}
    for sign, placement in ((-1, old), (1, new)):
        for item in placement.items:
            targets = [(REGION, cell_key(item.month, item.specialty))]
            for org in placement.orgs:
                targets.append((org_scope(org), cell_key(item.month, item.specialty)))
                targets.append((BY_ORG, cell_key(item.month, org)))
            for target in targets:
                cell = moves.setdefault(target, {})
                for name, amount in item.amounts(month).items():
                    cell[name] = round(cell.get(name, 0.0) + sign * amount, 2)
    return {
        target: {k: v for k, v in amounts.items() if v}
        for target, amounts in moves.items()
        if any(amounts.values())
    }


def steps(old: Placement, new: Placement, room: int) -> list[Placement]:
    """Placements from `old` to `new` (the last is `new`) such that each step's moves and the
    placement item fit `room` actions: an employer dropped or a cycle replaced at a time, so
    that every intermediate placement is a real sum of cells and the invariant holds after each
    transaction. Used where a change moves more cells than one transaction takes (a rebuild of a
    person's totals after their specialties changed)."""
    path: list[Placement] = []
    orgs, items = list(old.orgs), list(old.items)
    for org in [o for o in old.orgs if o not in new.orgs]:
        orgs.remove(org)
        path.append(Placement(list(orgs), list(items)))
    for item in [i for i in old.items if i not in new.items]:
        items.remove(item)
        path.append(Placement(list(orgs), list(items)))
    for item in [i for i in new.items if i not in old.items]:
        items.append(item)
        path.append(Placement(list(orgs), list(items)))
    for org in [o for o in new.orgs if o not in old.orgs]:
        orgs.append(org)
        path.append(Placement(sorted(orgs), list(items)))
    path.append(new)
    # Join consecutive steps while their moves still fit.
    merged: list[Placement] = []
    start = old
    for index, candidate in enumerate(path):
        following = path[index + 1] if index + 1 < len(path) else None
        if following is not None and len(moves_between(start, following)) + 1 <= room:
            continue
        merged.append(candidate)
        start = candidate
    return merged


def add_moves(tx: Transaction, oid: str, old: Placement, new: Placement) -> int:
    """Inside a change's transaction: move the counters from `old` to `new` and store `new` as
    the person's contribution, guarded by the version read. Returns the items added."""
    now = utcnow()
    month = write_month()
    moves = moves_between(old, new, month)
    passed = passed_behind_keys(month)  # never read again: each touched cell sheds them
    for (scope, cell), amounts in sorted(moves.items()):
        tx.update(
            DashboardCounter(scope, cell),
            [Path([name]).add(amount) for name, amount in sorted(amounts.items())]
            + [Path([name]).remove() for name in passed]
            + [DashboardCounter.updated_at.set(now)],
            name="counter",
        )
    guard: Any = (
        DashboardCounter.version.does_not_exist()
        if old.version is None
        else DashboardCounter.version == old.version
    )
    tx.update(
        DashboardCounter(person_scope(oid), CONTRIBUTION_CELL),
        [
            DashboardCounter.contribution.set(new.encode()),
            DashboardCounter.version.set((old.version or 0) + 1),
            DashboardCounter.updated_at.set(now),
        ],
        condition=guard,
        name="dashboard",
    )
    return len(moves) + 1


def _number(raw: Mapping[str, Any]) -> float:
    return float(Decimal(raw["N"])) if "N" in raw else 0.0


def cells(scope: str, first: str, last: str) -> Iterator[tuple[str, dict[str, float]]]:
    """Cells of a scope whose key lies between two months (inclusive): one Query, paged by
    DynamoDB at 1 MB. Bounded by months × specialties (or organizations), not by people."""
    ensure_bound()
    result = DashboardCounter.query(
        scope, DashboardCounter.cell.between(f"{first}#", f"{last}#\uffff")
    )
    for page in result.page_iter:
        for raw in page.get("Items", []):
            yield (
                str(raw["cell"]["S"]),
                {k: _number(v) for k, v in raw.items() if k not in _KEY_ATTRIBUTES},
            )


# --- staff lists ---------------------------------------------------------------------------------


def employers_of(snils: str | None) -> list[str]:
    """The organizations whose staff list has this СНИЛС: one Query on a keys-only index."""
    if not snils:
        return []
    ensure_bound()
    result = StaffMember.by_snils.query(snils, limit=MAX_EMPLOYERS + 1)
    return sorted(str(m.org_id) for m in result)


def staff_of(org_id: str) -> Iterator[StaffMember]:
    """An organization's whole staff list in СНИЛС order, read by DynamoDB's pages (uploads
    compare against it; the export goes through it in slices, `staff_view` pages it)."""
    ensure_bound()
    return iter(StaffMember.query(org_id))


STAFF_PAGE_MAX = 100  # one BatchGetItem of owners and one of placements per page


def staff_page(
    org_id: str, *, cursor: dict[str, Any] | None, limit: int
) -> tuple[list[StaffMember], dict[str, Any] | None]:
    """A page of the staff list in СНИЛС order: exactly one Query. One line more than the page is
    asked for, so the start key of the next page is given only when there is a next page."""
    ensure_bound()
    result = StaffMember.query(org_id, last_evaluated_key=cursor, page_size=limit + 1)
    try:
        raw = next(result.page_iter)
    except StopIteration:
        return [], None
    members = [StaffMember.from_raw_data(item) for item in raw.get("Items", [])]
    if len(members) <= limit:
        return members, None
    members = members[:limit]
    return members, {"org_id": {"S": org_id}, "snils": {"S": str(members[-1].snils)}}


def encode_staff_cursor(last_key: dict[str, Any] | None, seal: bytes) -> str | None:
    return cursors.encode(last_key, seal=seal)


def decode_staff_cursor(cursor: str | None, org_id: str, seal: bytes) -> dict[str, Any] | None:
    """A start key of this organization's own staff list (sealed: its keys are СНИЛС), or
    ValueError (forged, of another listing, of another organization)."""
    return cursors.decode(cursor, keys={"org_id", "snils"}, fixed={"org_id": org_id}, seal=seal)


def owners_of(snils_list: Iterable[str]) -> dict[str, str]:
    """СНИЛС → oid for the people on the portal (BatchGetItem, 100 keys a call)."""
    ensure_bound()
    return {str(o.snils): str(o.oid) for o in SnilsOwner.batch_get(list(snils_list))}


def staff_member(org_id: str, snils: str, full_name: str, position: str | None) -> StaffMember:
    return StaffMember(
        org_id=org_id,
        snils=snils,
        full_name=full_name,
        position=position,
        added_at=utcnow(),
    )


def put_staff(tx: Transaction, member: StaffMember) -> None:
    tx.put(member, name="staff")


def delete_staff(tx: Transaction, org_id: str, snils: str) -> None:
    tx.delete(StaffMember(org_id, snils), name="staff")


def organization_names(ids: Iterable[str]) -> dict[str, str]:
    """Names of organizations: BatchGetItem, 100 keys a call."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return {}
    ensure_bound()
    return {str(o.org_id): str(o.name) for o in Organization.batch_get(wanted)}


def now_text() -> str:
    """The stored form of `updated_at` (batch writes build items without the model)."""
    from .models import DashboardCounter as _Model

    return str(_Model.updated_at.serialize(utcnow()))


# --- events ----------------------------------------------------------------------------------------


def count_code_issued(tx: Transaction, event_id: str) -> None:
    """Inside the attendance transaction that issues a code."""
    tx.update(
        DashboardCounter(EVENT_STATS, event_id),
        [Path(["codes_issued"]).add(1), DashboardCounter.updated_at.set(utcnow())],
        name="event-stats",
    )


def count_code_redeemed(tx: Transaction, event_id: str) -> None:
    """Inside the credit write that redeems a code."""
    tx.update(
        DashboardCounter(EVENT_STATS, event_id),
        [Path(["codes_redeemed"]).add(1), DashboardCounter.updated_at.set(utcnow())],
        name="event-stats",
    )


def event_stats(event_ids: list[str]) -> dict[str, dict[str, float]]:
    """Codes issued and redeemed per event: BatchGetItem, 100 keys a call (raw: the attribute
    names are not declared on the model)."""
    ensure_bound()
    client: Any = ensure_bound().client
    table = DashboardCounter.Meta.table_name
    found: dict[str, dict[str, float]] = {}
    ids = list(dict.fromkeys(event_ids))
    for start in range(0, len(ids), 100):
        keys = [{"scope": {"S": EVENT_STATS}, "cell": {"S": e}} for e in ids[start : start + 100]]
        pending: dict[str, Any] = {table: {"Keys": keys}}
        while pending:
            answer = client.batch_get_item(RequestItems=pending)
            for raw in answer.get("Responses", {}).get(table, []):
                found[raw["cell"]["S"]] = {
                    k: _number(v) for k, v in raw.items() if k not in _KEY_ATTRIBUTES
                }
            pending = answer.get("UnprocessedKeys") or {}
    return found
