"""Calendar files (.ics) the API serves: a published event's days, the planned events of a
learning plan. Built by the portal's one iCalendar builder (domain/icalendar.py)."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from ..db import events_repo
from ..db.models import CatalogElement
from ..domain.catalog import EVENT_PAGE_STATUSES
from ..domain.dates import utcnow
from ..domain.icalendar import CalendarEvent, calendar, catalog_event
from ..errors import NotFound
from ..settings import get_settings


def _event(element: CatalogElement, public_url: str) -> CalendarEvent:
    return catalog_event(
        element_id=element.element_id,
        title=element.title,
        days=[(d.date, d.starts_at, d.ends_at) for d in element.days or []],
        starts_on=element.starts_on,
        ends_on=element.ends_on,
        online=element.format == "online",
        city=element.city,
        address=element.address,
        organizer=element.organizer_name,
        hours=float(element.hours),
        page_url=f"{public_url}/catalog/e/{element.element_id}/",
    )


def calendar_file(name: str, events: Iterable[CatalogElement]) -> str:
    """One VCALENDAR with every accredited day of the given events."""
    public_url = get_settings().public_url
    host = urlsplit(public_url).hostname or "nmo-portal"
    return calendar(name, (_event(e, public_url) for e in events), dtstamp=utcnow(), host=host)


def event_calendar(event_id: str) -> str:
    event = events_repo.get_event(event_id)
    if event is None or event.status not in EVENT_PAGE_STATUSES:
        raise NotFound("Мероприятие не найдено или ещё не опубликовано.", field="id")
    return calendar_file(event.title, [event])
