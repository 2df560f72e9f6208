"""Registration use cases: register (a seat or a place in line), cancel (the seat goes to the head
of the line), the cabinet's list, and `fill_free_seats`, the follow-up that leaves no freed seat
empty while someone waits (run after every cancel, waitlist insert and capacity increase)."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from ..db import audit_repo, events_repo, registrations_repo
from ..db.models import CatalogElement, Registration, Specialist
from ..domain.catalog import EVENT_PAGE_STATUSES
from ..domain.codes import format_code
from ..domain.dates import utcnow
from ..domain.events import ACTIVE_REGISTRATION, code_expires_on
from ..domain.events import registration_open as domain_registration_open
from ..domain.specialties import specialty_name
from ..domain.text import full_name as person_full_name
from ..errors import Conflict, Forbidden, InvalidInput, NotFound

# Retries when a competing request moved the head of the line between our read and our write.
CANCEL_ATTEMPTS = 5
# One call fills at most this many seats; the next cancel, insert or capacity change continues.
FILL_BUDGET = 200
PAGE_SIZE = 50


def registration_open(event: CatalogElement, now: dt.datetime | None = None) -> bool:
    first = event.days[0].starts_at if event.days else None
    return domain_registration_open(event.status, first, now or utcnow())


def _published_event(event_id: str) -> CatalogElement:
    event = events_repo.get_event(event_id)
    if event is None or event.status not in EVENT_PAGE_STATUSES:
        raise NotFound("Мероприятие не найдено или ещё не опубликовано.", field="id")
    return event


def _refuse_if_closed(event: CatalogElement) -> None:
    if event.status == "cancelled":
        raise Conflict("Мероприятие отменено организатором.", code="event_cancelled")
    if not registration_open(event):
        raise Conflict(
            "Запись закрыта: мероприятие уже началось или завершилось.",
            code="registration_closed",
        )


def full_name(person: Specialist) -> str:
    return person_full_name(person.last_name, person.first_name, person.middle_name)


def registration_view(
    reg: Registration, event: CatalogElement | None = None, position: int | None = None
) -> dict[str, Any]:
    status = reg.status
    if event is not None and event.status == "cancelled" and status in ACTIVE_REGISTRATION:
        # The event's own status is the truth; marking every registration may still be running.
        status = "event_cancelled"
    return {
        "id": reg.registration_id,
        "event_id": reg.event_id,
        "title": event.title if event is not None else reg.event_title,
        "starts_at": (event.days[0].starts_at if event is not None and event.days else None)
        or reg.event_starts_at,
        "status": status,
        "position": position if status == "waitlisted" else None,
        "specialty": {"code": reg.specialty, "name": specialty_name(reg.specialty)}
        if reg.specialty
        else None,
        "registered_at": reg.registered_at,
        # Cancelling is possible exactly while registering is (the one rule in domain/events).
        "can_cancel": status in ACTIVE_REGISTRATION
        and event is not None
        and registration_open(event),
        "codes": [
            {"day": day, "code": format_code(code), "expires_on": code_expires_on(day)}
            for day, code in sorted(registrations_repo.as_dict(reg.codes).items())
        ],
    }


def _with_position(reg: Registration, event: CatalogElement | None = None) -> dict[str, Any]:
    position = None
    if reg.status == "waitlisted" and reg.wait_seq is not None:
        position = registrations_repo.position(reg.event_id, int(reg.wait_seq))
    return registration_view(reg, event, position)


def _choose_specialty(person: Specialist, event: CatalogElement, asked: Any) -> str:
    own = [s.code for s in person.specialties or []]
    accredited = [c for c in own if c in set(event.specialties)]
    if asked is not None:
        if not isinstance(asked, str) or asked not in own:
            raise InvalidInput("Выберите одну из своих специальностей.", field="specialty")
        if asked not in accredited:
            raise Forbidden(
                "Мероприятие не аккредитовано по выбранной специальности.",
                field="specialty",
                code="specialty_not_accredited",
            )
        return asked
    if not accredited:
        raise Forbidden(
            "Мероприятие не аккредитовано ни по одной из ваших специальностей.",
            field="specialty",
            code="specialty_not_accredited",
        )
    return accredited[0]


def _new_registration(
    person: Specialist, event: CatalogElement, specialty: str, now: dt.datetime
) -> Registration:
    return Registration(
        event_id=event.element_id,
        oid=person.oid,
        registration_id=f"r-{secrets.token_urlsafe(9)}",
        status="confirmed",
        specialty=specialty,
        registered_key=f"{now.isoformat()}#{event.element_id}",
        registered_at=now,
        updated_at=now,
        full_name=full_name(person),
        attendance={},
        codes={},
        event_title=event.title,
        event_starts_at=event.days[0].starts_at if event.days else None,
    )


def _audit(reg: Registration, actor: str, before: str | None, after: str) -> Any:
    return audit_repo.new_entry(
        f"event#{reg.event_id}",
        actor,
        "registration",
        before={"registration": reg.registration_id, "status": before},
        after={"registration": reg.registration_id, "status": after},
    )


def register(person: Specialist, event_id: str, body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """A seat (201 confirmed), a place in line (201 waitlisted with position), or the person's
    existing registration (200)."""
    event = _published_event(event_id)
    _refuse_if_closed(event)
    specialty = _choose_specialty(person, event, body.get("specialty"))
    existing = registrations_repo.get(event_id, person.oid)
    if existing is not None and existing.status in ACTIVE_REGISTRATION:
        return _with_position(existing), 200
    now = utcnow()
    reg = _new_registration(person, event, specialty, now)
    before = existing.status if existing is not None else None
    # A full event (or one with people in line) cannot give a seat: skip the doomed transaction.
    # If a seat frees meanwhile, fill_free_seats after joining the line hands it out in order.
    seats_free = int(event.seats_taken or 0) < int(event.capacity or 0)
    outcome = (
        registrations_repo.take_seat(reg, _audit(reg, person.oid, before, "confirmed"))
        if seats_free and int(event.waitlist_length or 0) == 0
        else "no_seat"
    )
    if outcome == "confirmed":
        return registration_view(reg), 201
    if outcome == "no_seat":
        # Full (or people already wait): take a ticket. Its condition re-checks publication.
        ticket = registrations_repo.take_ticket(event_id)
        if ticket is None:
            raise Conflict(
                "Запись закрыта: мероприятие снято с публикации.", code="registration_closed"
            )
        reg.status = "waitlisted"
        reg.wait_seq = ticket
        outcome = registrations_repo.join_waitlist(
            reg, _audit(reg, person.oid, before, "waitlisted")
        )
        if outcome == "closed":
            raise Conflict(
                "Запись закрыта: мероприятие снято с публикации.", code="registration_closed"
            )
        if outcome == "waitlisted":
            fill_free_seats(event_id)
            mine = registrations_repo.get(event_id, person.oid)
            return _with_position(mine or reg), 201
    # 'exists': a parallel click of the same person won; answer with that registration.
    mine = registrations_repo.get(event_id, person.oid)
    if mine is None or mine.status not in ACTIVE_REGISTRATION:
        raise Conflict("Запись изменилась одновременно в другом окне. Повторите.", code="retry")
    return _with_position(mine), 200


def fill_free_seats(event_id: str, budget: int = FILL_BUDGET) -> int:
    """Promote heads of the line while seats are free. Returns how many were promoted."""
    promoted = 0
    for _ in range(budget):
        event = events_repo.get_event(event_id)
        if (
            event is None
            or event.status != "published"
            or int(event.waitlist_length or 0) <= 0
            or int(event.seats_taken or 0) >= int(event.capacity or 0)
        ):
            break
        head = registrations_repo.waitlist_head(event_id)
        if head is None:
            break  # the index lags the counter; the next trigger finishes the job
        audit = _audit(head, "system", "waitlisted", "confirmed")
        if registrations_repo.promote(head, audit) == "promoted":
            promoted += 1
    return promoted


def cancel(person: Specialist, event_id: str) -> dict[str, Any]:
    """Cancel one's own registration; a confirmed seat passes to the first in line."""
    reg = registrations_repo.get(event_id, person.oid)
    if reg is None or reg.status not in ACTIVE_REGISTRATION:
        raise NotFound("Вы не записаны на это мероприятие.", field="id")
    event = _published_event(event_id)
    if event.status == "cancelled":
        raise Conflict("Мероприятие отменено организатором.", code="event_cancelled")
    if not registration_open(event):
        raise Conflict(
            "Мероприятие уже началось: отменить запись нельзя.", code="registration_closed"
        )
    for attempt in range(CANCEL_ATTEMPTS + 1):
        head = None
        if reg.status == "confirmed" and attempt < CANCEL_ATTEMPTS:
            head = registrations_repo.waitlist_head(event_id)
        audits = [_audit(reg, person.oid, reg.status, "cancelled")]
        if head is not None:
            audits.append(_audit(head, "system", "waitlisted", "confirmed"))
        outcome = registrations_repo.cancel(reg, head, audits)
        if outcome == "cancelled":
            break
        if outcome == "closed":
            raise Conflict("Мероприятие снято с публикации.", code="registration_closed")
        if outcome == "changed":
            fresh = registrations_repo.get(event_id, person.oid)
            if fresh is None or fresh.status not in ACTIVE_REGISTRATION:
                break  # a parallel cancel of the same person already did it
            reg = fresh
        # 'head_moved': look for the new head (the last attempt releases the seat instead).
    fill_free_seats(event_id)
    final = registrations_repo.get(event_id, person.oid) or reg
    return registration_view(final)


def my_registration(person: Specialist, event_id: str) -> dict[str, Any]:
    """`{"registration": …}`: the person's own registration for one event, live (status,
    position), or null — an ordinary answer for a page that asks on every visit."""
    reg = registrations_repo.get(event_id, person.oid) if len(event_id) <= 64 else None
    if reg is None:
        return {"registration": None}
    return {"registration": _with_position(reg, events_repo.get_event(event_id))}


def my_registrations(person: Specialist, params: dict[str, str]) -> dict[str, Any]:
    """A page of the person's registrations with live status and waiting-list positions."""
    try:
        cursor = registrations_repo.decode_person_cursor(params.get("cursor"), person.oid)
    except (ValueError, UnicodeError) as exc:
        raise InvalidInput("Неверный курсор страницы.", field="cursor") from exc
    try:
        regs, last = registrations_repo.for_person(person.oid, limit=PAGE_SIZE, cursor=cursor)
    except ValueError as exc:
        raise InvalidInput("Неверный курсор страницы.", field="cursor") from exc
    events = registrations_repo.events_by_id([r.event_id for r in regs])
    return {
        "items": [_with_position(r, events.get(r.event_id)) for r in regs],
        "cursor": registrations_repo.encode_cursor(last),
    }
