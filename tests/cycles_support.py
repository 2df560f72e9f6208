"""Comparing a person's stored aggregates with a recount of their records."""

from __future__ import annotations

import datetime as dt

from chalicelib.db.models import CreditRecord, Specialist
from chalicelib.domain.cycles import Credit, progress, tally
from chalicelib.services import credits


def recount(person: Specialist, today: dt.date) -> list[dict]:
    """Each cycle's progress counted afresh from every record of the person."""
    records = [
        Credit(r.kind, float(r.hours), dt.date.fromisoformat(r.completed_on), r.specialty)
        for r in CreditRecord.query(person.oid)
    ]
    return [progress(c, tally(c, records), today) for c in credits.person_cycles(person)]


def stored(person: Specialist, today: dt.date) -> list[dict]:
    """Each cycle's progress as the cabinet shows it (from the stored aggregates)."""
    views = credits.cycles_view(person, today)
    for v in views:
        v.pop("specialty_name")
    return views
