"""Organizer use cases: enter an event, edit it while it is a draft or rejected, send it to review,
change the number of seats or cancel it after publication, see own events.

An organizer acts for their organization (`person.organization_id`); every route checks that the
event belongs to it and answers 404 otherwise, so other organizations' events stay invisible.
"""

from __future__ import annotations

from typing import Any

from ..db import audit_repo, events_repo, people_repo, registrations_repo
from ..db.models import CatalogElement, EventDay, EventSeats, Specialist
from ..domain.catalog import PUBLIC_STATUSES, STATUSES, catalog_sort_key, new_element_id
from ..domain.dates import utcnow
from ..domain.events import (
    ORGANIZER_EDITABLE,
    EventInput,
    check_can_submit,
    day_is_over,
    has_ended,
    validate_capacity,
    validate_event,
    validate_reason,
)
from ..domain.numbers import plain_number
from ..domain.specialties import specialty_name
from ..errors import Conflict, Forbidden, InvalidInput, NotFound
from . import registration
from .catalog import day_bounds, event_days

# A capacity change races with registrations moving the seat counters: retry on a fresh read.
PUBLISHED_CHANGE_ATTEMPTS = 8
# Registrations marked `event_cancelled` by the cancelling request itself; the cabinet shows the
# event's status anyway, so anything beyond is cosmetic.
MARK_CANCELLED_LIMIT = 5000


def organization_of(person: Specialist) -> str:
    if not person.organization_id:
        raise Forbidden(
            "Ваша учётная запись организатора не привязана к организации. "
            "Обратитесь к администратору портала.",
            code="no_organization",
        )
    return str(person.organization_id)


def own_event(person: Specialist, event_id: str) -> CatalogElement:
    org = organization_of(person)
    return _owned(org, events_repo.get_event(event_id))


def _owned(org: str, event: CatalogElement | None) -> CatalogElement:
    if event is None or event.organizer_id != org:
        raise NotFound("Мероприятие не найдено среди ваших.", field="id")
    return event


def own_event_and_seats(person: Specialist, event_id: str) -> tuple[CatalogElement, EventSeats]:
    """`own_event` with the event's seats (one read)."""
    org = organization_of(person)
    event, seats = events_repo.get_event_and_seats(event_id)
    return _owned(org, event), seats


def organizer_views(events: list[CatalogElement]) -> list[dict[str, Any]]:
    """A list of events as `organizer_view` shows them: their seats in one more read."""
    seats = registrations_repo.seats_by_id([e.element_id for e in events])
    return [organizer_view(e, seats[e.element_id]) for e in events]


def organizer_view(event: CatalogElement, seats: EventSeats) -> dict[str, Any]:
    now = utcnow()
    return {
        "id": event.element_id,
        "status": event.status,
        "status_name": STATUSES.get(event.status, event.status),
        "title": event.title,
        "format": event.format,
        "days": event_days(event),
        "hours": plain_number(event.hours),
        "address": event.address,
        "city": event.city,
        "url": event.url,
        "specialties": [{"code": c, "name": specialty_name(c)} for c in event.specialties],
        "capacity": int(event.capacity or 0),
        "seats_taken": int(seats.seats_taken or 0),
        "waitlist_length": int(seats.waitlist_length or 0),
        "program": event.program,
        "description": event.description,
        "contact": event.contact,
        "organizer": event.organizer_name,
        "rejection_reason": event.rejection_reason,
        "starts_on": event.starts_on,
        "ends_on": event.ends_on,
        "version": int(event.version or 0),
        # Days whose attendance can be entered now (published or finished events only).
        "attendance_days": [d.date for d in event.days if day_is_over(d.ends_at, now)]
        if event.status in PUBLIC_STATUSES
        else [],
    }


def _apply(event: CatalogElement, data: EventInput) -> None:
    event.title = data.title
    event.format = data.format
    event.days = [
        EventDay(date=d.date, starts_at=d.starts_at, ends_at=d.ends_at, hours=d.hours)
        for d in data.days
    ]
    event.hours = data.hours
    event.starts_on = data.starts_on
    event.ends_on = data.ends_on
    event.sort_key = catalog_sort_key(data.starts_on, event.element_id)
    event.address = data.address
    event.city = data.city
    event.url = data.url
    event.specialties = list(data.specialties)  # type: ignore[assignment,arg-type]
    event.capacity = data.capacity
    event.program = data.program
    event.description = data.description
    event.contact = data.contact


def _audit(event: CatalogElement, actor: str, action: str, before: Any, after: Any) -> Any:
    return audit_repo.new_entry(f"event#{event.element_id}", actor, action, before, after)


def create_event(person: Specialist, body: dict[str, Any]) -> dict[str, Any]:
    org_id = organization_of(person)
    data = validate_event(body)
    org = people_repo.get_organization(org_id)
    now = utcnow()
    event_id = new_element_id("event")
    event = CatalogElement(
        element_id=event_id,
        kind="event",
        status="draft",
        organizer_id=org_id,
        organizer_name=org.name if org is not None else "",
        created_key=f"{now.isoformat()}#{event_id}",
        created_by=person.oid,
        created_at=now,
        updated_at=now,
        version=1,
    )
    _apply(event, data)
    events_repo.create(event, _audit(event, person.oid, "create", None, {"status": "draft"}))
    return organizer_view(event, registrations_repo.no_seats(event.element_id))


