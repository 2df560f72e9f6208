"""The ministry's view of events: per organizer and per specialty, events published,
registrations, the waiting list, attendance (codes issued per seat and day) and codes issued
against codes redeemed.

Bounded reads: one page of the by-status index per status (events of the last 12 months and the
next 6, at most EVENT_LIMIT each), BatchGetItems of those events' seats (their seat and
waiting-list counters) and of the per-event code counters kept on write
(db/dashboard_repo.count_code_issued / count_code_redeemed). Nothing is read per person.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..db import dashboard_repo, registrations_repo
from ..db.connection import ensure_bound
from ..db.models import CatalogElement, EventSeats
from ..domain.dates import today_msk
from ..domain.specialties import specialty_name

EVENT_LIMIT = 1000
STATUSES = ("published", "finished")


def _events(today: dt.date) -> list[CatalogElement]:
    ensure_bound()
    first = (today - dt.timedelta(days=365)).isoformat()
    last = (today + dt.timedelta(days=183)).isoformat()
    found: list[CatalogElement] = []
    for status in STATUSES:
        found += list(
            CatalogElement.by_status.query(
                status,
                CatalogElement.sort_key.between(f"{first}#", f"{last}#\uffff"),
                filter_condition=CatalogElement.kind == "event",
                limit=EVENT_LIMIT,
            )
        )
    return found


def _blank(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "events": 0,
        "registrations": 0,
        "waiting": 0,
        "seat_days": 0,
        "codes_issued": 0,
        "codes_redeemed": 0,
    }


def _add(
    row: dict[str, Any],
    event: CatalogElement,
    seats: EventSeats,
    stats: dict[str, float],
) -> None:
    taken = int(seats.seats_taken or 0)
    row["events"] += 1
    row["registrations"] += taken
    row["waiting"] += int(seats.waitlist_length or 0)
    row["seat_days"] += taken * max(1, len(event.days or []))
    row["codes_issued"] += int(stats.get("codes_issued", 0))
    row["codes_redeemed"] += int(stats.get("codes_redeemed", 0))


def _finish(rows: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for key, row in sorted(rows.items(), key=lambda kv: (-kv[1]["events"], kv[1]["name"])):
        seat_days = row.pop("seat_days")
        row["id"] = key
        # Attendance: codes issued per registered seat and accredited day (a code needs ≥ 270
        # minutes present, nmo-rules.md).
        row["attendance_rate"] = round(row["codes_issued"] / seat_days, 3) if seat_days else None
        row["redeemed_share"] = (
            round(row["codes_redeemed"] / row["codes_issued"], 3) if row["codes_issued"] else None
        )
        out.append(row)
    return out


def events_view(today: dt.date | None = None) -> dict[str, Any]:
    today = today or today_msk()
    events = _events(today)
    ids = [str(e.element_id) for e in events]
    stats = dashboard_repo.event_stats(ids)
    seats = registrations_repo.seats_by_id(ids)
    by_organizer: dict[str, dict[str, Any]] = {}
    by_specialty: dict[str, dict[str, Any]] = {}
    for event in events:
        own, taken = stats.get(str(event.element_id), {}), seats[str(event.element_id)]
        org = str(event.organizer_id)
        _add(by_organizer.setdefault(org, _blank(event.organizer_name or org)), event, taken, own)
        for code in event.specialties or []:
            row = by_specialty.setdefault(str(code), _blank(specialty_name(str(code))))
            _add(row, event, taken, own)
    return {
        "as_of": today.isoformat(),
        "window": {
            "from": (today - dt.timedelta(days=365)).isoformat(),
            "to": (today + dt.timedelta(days=183)).isoformat(),
        },
        "organizers": _finish(by_organizer),
        "specialties": _finish(by_specialty),
    }
