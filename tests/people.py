"""Test helpers: create people and log them in without going through ЕСИА.

The ЕСИА flow itself is tested end to end in the auth tests; other areas only need a session.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from chalicelib.db.connection import ensure_bound
from chalicelib.db.models import SnilsOwner, Specialist, SpecialtyRecord
from chalicelib.domain.identifiers import snils_control
from chalicelib.services import sessions


def valid_snils(n: int) -> str:
    """A valid СНИЛС (digits) derived from a number, above the no-check range."""
    body = f"{100000000 + n * 7919:09d}"[-9:]
    return body + snils_control(body)


def make_person(
    oid: str,
    *,
    roles: list[str] | None = None,
    specialties: list[tuple[str, str]] | None = None,
    name: tuple[str, str, str] = ("Иванова", "Мария", "Петровна"),
    education_level: str = "higher",
    organization_id: str | None = None,
    snils: str | None = None,
) -> Specialist:
    """A specialist with roles and (code, admitted_on ISO) specialties, stored in DynamoDB."""
    ensure_bound()
    now = dt.datetime.now(dt.UTC)
    snils = snils or valid_snils(abs(hash(oid)) % 10_000_000)
    person = Specialist(
        oid=oid,
        snils=snils,
        last_name=name[0],
        first_name=name[1],
        middle_name=name[2],
        birth_date="1985-04-12",
        education_level=education_level,
        roles=roles or ["specialist"],
        specialties=[
            SpecialtyRecord(code=code, admitted_on=admitted_on)
            for code, admitted_on in (specialties or [])
        ],
        organization_id=organization_id,
        trusted=True,
        created_at=now,
        updated_at=now,
    )
    person.save()
    SnilsOwner(snils=snils, oid=oid).save()
    return person


def login_headers(person: Specialist) -> dict[str, Any]:
    """Cookie and CSRF headers of a fresh session for this person."""
    cookie, csrf = sessions.start_session(person)
    value = cookie.split(";", 1)[0]
    return {"Cookie": value, "X-CSRF-Token": csrf, "Content-Type": "application/json"}
