"""People storage: specialists by oid, СНИЛС ownership, sessions, roles."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pynamodb.exceptions import DoesNotExist

from ..domain.dates import utcnow
from .connection import ensure_bound
from .models import Organization, Specialist
from .transactions import Transaction


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
    now = utcnow()
    tx = Transaction()
    if person is None:
        fresh = Specialist(
            oid, roles=roles, organization_id=organization_id, created_at=now, updated_at=now
        )
        tx.put(fresh, condition=Specialist.oid.does_not_exist(), name="person")
    else:
        tx.update(
            person,
            [
                Specialist.roles.set(roles),  # type: ignore[arg-type]
                Specialist.organization_id.set(organization_id)
                if organization_id
                else Specialist.organization_id.remove(),
                Specialist.updated_at.set(now),
                Specialist.version.add(1),
            ],
            condition=Specialist.version == person.version,
            name="person",
        )
    tx.put(audit, name="audit")
    return tx.committed()


def save_specialties(person: Specialist, entries: list[Any], level: str, audit: Any) -> bool:
    """A person's specialties and education level with the audit entry, guarded by the version
    the page read; False when the profile changed meanwhile (another tab)."""
    version = int(person.version or 0)
    tx = Transaction()
    tx.update(
        person,
        [
            Specialist.specialties.set(entries),
            Specialist.education_level.set(level),
            Specialist.updated_at.set(utcnow()),
            Specialist.version.set(version + 1),
        ],
        condition=Specialist.version == version
        if person.version is not None
        else Specialist.version.does_not_exist(),
        name="person",
    )
    tx.put(audit, name="audit")
    return tx.committed()


def save_consent(person: Specialist, value: bool, now: dt.datetime, audit: Any) -> None:
    with Transaction() as tx:
        tx.update(
            person,
            [
                Specialist.consent_egisz.set(value),
                Specialist.consent_changed_at.set(now),
                Specialist.updated_at.set(now),
            ],
        )
        tx.put(audit)
