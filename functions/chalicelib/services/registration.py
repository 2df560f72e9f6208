"""Registration use cases: register (a seat or a place in line), cancel (the seat goes to the head
of the line), the cabinet's list, and `fill_free_seats`, the follow-up that leaves no freed seat
empty while someone waits (run after every cancel, waitlist insert and capacity increase)."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from ..db import audit_repo, events_repo, people_repo, registrations_repo
from ..db.models import CatalogElement, EventSeats, Registration, Specialist
from ..db.transactions import MAX_ACTIONS
from ..domain.catalog import EVENT_PAGE_STATUSES
from ..domain.codes import format_code
from ..domain.dates import utcnow
from ..domain.events import ACTIVE_REGISTRATION, code_expires_on
from ..domain.events import registration_open as domain_registration_open
from ..domain.specialties import specialty_name
from ..domain.text import full_name as person_full_name
from ..errors import Conflict, Forbidden, InvalidInput, NotFound
from . import sessions
from .sessions import SessionClaims

# Rounds of a registration whose read went stale (a seat taken or freed meanwhile).
REGISTER_ATTEMPTS = 4
CANCEL_ATTEMPTS = 3
# One promotion transaction: the event, each head and one audit entry for the batch, within the
# 25 actions a transaction may hold (db.transactions.MAX_ACTIONS, YDB's cap).
PROMOTE_BATCH = MAX_ACTIONS - 2
# Promotion rounds one call may run; whoever changes the line next runs it again.
FILL_BUDGET = 20
# Heads read beyond a promotion's need: a round that lost a race to another cancel's promotion
# usually finds its next heads among them (registrations_repo.still_first), one Query fewer.
SPARE_HEADS = 8
PAGE_SIZE = 50
# Event ids are short; a longer path segment names no event and is not looked up.
MAX_EVENT_ID = 64


def registration_open(event: CatalogElement, now: dt.datetime | None = None) -> bool:
    first = event.days[0].starts_at if event.days else None
    return domain_registration_open(event.status, first, now or utcnow())


def _published_event(event_id: str) -> CatalogElement:
    return _shown(events_repo.get_event(event_id))


def _shown(event: CatalogElement | None) -> CatalogElement:
    if event is None or event.status not in EVENT_PAGE_STATUSES:
        raise NotFound("Мероприятие не найдено или ещё не опубликовано.", field="id")
    return event


def _signed_in_read(
    claims: SessionClaims, event_id: str
) -> tuple[Specialist, CatalogElement | None, EventSeats, Registration | None]:
    """The signed-in person (the session's check), the event, its seats and the person's
    registration of it: one call (registrations_repo.person_event_and_registration). No event
    for ids no event can have."""
    if len(event_id) > MAX_EVENT_ID:
        signed_in = sessions.person_in_session(claims, people_repo.get_specialist(claims.oid))
        return signed_in, None, registrations_repo.no_seats(event_id), None
    person, event, seats, reg = registrations_repo.person_event_and_registration(
        claims.oid, event_id
    )
    return sessions.person_in_session(claims, person), event, seats, reg


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


def _with_position(
    reg: Registration, event: CatalogElement | None, seats: EventSeats | None
) -> dict[str, Any]:
    """The view with the position in line, computed from the event's seats (no further call)."""
    position = None
    if reg.status == "waitlisted" and reg.wait_seq is not None and seats is not None:
        position = registrations_repo.position(seats, int(reg.wait_seq))
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


def _promotion_audit(event_id: str, heads: list[Registration]) -> Any:
    """One entry for a batch promoted together (one entry each would halve the batch)."""
    ids = [h.registration_id for h in heads]
    return audit_repo.new_entry(
        f"event#{event_id}",
        "system",
        "registration",
        before={"registrations": ids, "status": "waitlisted"},
        after={"registrations": ids, "status": "confirmed"},
    )


def _seats_free(seats: EventSeats) -> int:
    return int(seats.capacity or 0) - int(seats.seats_taken or 0)


def register(
    claims: SessionClaims, event_id: str, body: dict[str, Any]
) -> tuple[dict[str, Any], int]:
    """A seat (201 confirmed), a place in line (201 waitlisted with position), or the person's
    existing registration (200). Calls: one read of the person (the session), the event and the
    registration (and the event's seats), then the seat transaction — or, for the line, a ticket
    and the joining transaction."""
    person, found, seats, existing = _signed_in_read(claims, event_id)
    event = _shown(found)
    _refuse_if_closed(event)
    specialty = _choose_specialty(person, event, body.get("specialty"))
    for _ in range(REGISTER_ATTEMPTS):
        if existing is not None and existing.status in ACTIVE_REGISTRATION:
            return _with_position(existing, event, seats), 200
        now = utcnow()
        reg = _new_registration(person, event, specialty, now)
        before = existing.status if existing is not None else None
        if _seats_free(seats) > 0 and int(seats.waitlist_length or 0) == 0:
            outcome = registrations_repo.take_seat(
                reg, _audit(reg, person.oid, before, "confirmed")
            )
            if outcome == "confirmed":
                return registration_view(reg, event), 201
        else:
            joined = _join_line(event, reg, _audit(reg, person.oid, before, "waitlisted"))
            if isinstance(joined, tuple):
                return joined
        # 'no_seat' (taken meanwhile) or 'exists' (a parallel click won): read again, decide again.
        fresh, seats, existing = registrations_repo.event_and_registration(event_id, person.oid)
        event = _shown(fresh)
        _refuse_if_closed(event)
    raise Conflict("Запись изменилась одновременно в другом окне. Повторите.", code="retry")


def _join_line(
    event: CatalogElement, reg: Registration, audit: Any
) -> tuple[dict[str, Any], int] | str:
    """Take a ticket and stand in line: the answer (201 with the position), or 'exists'."""
    event_id = event.element_id
    ticketed = registrations_repo.take_ticket(event_id)
    if ticketed is None:
        raise Conflict(
            "Запись закрыта: мероприятие снято с публикации.", code="registration_closed"
        )
    ticket = int(ticketed.waitlist_seq)
    reg.status = "waitlisted"
    reg.wait_seq = ticket
    outcome = registrations_repo.join_waitlist(reg, audit)
    if outcome == "waitlisted":
        # Nobody is promoted while a ticket is in flight, so the seats as the ticket left them
        # give the position (ticket − promoted − left below), with no read after joining.
        return _with_position(reg, event, ticketed), 201
    if outcome == "promote":
        # A seat freed while we took the ticket, and promotion waited for us.
        fill_free_seats(event_id)
        mine = registrations_repo.get(event_id, reg.oid) or reg
        return _with_position(mine, event, registrations_repo.get_seats(event_id)), 201
    registrations_repo.void_ticket(event_id, ticket)
    if outcome == "closed":
        raise Conflict(
            "Запись закрыта: мероприятие снято с публикации.", code="registration_closed"
        )
    fill_free_seats(event_id)  # a promotion may have waited for this ticket
    return outcome


def _needs_promotion(seats: EventSeats) -> bool:
    return (
        seats.status == "published"
        and int(seats.waitlist_length or 0) > 0
        and _seats_free(seats) > 0
        and int(seats.waitlist_pending or 0) <= 0
    )


def fill_free_seats(
    event_id: str,
    budget: int = FILL_BUDGET,
    seats: EventSeats | None = None,
    release: int | None = None,
) -> int:
    """Promote the heads of the line, in batches, while seats are free; returns how many.

    The one place a seat passes to the line: every cancel, joining and capacity change calls it
    after its own write, so whoever changed the line last sees its effect. Concurrent callers
    promote the same heads at most once (each head's condition), and one batch fills every seat
    free at the time. `seats`, when given, is a read (or prediction) taken after the caller's
    write. `release`: the caller's own release number (the seats' `seats_released` counter
    after its cancel); a promotion that filled every seat free at a read counting that release
    answered it, and the caller stops — so a burst of cancels does not race round after round.
    A predicted `release` is checked by the promotion's condition; once that fails, the counter
    at the next read (at least our own number) stands in for it."""
    promoted = 0
    # Our `release` number: "predicted" (with `seats`), "unsure" once a prediction failed (the
    # next real read's counter, at least our number, stands in), or "known".
    release_is = "predicted" if release is not None and seats is not None else "known"
    line: list[Registration] = []  # the head of the line as last queried
    for _ in range(budget):
        if seats is None:
            seats = registrations_repo.get_seats(event_id)
        if not _needs_promotion(seats):
            break
        if release_is == "unsure":
            release, release_is = int(seats.seats_released or 0), "known"
        seen = int(seats.seats_released or 0)
        if release is not None and int(seats.releases_answered or 0) >= release:
            break  # a promotion that saw our freed seat filled every free seat
        count = min(_seats_free(seats), int(seats.waitlist_length or 0), PROMOTE_BATCH)
        heads = registrations_repo.still_first(line, seats, count)
        if not heads:
            line = registrations_repo.waitlist_heads(event_id, count + SPARE_HEADS)
            heads = line[:count]
        if not heads:
            break  # the index lags the counter; the next trigger finishes the job
        audits = [_promotion_audit(event_id, heads)]
        fills_all = len(heads) == min(_seats_free(seats), int(seats.waitlist_length or 0))
        answers = seen if fills_all and seen > int(seats.releases_answered or 0) else None
        outcome, seats = registrations_repo.promote_heads(
            seats, heads, audits, answers=answers, predicted=release_is == "predicted"
        )
        if outcome == "promoted":
            promoted += len(heads)
            if fills_all:
                break  # everything free at our read is filled; later changes run their own
        if release_is == "predicted":
            release_is = "unsure"
    return promoted


def cancel(claims: SessionClaims, event_id: str) -> dict[str, Any]:
    """Cancel one's own registration; a confirmed seat passes to the first in line. Calls: one
    read (the session's person, the event, the registration), the cancel transaction, then — if
    people wait — the heads and one promotion transaction."""
    person, found, seats, reg = _signed_in_read(claims, event_id)
    event = _shown(found)
    if reg is None or reg.status not in ACTIVE_REGISTRATION:
        raise NotFound("Вы не записаны на это мероприятие.", field="id")
    if event.status == "cancelled":
        raise Conflict("Мероприятие отменено организатором.", code="event_cancelled")
    if not registration_open(event):
        raise Conflict(
            "Мероприятие уже началось: отменить запись нельзя.", code="registration_closed"
        )
    for _ in range(CANCEL_ATTEMPTS):
        was = reg.status
        outcome = registrations_repo.cancel(reg, _audit(reg, person.oid, was, "cancelled"))
        if outcome == "closed":
            raise Conflict("Мероприятие снято с публикации.", code="registration_closed")
        if outcome == "cancelled":
            if was == "confirmed":
                # Predicted from our read and our own release; a stale prediction only costs
                # a failed promotion and one re-read.
                seats.seats_taken = int(seats.seats_taken or 0) - 1
                seats.seats_released = int(seats.seats_released or 0) + 1
                fill_free_seats(event_id, seats=seats, release=int(seats.seats_released))
            break
        # 'changed': promoted meanwhile, or a parallel cancel of the same person did it.
        fresh = registrations_repo.get(event_id, person.oid)
        if fresh is None or fresh.status not in ACTIVE_REGISTRATION:
            reg = fresh or reg
            break
        reg = fresh
    reg.status = "cancelled"
    reg.wait_seq = None
    return registration_view(reg, event)


def my_registration(claims: SessionClaims, event_id: str) -> dict[str, Any]:
    """`{"registration": …}`: the person's own registration for one event, live (status,
    position), or null — an ordinary answer for a page that asks on every visit. One call."""
    _, event, seats, reg = _signed_in_read(claims, event_id)
    if reg is None:
        return {"registration": None}
    return {"registration": _with_position(reg, event, seats)}


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
    # Positions need the seats only of events someone here waits for (usually none).
    seats = registrations_repo.seats_by_id([r.event_id for r in regs if r.status == "waitlisted"])
    return {
        "items": [_with_position(r, events.get(r.event_id), seats.get(r.event_id)) for r in regs],
        "cursor": registrations_repo.encode_cursor(last),
    }
