"""An iCalendar file (RFC 5545) for a published event: one VEVENT per accredited day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from ..db import events_repo
from ..domain.dates import utcnow
from ..errors import NotFound
from ..settings import get_settings


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _utc(value: str) -> str:
    return dt.datetime.fromisoformat(value).astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> list[str]:
    # Lines longer than 75 octets are folded (RFC 5545 §3.1) without splitting a character.
    out: list[str] = []
    current = ""
    for ch in line:
        if len((current + ch).encode("utf-8")) > (75 if not out else 74):
            out.append(current)
            current = ""
        current += ch
    out.append(current)
    return [out[0], *(" " + part for part in out[1:])]


def _vevents(event: Any, stamp: str) -> list[str]:
    url = f"{get_settings().public_url}/catalog/e/{event.element_id}/"
    where = event.address if event.format == "in_person" else event.url
    lines: list[str] = []
    for n, day in enumerate(event.days, start=1):
        title = event.title if len(event.days) == 1 else f"{event.title} (день {n})"
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event.element_id}-{day.date}@nmo-portal",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{_utc(day.starts_at)}",
            f"DTEND:{_utc(day.ends_at)}",
            f"SUMMARY:{_escape(title)}",
            f"LOCATION:{_escape(where or '')}",
            f"URL:{url}",
            "END:VEVENT",
        ]
    return lines


def calendar_file(events: Iterable[Any]) -> str:
    """One VCALENDAR with every accredited day of the given events."""
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//nmo-portal//events//RU", "METHOD:PUBLISH"]
    for event in events:
        lines += _vevents(event, stamp)
    lines.append("END:VCALENDAR")
    return "".join(part + "\r\n" for line in lines for part in _fold(line))


def event_calendar(event_id: str) -> str:
    event = events_repo.get_event(event_id)
    if event is None or event.status not in ("published", "finished"):
        raise NotFound("Мероприятие не найдено или ещё не опубликовано.", field="id")
    return calendar_file([event])
