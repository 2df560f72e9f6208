"""People storage: specialists by oid, СНИЛС ownership, sessions, roles."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pynamodb.exceptions import DoesNotExist

from ..domain.dates import utcnow
from .connection import ensure_bound
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
