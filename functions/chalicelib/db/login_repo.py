"""Storage of the ЕСИА login: single-use `state` records and the person's identity from ЕСИА."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pynamodb.exceptions import DeleteError
from pynamodb.expressions.condition import Condition

from ..esia.person import EsiaPerson
from . import audit_repo
from .connection import ensure_bound
from .models import LoginState, SnilsOwner, Specialist
from .transactions import Cancelled, Transaction


class SnilsTaken(Exception):
    """The СНИЛС already belongs to another account (one СНИЛС is never two accounts)."""


def save_state(
    state: str, *, browser_binding: str, next_path: str, now: dt.datetime, ttl_seconds: int
) -> None:
    ensure_bound()
    LoginState(
        state=state,
        browser_binding=browser_binding,
        next_path=next_path,
        created_at=now,
        expires_at=now + dt.timedelta(seconds=ttl_seconds),
    ).save(condition=LoginState.state.does_not_exist())


def take_state(state: str, *, browser_binding: str, now: dt.datetime) -> LoginState | None:
    """Consume a state issued to this browser and not expired: one conditional DeleteItem, so of
    two concurrent callbacks with the same state exactly one gets it. None if unknown, used,
    expired or issued to another browser."""
    shared = ensure_bound()
    condition = (LoginState.browser_binding == browser_binding) & (LoginState.expires_at > now)
    try:
        # PynamoDB's Model.delete cannot ask for the deleted item back (ReturnValues=ALL_OLD),
        # which is what makes taking a state one atomic call: the shared connection's can.
        response = shared.delete_item(
            LoginState.Meta.table_name, state, condition=condition, return_values="ALL_OLD"
        )
    except DeleteError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return None
        raise
    attributes = response.get("Attributes")
    return LoginState.from_raw_data(attributes) if attributes else None


def _actions(person: EsiaPerson, now: dt.datetime) -> list[Any]:
    actions: list[Any] = [
        Specialist.snils.set(person.snils),
        Specialist.last_name.set(person.last_name),
        Specialist.first_name.set(person.first_name),
        Specialist.trusted.set(True),
        Specialist.updated_at.set(now),
        # Attributes a new record needs; an existing one keeps its own (roles granted earlier).
        Specialist.created_at.set(Specialist.created_at | now),
        Specialist.roles.set(Specialist.roles | ["specialist"]),
        Specialist.specialties.set(Specialist.specialties | []),
        Specialist.session_ids.set(Specialist.session_ids | []),
        Specialist.consent_egisz.set(Specialist.consent_egisz | False),
        Specialist.version.add(1),
    ]
    for attribute, value in (
        (Specialist.middle_name, person.middle_name),
        (Specialist.birth_date, person.birth_date),
        (Specialist.gender, person.gender),
    ):
        actions.append(attribute.set(value) if value is not None else attribute.remove())
    return actions


def save_identity(person: EsiaPerson, now: dt.datetime) -> tuple[Specialist, bool]:
    """Create or update the specialist from ЕСИА data in ONE transaction with its СНИЛС owner.

    The owner item is written with `attribute_not_exists OR same oid`, so one СНИЛС never
    becomes two accounts; a changed СНИЛС releases the old owner item in the same transaction.
    The specialist's previous СНИЛС is a condition too, so a concurrent change is retried, not
    overwritten. Returns (the specialist as stored, whether it was created).
    """
    ensure_bound()
    for _attempt in range(3):
        existing = _get(person.oid)
        old_snils = existing.snils if existing is not None else None
        guard: Condition
        if existing is None:
            guard = Specialist.oid.does_not_exist()
        elif old_snils is None:
            guard = Specialist.snils.does_not_exist()
        else:
            guard = Specialist.snils == old_snils
        changed = _changed_fields(existing, person)
        releases_old = bool(old_snils and old_snils != person.snils)
        tx = Transaction()
        if releases_old:
            tx.delete(
                SnilsOwner(snils=old_snils),
                condition=SnilsOwner.snils.does_not_exist() | (SnilsOwner.oid == person.oid),
                name="old_owner",
            )
        tx.put(
            SnilsOwner(snils=person.snils, oid=person.oid),
            condition=SnilsOwner.snils.does_not_exist() | (SnilsOwner.oid == person.oid),
            name="snils_owner",
        )
        if changed:
            action = "esia.profile_created" if existing is None else "esia.profile_updated"
            # Field names only: the values are personal data.
            tx.put(
                audit_repo.new_entry(
                    f"person#{person.oid}", person.oid, action, after={"fields": changed}
                ),
                name="audit",
            )
        tx.update(
            Specialist(oid=person.oid), _actions(person, now), condition=guard, name="specialist"
        )
        try:
            tx.commit()
        except Cancelled as exc:
            if "snils_owner" in exc.failed:
                raise SnilsTaken() from exc
            if exc.failed & {"specialist", "old_owner"}:
                continue  # the record changed between our read and our write: read again
            raise
        stored = existing or Specialist(oid=person.oid, created_at=now, roles=["specialist"])
        for name, value in person.identity_fields().items():
            setattr(stored, name, value)
        stored.trusted = True
        stored.updated_at = now
        return stored, existing is None
    raise RuntimeError("specialist record kept changing during login")


def _get(oid: str) -> Specialist | None:
    try:
        return Specialist.get(oid, consistent_read=True)
    except Specialist.DoesNotExist:
        return None


def _changed_fields(existing: Specialist | None, person: EsiaPerson) -> list[str]:
    fields = person.identity_fields()
    if existing is None:
        return sorted(fields)
    return sorted(name for name, value in fields.items() if getattr(existing, name) != value)
