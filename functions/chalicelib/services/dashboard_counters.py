"""Keeping the dashboard counters in step with a person's cycles, employers and sharing choice.

A person's placement is what their cycles add to the counters (domain/dashboard.py) and which
employers they are counted for: those whose staff list has their СНИЛС, while they share with
employers. Every change that moves it writes the counter moves and the new placement in one
transaction, guarded by the placement's version (db/dashboard_repo.add_moves): a credit write
adds them to its own transaction; changes too large for one transaction next to their own items
(a rebuild of a person's totals after their specialties changed, a correction) sync right after
theirs. Cells are always the sum of the stored placements; a placement that lags its totals
(a crash between the two) is caught up by the person's next change or `nmo stats rebuild`.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..db import credits_repo, dashboard_repo
from ..db.dashboard_repo import Placement
from ..db.models import Specialist
from ..db.transactions import MAX_ACTIONS, Transaction
from ..domain.cycles import Cycle, Tally, standing_of
from ..domain.dashboard import contribution
from ..errors import Conflict

MAX_SYNC_ATTEMPTS = 5


def employers_counted(person: Specialist) -> list[str]:
    """The employers a person is counted for: none once they switched sharing off."""
    if person.shares_with_employer is False:
        return []
    return dashboard_repo.employers_of(person.snils)[: dashboard_repo.MAX_EMPLOYERS]


def placement(cycles: list[Cycle], tallies: Mapping[str, Tally], orgs: list[str]) -> Placement:
    items = [contribution(c, standing_of(c, tallies.get(c.specialty, Tally()))) for c in cycles]
    return Placement(sorted(orgs), items)


def prepared(
    person: Specialist, *, orgs: list[str] | None = None
) -> tuple[Specialist, Placement, Placement]:
    """The person as stored now, their stored placement and the one their totals call for.
    `orgs` overrides the employers (a staff-list change passes the list as it will be once its
    own item is written in the same transaction)."""
    from . import credits  # credits also syncs: import on use

    fresh = credits._reload(person)
    cycles = credits.person_cycles(fresh)
    tallies = credits.tallies_of(cycles, credits_repo.totals(fresh.oid))
    old = dashboard_repo.placement_of(fresh.oid)
    new = placement(cycles, tallies, employers_counted(fresh) if orgs is None else orgs)
    return fresh, old, new


def sync(person: Specialist) -> bool:
    """Bring the person's placement up to date with their stored totals, in as many
    transactions as the moves need (dashboard_repo.steps). Returns whether anything moved."""
    moved = False
    for _ in range(MAX_SYNC_ATTEMPTS):
        fresh, old, new = prepared(person)
        if old.version is not None and old.same_as(new):
            return moved
        for step in dashboard_repo.steps(old, new, MAX_ACTIONS):
            tx = Transaction()
            dashboard_repo.add_moves(tx, fresh.oid, old, step)
            if not tx.committed():
                break  # someone else moved the placement: read again
            moved = True
            old = Placement(step.orgs, step.items, (old.version or 0) + 1)
        else:
            return moved
    raise Conflict("Показатели сотрудника сейчас обновляются. Повторите позже.", code="busy")
