"""iCalendar (RFC 5545) files for events: one per event and one per specialty."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from . import safe_text
from .source import CatalogEntry

PRODID = "-//NMO regional portal//catalog//RU"


def escape_text(value: str) -> str:
    """TEXT value escaping (RFC 5545 3.3.11); anything tag-like is dropped first."""
    text = safe_text.plain(value)
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character (RFC 5545 3.1)."""
    if len(line) * 4 <= 75 or len(line.encode("utf-8")) <= 75:
        return line
    out: list[str] = []
    current = ""
    size = 0
    limit = 75
    for ch in line:
        width = len(ch.encode("utf-8"))
        if size + width > limit:
            out.append(current)
            current, size, limit = " ", 1, 75
        current += ch
        size += width
    out.append(current)
    return "\r\n".join(out)


def _utc(value: str) -> str:
    return dt.datetime.fromisoformat(value).astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _date(value: str) -> str:
    return value.replace("-", "")


def _vevents(entry: CatalogEntry, page_url: str, dtstamp: str, host: str) -> list[str]:
    where = (
        "онлайн"
        if entry.format == "online"
        else ", ".join(x for x in (entry.city, entry.address) if x)
    )
    description = "\n".join(
        x
        for x in (
            f"Организатор: {entry.organizer_name}" if entry.organizer_name else "",
            f"ЗЕТ: {entry.hours:g}",
            page_url,
        )
        if x
    )
    common = [
        f"SUMMARY:{escape_text(entry.title)}",
        f"DESCRIPTION:{escape_text(description)}",
    ]
    if where:
        common.append(f"LOCATION:{escape_text(where)}")
    if page_url.startswith(("http://", "https://")):
        common.append(f"URL:{page_url}")
    events: list[str] = []
    if entry.days:
        for day in entry.days:
            events += [
                "BEGIN:VEVENT",
                f"UID:{entry.id}-{_date(day.date)}@{host}",
                f"DTSTAMP:{dtstamp}",
                f"DTSTART:{_utc(day.starts_at)}",
                f"DTEND:{_utc(day.ends_at)}",
                *common,
                "END:VEVENT",
            ]
    elif entry.starts_on:
        last = dt.date.fromisoformat(entry.ends_on or entry.starts_on)
        events += [
            "BEGIN:VEVENT",
            f"UID:{entry.id}@{host}",
            f"DTSTAMP:{dtstamp}",
            f"DTSTART;VALUE=DATE:{_date(entry.starts_on)}",
            f"DTEND;VALUE=DATE:{(last + dt.timedelta(days=1)).strftime('%Y%m%d')}",
            *common,
            "END:VEVENT",
        ]
    return events


def calendar(
    name: str,
    entries: Iterable[tuple[CatalogEntry, str]],
    *,
    dtstamp: dt.datetime,
    host: str,
) -> str:
    """A VCALENDAR with the events of `entries` ((entry, absolute or site-relative page URL))."""
    stamp = dtstamp.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    for entry, url in entries:
        lines += _vevents(entry, url, stamp, host)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