def _replace(previous: CatalogElement, event: CatalogElement, actor: str, action: str) -> None:
    event.version = int(previous.version or 0) + 1
    event.updated_at = utcnow()
    audit = _audit(
        event,
        actor,
        action,
        {"status": previous.status, "capacity": int(previous.capacity or 0)},
        {"status": event.status, "capacity": int(event.capacity or 0)},
    )
    try:
        events_repo.replace(event, previous, audit)
    except events_repo.StaleEvent as err:
        raise Conflict(
            "Мероприятие только что изменили в другом окне. Обновите страницу и повторите.",
            code="stale",
        ) from err


def update_event(person: Specialist, event_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """Edit a draft or a rejected event (a rejected one becomes a draft again). After publication
    only the number of seats may change."""
    previous = own_event(person, event_id)
    if previous.status == "published":
        return change_capacity(person, event_id, body)
    if previous.status not in ORGANIZER_EDITABLE:
        raise Conflict(
            f"Мероприятие в статусе «{STATUSES.get(previous.status, previous.status)}» "
            "редактировать нельзя.",
            code="not_editable",
        )
    data = validate_event(body)
    event = events_repo.copy_of(previous)
    _apply(event, data)
    event.status = "draft"
    _replace(previous, event, person.oid, "edit")
    return organizer_view(event, registrations_repo.no_seats(event.element_id))


def change_capacity(person: Specialist, event_id: str, body: dict[str, Any]) -> dict[str, Any]:
    extra = sorted(set(body) - {"capacity"})
    if extra:
        raise Conflict(
            "После публикации можно изменить только число мест; "
            "для остального отмените мероприятие и создайте новое.",
            field=extra[0],
            code="not_editable",
        )
    capacity = validate_capacity(body.get("capacity"))
    for _ in range(PUBLISHED_CHANGE_ATTEMPTS):
        previous, seats = own_event_and_seats(person, event_id)
        if previous.status != "published":
            raise Conflict("Мероприятие больше не опубликовано.", code="not_editable")
        taken = int(seats.seats_taken or 0)
        if capacity < taken:
            raise Conflict(
                f"Нельзя сделать мест меньше, чем уже подтверждено записей ({taken}).",
                field="capacity",
                code="capacity_below_confirmed",
            )
        event = events_repo.copy_of(previous)
        event.capacity = capacity
        try:
            event.version = int(previous.version or 0) + 1
            event.updated_at = utcnow()
            events_repo.replace(
                event,
                previous,
                _audit(
                    event,
                    person.oid,
                    "capacity",
                    {"capacity": int(previous.capacity or 0)},
                    {"capacity": capacity},
                ),
            )
        except events_repo.StaleEvent:
            continue
        registration.fill_free_seats(event_id)
        return organizer_view(*own_event_and_seats(person, event_id))
    raise Conflict("Идёт активная запись; повторите через несколько секунд.", code="retry")


def submit_event(person: Specialist, event_id: str) -> dict[str, Any]:
    previous = own_event(person, event_id)
    if previous.status != "draft":
        raise Conflict(
            "На рассмотрение отправляется только черновик "
            "(отклонённое мероприятие сначала исправьте).",
            code="not_draft",
        )
    check_can_submit(previous.days[0].starts_at if previous.days else None, utcnow())
    event = events_repo.copy_of(previous)
    event.status = "on_review"
    _replace(previous, event, person.oid, "submit")
    return organizer_view(event, registrations_repo.no_seats(event.element_id))


def cancel_event(person: Specialist, event_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """Cancel a published event: it leaves the catalog, registration closes, every registrant
    sees `event_cancelled` in the cabinet."""
    reason = validate_reason(body.get("reason"))
    for _ in range(PUBLISHED_CHANGE_ATTEMPTS):
        previous, seats = own_event_and_seats(person, event_id)
        if previous.status == "finished" or (
            previous.status == "published" and has_ended(day_bounds(previous), utcnow())
        ):
            raise Conflict(
                "Мероприятие уже завершилось: отменить его нельзя.", code="event_finished"
            )
        if previous.status != "published":
            raise Conflict(
                "Отменить можно только опубликованное мероприятие.", code="not_published"
            )
        event = events_repo.copy_of(previous)
        event.status = "cancelled"
        event.rejection_reason = reason
        event.version = int(previous.version or 0) + 1
        event.updated_at = utcnow()
        try:
            events_repo.replace(
                event,
                previous,
                _audit(
                    event,
                    person.oid,
                    "cancel",
                    {"status": "published"},
                    {"status": "cancelled", "reason": reason},
                ),
            )
        except events_repo.StaleEvent:
            continue
        registrations_repo.mark_event_cancelled(event_id, limit=MARK_CANCELLED_LIMIT)
        return organizer_view(event, seats)
    raise Conflict("Идёт активная запись; повторите через несколько секунд.", code="retry")


def list_own(person: Specialist) -> dict[str, Any]:
    org_id = organization_of(person)
    return {"items": organizer_views(events_repo.by_organizer(org_id))}


def get_own(person: Specialist, event_id: str) -> dict[str, Any]:
    return organizer_view(*own_event_and_seats(person, event_id))


def parse_format(params: dict[str, str]) -> str:
    fmt = params.get("format", "json")
    if fmt not in ("json", "csv", "xlsx"):
        raise InvalidInput("Формат: json, csv или xlsx.", field="format")
    return fmt
