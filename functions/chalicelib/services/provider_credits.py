"""A provider's completion row becomes a credit.

For a person already on the portal the credit is written at once, to the cycle it helps most
(`credits.write_credit`); for someone who has not logged in yet it is kept under their СНИЛС and
moves into their record at their first login (`credits.apply_pending_credits`). The record id is
derived from the row, so importing the same file again credits nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from ..db import credits_repo, people_repo
from ..db.models import CreditRecord, PendingCredit
from ..domain.dates import utcnow
from . import credits

ACTOR = "admin-cli"


class Outcome(Enum):
    CREDITED = "credited"
    ALREADY = "already"  # the same row was credited before
    KEPT = "kept"  # kept for a person not on the portal yet
    ALREADY_KEPT = "already_kept"


@dataclass(frozen=True)
class Completion:
    """One checked row of a provider's file (its element found in the catalog)."""

    snils: str
    element_id: str
    kind: str
    title: str
    hours: float
    completed_on: str  # ISO date
    document: str | None
    specialties: list[str]  # where it may count; the first is kept when no cycle fits


def accept(row: Completion) -> Outcome:
    token = credits_repo.import_token(
        row.snils, row.element_id, row.completed_on, row.document or ""
    )
    record_id = credits_repo.new_record_id(row.completed_on, token)
    oid = credits_repo.owner_of(row.snils)
    person = people_repo.get_specialist(oid) if oid else None
    if person is None:
        kept = credits_repo.save_pending(
            PendingCredit(
                snils=row.snils,
                record_id=record_id,
                kind=row.kind,
                title=row.title,
                hours=row.hours,
                completed_on=row.completed_on,
                specialty=row.specialties[0],
                candidate_specialties=row.specialties,
                document=row.document,
                element_id=row.element_id,
                created_at=utcnow(),
            )
        )
        return Outcome.KEPT if kept else Outcome.ALREADY_KEPT
    record = CreditRecord(
        oid=person.oid,
        record_id=record_id,
        kind=row.kind,
        title=row.title,
        hours=row.hours,
        completed_on=row.completed_on,
        specialty=row.specialties[0],
        eligible_specialties=row.specialties,  # the cycle is chosen when it is written
        source="provider_import",
        document=row.document,
        element_id=row.element_id,
        created_at=utcnow(),
    )
    outcome = credits.write_credit(person, record, actor=ACTOR, action="credit_imported")
    return Outcome.CREDITED if outcome is None else Outcome.ALREADY
