"""Public catalog use cases: list published elements, show one event with its seats."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..db import catalog_repo, events_repo
from ..db.models import CatalogElement, EventSeats
from ..domain.catalog import EVENT_PAGE_STATUSES, KINDS
from ..domain.dates import parse_iso_date, utcnow
from ..domain.events import event_phase, registration_open
from ..domain.numbers import plain_number
from ..domain.specialties import is_known_specialty, specialty_name
from ..errors import InvalidInput, NotFound


def element_summary(item: Any) -> dict[str, Any]:
    """The listing shape shared by the specialty listing and the status index."""
    return {
        "id": item.element_id,
        "kind": item.kind,
        "title": item.title,
        "hours": plain_number(item.hours),
        "starts_on": item.starts_on,
        "ends_on": item.ends_on,
        "format": item.format,
        "city": item.city,
        "organizer": item.organizer_name,
    }


def list_published(params: dict[str, str]) -> dict[str, Any]:
    specialty = params.get("specialty") or None
    if specialty is not None and not is_known_specialty(specialty):
        raise InvalidInput("Неизвестный код специальности (справочник V021).", field="specialty")
    kind = params.get("kind") or None
    if kind is not None and kind not in KINDS:
        raise InvalidInput("Вид элемента: dpp_pk, iom или event.", field="kind")
    date_from = params.get("from")
    date_to = params.get("to")
    low = parse_iso_date(date_from, field="from", label="с даты").isoformat() if date_from else None
    high = parse_iso_date(date_to, field="to", label="по дату").isoformat() if date_to else None
    if low and high and low > high:
        raise InvalidInput("Дата «с» позже даты «по».", field="from")
    try:
        limit = int(params.get("limit", "50"))
    except ValueError as exc:
        raise InvalidInput("Параметр limit — целое число от 1 до 200.", field="limit") from exc
    if not 1 <= limit <= catalog_repo.PAGE_LIMIT_MAX:
        raise InvalidInput("Параметр limit — целое число от 1 до 200.", field="limit")
    try:
        cursor = catalog_repo.decode_cursor(params.get("cursor"), specialty=specialty)
    except (ValueError, UnicodeError) as exc:
        raise InvalidInput("Неверный курсор страницы.", field="cursor") from exc
    q = (params.get("q") or "").strip().casefold()
    if len(q) > 200:
        raise InvalidInput("Поисковый запрос длиннее 200 символов.", field="q")
    try:
        items, last = catalog_repo.query_published(
            specialty=specialty, kind=kind, date_from=low, date_to=high, limit=limit, cursor=cursor
        )
    except ValueError as exc:  # a cursor of another query
        raise InvalidInput("Неверный курсор страницы.", field="cursor") from exc
    elements = [element_summary(i) for i in items]
    if q:
        elements = [e for e in elements if q in e["title"].casefold()]
    return {
        "items": elements,
        "cursor": catalog_repo.encode_cursor(last),
        "specialty": {"code": specialty, "name": specialty_name(specialty)} if specialty else None,
    }


def day_bounds(event: CatalogElement) -> list[tuple[str, str]]:
    return [(d.starts_at, d.ends_at) for d in event.days or []]


def seats_view(
    event: CatalogElement, seats: EventSeats, now: dt.datetime | None = None
) -> dict[str, Any]:
    capacity = int(event.capacity or 0)
    taken = int(seats.seats_taken or 0)
    now = now or utcnow()
    first = event.days[0].starts_at if event.days else None
    return {
        "capacity": capacity,
        "seats_left": max(0, capacity - taken),
        "waitlist_length": int(seats.waitlist_length or 0),
        "registration_open": registration_open(event.status, first, now),
        "phase": event_phase(event.status, day_bounds(event), now),
    }


def event_days(event: CatalogElement) -> list[dict[str, Any]]:
    """An event's accredited days as the API shows them (public page and organizer's view)."""
    return [
        {
            "date": d.date,
            "starts_at": d.starts_at,
            "ends_at": d.ends_at,
            "hours": plain_number(d.hours),
        }
        for d in event.days
    ]


def event_view(event: CatalogElement, seats: EventSeats) -> dict[str, Any]:
    data = element_summary(event)
    data.update(
        {
            "status": event.status,
            "description": event.description,
            "program": event.program,
            "specialties": [{"code": c, "name": specialty_name(c)} for c in event.specialties],
            "days": event_days(event),
            "address": event.address,
            "url": event.url,
            "contact": event.contact,
        }
    )
    data.update(seats_view(event, seats))
    return data


def get_published_event(event_id: str) -> dict[str, Any]:
    element, seats = events_repo.get_event_and_seats(event_id)
    if element is None or element.status not in EVENT_PAGE_STATUSES:
        raise NotFound("Мероприятие не найдено или ещё не опубликовано.", field="id")
    return event_view(element, seats)
