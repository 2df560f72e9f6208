"""iCalendar files (RFC 5545): the one builder for the API's event and plan calendars and for the
static site's calendars. Text comes from organizers, so anything tag-like is dropped (calendar
readers may render HTML) and broken Unicode is replaced before escaping."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .text import plain_text

PRODID = "-//NMO regional portal//events//RU"


@dataclass(frozen=True)
class CalendarEvent:
    """What a calendar needs of one catalog element: its days (timed), or its dates (all-day)."""

    uid: str  # stable per element (the element id)
    title: str
    days: Sequence[tuple[str, str, str]] = field(default_factory=tuple)  # (date, starts, ends)
    starts_on: str | None = None  # for an element without timed days
    ends_on: str | None = None
    where: str = ""
    description: str = ""
    url: str = ""


def catalog_event(
    *,
    element_id: str,
    title: str,
    days: Sequence[tuple[str, str, str]],
    starts_on: str | None,
    ends_on: str | None,
    online: bool,
    city: str | None,
    address: str | None,
    organizer: str | None,
    hours: float,
    page_url: str,
) -> CalendarEvent:
    """A catalog element as a calendar shows it (the API's and the static site's files alike)."""
    where = "онлайн" if online else ", ".join(x for x in (city, address) if x)
    description = "\n".join(
        x
        for x in (f"Организатор: {organizer}" if organizer else "", f"ЗЕТ: {hours:g}", page_url)
        if x
    )
    return CalendarEvent(
        uid=element_id,
        title=title,
        days=tuple(days),
        starts_on=starts_on,
        ends_on=ends_on,
        where=where,
        description=description,
        url=page_url,
    )


def escape_text(value: str) -> str:
    """TEXT value escaping (RFC 5545 3.3.11); anything tag-like is dropped first."""
    text = plain_text(value)
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character (RFC 5545 3.1)."""
    if len(line.encode("utf-8")) <= 75:
        return line
    out: list[str] = []
    current = ""
    size = 0
    for ch in line:
        width = len(ch.encode("utf-8"))
        if size + width > 75:
            out.append(current)
            current, size = " ", 1
        current += ch
        size += width
    out.append(current)
    return "\r\n".join(out)


def _utc(value: str) -> str:
    return dt.datetime.fromisoformat(value).astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _date(value: str) -> str:
    return value.replace("-", "")


def _vevents(event: CalendarEvent, stamp: str, host: str) -> list[str]:
    common = [f"SUMMARY:{escape_text(event.title)}"]
    if event.description:
        common.append(f"DESCRIPTION:{escape_text(event.description)}")
    if event.where:
        common.append(f"LOCATION:{escape_text(event.where)}")
    if event.url.startswith(("http://", "https://")):
        common.append(f"URL:{event.url}")
    lines: list[str] = []
    if event.days:
        many = len(event.days) > 1
        for n, (date, starts, ends) in enumerate(event.days, start=1):
            summary = f"SUMMARY:{escape_text(f'{event.title} (день {n})')}" if many else common[0]
            lines += [
                "BEGIN:VEVENT",
                f"UID:{event.uid}-{_date(date)}@{host}",
                f"DTSTAMP:{stamp}",
                f"DTSTART:{_utc(starts)}",
                f"DTEND:{_utc(ends)}",
                summary,
                *common[1:],
                "END:VEVENT",
            ]
    elif event.starts_on:
        last = dt.date.fromisoformat(event.ends_on or event.starts_on)
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event.uid}@{host}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{_date(event.starts_on)}",
            f"DTEND;VALUE=DATE:{(last + dt.timedelta(days=1)).strftime('%Y%m%d')}",
            *common,
            "END:VEVENT",
        ]
    return lines


def calendar(name: str, events: Iterable[CalendarEvent], *, dtstamp: dt.datetime, host: str) -> str:
    """One VCALENDAR holding `events`."""
    stamp = dtstamp.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    for event in events:
        lines += _vevents(event, stamp, host)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
