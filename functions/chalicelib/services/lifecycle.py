"""Events that are over move from `published` to `finished` (nmo-rules.md, event lifecycle).

Run on a schedule: hourly in the cloud (a Chalice scheduled function, app.py), every minute by
`make run`. Each run finishes a bounded batch; the next run continues, so a backlog never makes
one run long. Finishing is a guarded replace of the event (its version unchanged), so a run
racing with an organizer's edit or a second run changes nothing twice.
"""

from __future__ import annotations

import datetime as dt
import logging

from ..db import audit_repo, events_repo
from ..domain.dates import MSK, utcnow
from ..domain.events import has_ended
from .catalog import day_bounds

log = logging.getLogger("nmo.lifecycle")
BATCH = 200


def finish_ended_events(now: dt.datetime | None = None, *, batch: int = BATCH) -> int:
    """Finish published events whose last day is over; returns how many were finished."""
    now = now or utcnow()
    today = now.astimezone(MSK).date().isoformat()
    finished = 0
    for previous in events_repo.published_started_by(today, limit=batch):
        if not has_ended(day_bounds(previous), now):
            continue
        event = events_repo.copy_of(previous)
        event.status = "finished"
        event.version = int(previous.version or 0) + 1
        event.updated_at = now
        audit = audit_repo.new_entry(
            f"event#{event.element_id}",
            "system",
            "finish",
            before={"status": "published"},
            after={"status": "finished"},
        )
        try:
            events_repo.replace(event, previous, audit)
        except events_repo.StaleEvent:
            continue  # changed meanwhile: the next run looks again
        finished += 1
    if finished:
        log.info("finished %d events", finished)
    return finished
