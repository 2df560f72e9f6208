"""Calendar files of the static site (one per event, one per specialty): catalog entries turned
into the portal's one iCalendar builder (chalicelib.domain.icalendar), as the API does."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from chalicelib.domain.icalendar import CalendarEvent, escape_text, fold
from chalicelib.domain.icalendar import calendar as build_calendar

from .source import CatalogEntry

__all__ = ["calendar", "escape_text", "event_of", "fold"]


def event_of(entry: CatalogEntry, page_url: str) -> CalendarEvent:
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
    return CalendarEvent(
        uid=entry.id,
        title=entry.title,
        days=tuple((d.date, d.starts_at, d.ends_at) for d in entry.days),
        starts_on=entry.starts_on,
        ends_on=entry.ends_on,
        where=where,
        description=description,
        url=page_url,
    )


def calendar(
    name: str,
    entries: Iterable[tuple[CatalogEntry, str]],
    *,
    dtstamp: dt.datetime,
    host: str,
) -> str:
    """A VCALENDAR with the events of `entries` ((entry, absolute or site-relative page URL))."""
    return build_calendar(
        name, (event_of(e, url) for e, url in entries), dtstamp=dtstamp, host=host
    )
