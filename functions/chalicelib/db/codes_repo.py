"""Confirmation codes storage: issuing (alone or inside a transaction) and lookup.

Issuing at attendance (events area):

    with Transaction() as tx:
        item = codes_repo.issue_in(tx, event_id=..., day="2026-12-01", specialty="76", hours=6,
                                   title="…", issued_to=oid, expires_on="2027-03-01")

The put carries `attribute_not_exists(code)`, so a (75-bit, practically impossible) collision
cancels the transaction instead of overwriting someone's code.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError

from ..domain.codes import new_code
from ..domain.dates import utcnow
from .connection import ensure_bound
from .models import AttemptCounter, ConfirmationCode
from .transactions import Transaction


def new_code_item(
    *,
    event_id: str,
    day: str,
    specialty: str,
    hours: float,
    title: str,
    issued_to: str | None,
    expires_on: str,
    code: str | None = None,
    now: dt.datetime | None = None,
) -> ConfirmationCode:
    """A ConfirmationCode item with a fresh code, not yet saved."""
    ensure_bound()
    now = now or utcnow()
    code = code or new_code()
    return ConfirmationCode(
        code=code,
        event_id=event_id,
        day=day,
        specialty=specialty,
        hours=hours,
        title=title,
        issued_to=issued_to,
        # Only codes bound to a person go into the by-holder index (sparse).
        issued_key=f"{now.isoformat()}#{code}" if issued_to else None,
        issued_at=now,
        expires_on=expires_on,
    )


def issue_in(tx: Transaction, **fields: Any) -> ConfirmationCode:
    """Create a code inside a transaction (fields as `new_code_item`; the item is named
    "code"); returns the item."""
    item = new_code_item(**fields)
    tx.put(item, condition=ConfirmationCode.code.does_not_exist(), name="code")
    return item


def issue(**fields: Any) -> ConfirmationCode:
    """Create one code on its own (demo data, tests)."""
    item = new_code_item(**fields)
    item.save(condition=ConfirmationCode.code.does_not_exist())
    return item


def get_code(code: str) -> ConfirmationCode | None:
    ensure_bound()
    try:
        return ConfirmationCode.get(code, consistent_read=True)
    except DoesNotExist:
        return None


def codes_issued_to(oid: str, *, limit: int = 100) -> list[ConfirmationCode]:
    """Codes issued to one person, newest first (one Query on the by-holder index)."""
    ensure_bound()
    return list(ConfirmationCode.by_holder.query(oid, scan_index_forward=False, limit=limit))


def take_attempt(key: str, *, limit: int, expires_at: int) -> bool:
    """Take one of `limit` attempt slots of a window atomically; False when none is left.

    A conditional ADD: parallel requests cannot all pass a read-then-write check.
    """
    ensure_bound()
    try:
        AttemptCounter(key).update(
            actions=[
                AttemptCounter.attempts.add(1),
                AttemptCounter.expires_at.set(dt.datetime.fromtimestamp(expires_at, dt.UTC)),
            ],
            condition=AttemptCounter.attempts.does_not_exist() | (AttemptCounter.attempts < limit),
        )
    except UpdateError as err:
        if err.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def give_back_attempt(key: str) -> None:
    """Return a slot taken for an attempt that proved not to be a guess."""
    ensure_bound()
    try:
        AttemptCounter(key).update(
            actions=[AttemptCounter.attempts.add(-1)],
            # Never resurrect a counter the TTL already removed (it would have no expiry).
            condition=AttemptCounter.attempts > 0,
        )
    except UpdateError as err:
        if err.cause_response_code != "ConditionalCheckFailedException":
            raise
