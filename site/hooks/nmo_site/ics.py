"""Calendar files of the static site (one per event, one per specialty): catalog entries turned
into the portal's one iCalendar builder (chalicelib.domain.icalendar), as the API does."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from chalicelib.domain.icalendar import CalendarEvent, catalog_event, escape_text, fold
from chalicelib.domain.icalendar import calendar as build_calendar

from .source import CatalogEntry

__all__ = ["calendar", "escape_text", "event_of", "fold"]


def event_of(entry: CatalogEntry, page_url: str) -> CalendarEvent:
    return catalog_event(
        element_id=entry.id,
        title=entry.title,
        days=[(d.date, d.starts_at, d.ends_at) for d in entry.days],
        starts_on=entry.starts_on,
        ends_on=entry.ends_on,
        online=entry.format == "online",
        city=entry.city,
        address=entry.address,
        organizer=entry.organizer_name,
        hours=entry.hours,
        page_url=page_url,
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
