"""Calendar files (.ics) the API serves: a published event's days, the planned events of a
learning plan. Built by the portal's one iCalendar builder (domain/icalendar.py)."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from ..db import events_repo
from ..db.models import CatalogElement
from ..domain.catalog import EVENT_PAGE_STATUSES
from ..domain.dates import utcnow
from ..domain.icalendar import CalendarEvent, calendar
from ..errors import NotFound
from ..settings import get_settings


def _event(element: CatalogElement, public_url: str) -> CalendarEvent:
    online = element.format == "online"
    page = f"{public_url}/catalog/e/{element.element_id}/"
    where = "онлайн" if online else ", ".join(x for x in (element.city, element.address) if x)
    description = "\n".join(
        x
        for x in (
            f"Организатор: {element.organizer_name}" if element.organizer_name else "",
            f"ЗЕТ: {float(element.hours):g}",
            page,
        )
        if x
    )
    return CalendarEvent(
        uid=element.element_id,
        title=element.title,
        days=tuple((d.date, d.starts_at, d.ends_at) for d in element.days or []),
        starts_on=element.starts_on,
        ends_on=element.ends_on,
        where=where,
        description=description,
        url=page,
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
