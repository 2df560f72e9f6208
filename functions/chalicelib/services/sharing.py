"""Whether an employer that lists a person's СНИЛС sees their status (never their ledger).

On by default; the person switches it in the cabinet. The flag, the audit entry and the
person's counter placement (counted for their employers, or for none) change in one
transaction, so an employer's page and counters stop showing the person at the same moment.
"""

from __future__ import annotations

from typing import Any

from ..db import credits_repo, dashboard_repo
from ..db.audit_repo import new_entry
from ..db.dashboard_repo import Placement
from ..db.models import Specialist
from ..db.transactions import Transaction
from ..domain.dates import utcnow
from ..errors import Conflict, InvalidInput
from . import dashboard_counters

EXPLANATION = (
    "Если ваша организация загрузила на портал список сотрудников с вашим СНИЛС, она видит по "
    "каждому вашему циклу статус, срок действия документа и сколько часов не хватает по видам — "
    "но не список пройденных вами элементов. Вы можете отключить это в любой момент; "
    "работодатель тогда видит только, что вы закрыли данные."
)


def sharing_view(person: Specialist) -> dict[str, Any]:
    changed = person.sharing_changed_at
    return {
        "shares_with_employer": person.shares_with_employer is not False,
        "changed_at": changed.isoformat() if changed else None,
        "employers": len(dashboard_repo.employers_of(person.snils)),
        "explanation": EXPLANATION,
    }


def set_sharing(person: Specialist, body: dict[str, Any]) -> dict[str, Any]:
    value = body.get("shares_with_employer")
    if not isinstance(value, bool):
        raise InvalidInput(
            "Поле shares_with_employer — true или false.", field="shares_with_employer"
        )
    for _ in range(dashboard_counters.MAX_SYNC_ATTEMPTS):
        fresh, old, new = dashboard_counters.prepared(person)
        before = fresh.shares_with_employer is not False
        if before == value:
            return sharing_view(fresh)
        orgs = dashboard_repo.employers_of(fresh.snils)[: dashboard_repo.MAX_EMPLOYERS]
        new = Placement(orgs if value else [], new.items)
        now = utcnow()
        tx = Transaction()
        tx.update(
            fresh,
            [
                Specialist.shares_with_employer.set(value),
                Specialist.sharing_changed_at.set(now),
                Specialist.updated_at.set(now),
                Specialist.version.set(int(fresh.version or 0) + 1),
            ],
            condition=Specialist.version == fresh.version
            if fresh.version is not None
            else Specialist.version.does_not_exist(),
            name="person",
        )
        tx.put(
            new_entry(
                credits_repo.person_subject(fresh.oid),
                fresh.oid,
                "employer_sharing_changed",
                before={"shares_with_employer": before},
                after={"shares_with_employer": value},
            ),
            name="audit",
        )
        dashboard_repo.add_moves(tx, fresh.oid, old, new)
        if tx.committed():
            fresh.shares_with_employer = value
            fresh.sharing_changed_at = now
            return sharing_view(fresh)
    raise Conflict("Настройки сейчас меняются в другой вкладке: повторите.", code="busy")
