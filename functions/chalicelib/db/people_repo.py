"""People storage: specialists by oid, СНИЛС ownership, sessions, roles."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from ..domain.dates import utcnow
from .connection import connection, ensure_bound
from .models import Organization, Specialist


def _now() -> dt.datetime:
    return utcnow()


def get_specialist(oid: str) -> Specialist | None:
    ensure_bound()
    try:
        return Specialist.get(oid)
    except DoesNotExist:
        return None


def add_session(oid: str, sid: str, *, keep: int) -> None:
    """Append a session id, keeping the newest `keep` (older browsers are logged out)."""
    ensure_bound()
    person = Specialist.get(oid)
    sessions: list[Any] = [*list(person.session_ids or []), sid][-keep:]
    person.update(actions=[Specialist.session_ids.set(sessions), Specialist.updated_at.set(_now())])


def remove_session(oid: str, sid: str) -> None:
    ensure_bound()
    person = get_specialist(oid)
    if person is None or sid not in (person.session_ids or []):
        return
    remaining = [s for s in person.session_ids if s != sid]
    person.update(actions=[Specialist.session_ids.set(remaining)])


def get_organization(org_id: str) -> Organization | None:
    ensure_bound()
    try:
        return Organization.get(org_id)
    except DoesNotExist:
        return None


def save_roles(
    oid: str,
    person: Specialist | None,
    roles: list[str],
    organization_id: str | None,
    audit: Any,
) -> bool:
    """Write a person's roles with the audit entry in one transaction, guarded by the version
    read (or by absence, for someone who has not logged in yet). False when the person changed
    meanwhile (the caller reads again)."""
    ensure_bound()
    now = utcnow()
    tx = TransactWrite(connection=connection())
    try:
        with tx:
            if person is None:
                fresh = Specialist(
                    oid,
                    roles=roles,
                    organization_id=organization_id,
                    created_at=now,
                    updated_at=now,
                )
                tx.save(fresh, condition=Specialist.oid.does_not_exist())
            else:
                tx.update(
                    person,
                    actions=[
                        Specialist.roles.set(roles),  # type: ignore[arg-type]
                        Specialist.organization_id.set(organization_id)
                        if organization_id
                        else Specialist.organization_id.remove(),
                        Specialist.updated_at.set(now),
                        Specialist.version.add(1),
                    ],
                    condition=Specialist.version == person.version,
                )
            tx.save(audit)
    except TransactWriteError as err:
        reasons = [r.code for r in err.cancellation_reasons or [] if r is not None]
        if reasons and all(code in ("ConditionalCheckFailed", "None") for code in reasons):
            return False
        raise
    return True
