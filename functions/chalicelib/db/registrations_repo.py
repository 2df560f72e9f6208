"""Registration storage: seats, the waiting list, promotion, attendance — each change one
DynamoDB transaction whose conditions carry the invariants, on the event's seats item
(`EventSeats`: the counters, with copies of the event's status and capacity):

* a seat: `seats_taken < capacity` (and nobody waiting) together with the registration's
  `attribute_not_exists`, so seats are never oversold and two clicks never make two;
* the waiting list: a ticket from an atomic ADD on `waitlist_seq` (stable order), the count of
  waiting people in `waitlist_length`, the line itself in the sparse `waitlist` index;
* promotion: each head's `status = waitlisted` condition, so a person is promoted once, and the
  `waitlist_promoted` counter, so a position is ticket − promoted − left tickets below it (one
  item read, however long the line).

Each transaction goes through `transactions.Transaction`, whose items have names: an outcome
is the set of names whose condition failed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from pynamodb.attributes import MapAttribute
from pynamodb.exceptions import DoesNotExist, UpdateError

from ..domain.dates import utcnow
from . import codes_repo, cursors, dashboard_repo, reads
from .connection import ensure_bound
from .models import (
    AuditEntry,
    CatalogElement,
    ConfirmationCode,
    EventSeats,
    Registration,
    Specialist,
)
from .transactions import Cancelled, Transaction


def _now() -> dt.datetime:
    return utcnow()  # the one clock (domain/dates)


def _seats_key(event_id: str) -> EventSeats:
    # Only the key matters to update/condition-check in a transaction.
    return EventSeats(element_id=event_id)


def as_dict(value: Any) -> dict[str, Any]:
    """A raw map attribute (attendance, codes) as a plain dict, whatever PynamoDB handed back."""
    if value is None:
        return {}
    if isinstance(value, MapAttribute):
        return dict(value.as_dict())
    return dict(value)


def get(event_id: str, oid: str) -> Registration | None:
    ensure_bound()
    try:
        return Registration.get(event_id, oid, consistent_read=True)
    except DoesNotExist:
        return None


def no_seats(event_id: str) -> EventSeats:
    """What an event without stored seats has: none taken, no capacity, no status — every
    write's condition fails on it. (Every event written since seats became their own item has
    them: `seats_follow`; `nmo db split-seats` gives them to older ones.)"""
    return EventSeats(element_id=event_id, capacity=0)


def get_seats(event_id: str) -> EventSeats:
    """The event's seats as they stand (one consistent GetItem of a small item)."""
    ensure_bound()
    try:
        return EventSeats.get(event_id, consistent_read=True)
    except DoesNotExist:
        return no_seats(event_id)


def event_and_registration(
    event_id: str, oid: str
) -> tuple[CatalogElement | None, EventSeats, Registration | None]:
    """The event, its seats and this person's registration in one consistent BatchGetItem
    (three tables, one call: registering and cancelling need all three before deciding).
    Non-event ids give no event."""
    event, seats, reg = reads.one_each(
        [event_wanted(event_id), seats_wanted(event_id), _registration_wanted(event_id, oid)]
    )
    return only_event(event), seats or no_seats(event_id), reg


def person_event_and_registration(
    oid: str, event_id: str
) -> tuple[Specialist | None, CatalogElement | None, EventSeats, Registration | None]:
    """The same read with the person's own record besides (the session check,
    services/sessions.person_in_session), still one BatchGetItem. The person is read as
    `people_repo.get_specialist` reads it."""
    person, event, seats, reg = reads.one_each(
        [
            (Specialist, {"oid": oid}, False),
            event_wanted(event_id),
            seats_wanted(event_id),
            _registration_wanted(event_id, oid),
        ]
    )
    return person, only_event(event), seats or no_seats(event_id), reg


def event_wanted(event_id: str) -> reads.Wanted:
    return (CatalogElement, {"element_id": event_id}, True)


def seats_wanted(event_id: str) -> reads.Wanted:
    return (EventSeats, {"element_id": event_id}, True)


def _registration_wanted(event_id: str, oid: str) -> reads.Wanted:
    return (Registration, {"event_id": event_id, "oid": oid}, True)


def only_event(element: CatalogElement | None) -> CatalogElement | None:
    """The element if it is an event (catalog ids also name programs and modules)."""
    return element if element is not None and element.kind == "event" else None


def seats_follow(tx: Transaction, event: CatalogElement) -> None:
    """The event's seats take its status and capacity, in the transaction that writes the event
    (catalog_repo.save_element), so the conditions below always see the event as it is. The
    first write creates them with empty counters; a capacity below the seats already taken
    fails the transaction (as "seats")."""
    capacity = int(event.capacity or 0)
    tx.update(
        _seats_key(event.element_id),
        [
            EventSeats.status.set(event.status),
            EventSeats.capacity.set(capacity),
            EventSeats.seats_taken.set(EventSeats.seats_taken | 0),
            EventSeats.waitlist_length.set(EventSeats.waitlist_length | 0),
        ],
        condition=EventSeats.seats_taken.does_not_exist() | (EventSeats.seats_taken <= capacity),
        name="seats",
    )


def new_seats(event: CatalogElement) -> EventSeats:
    """The seats of an event stored for the first time by a bulk write (no transaction to join:
    catalog_writer); the same copy `seats_follow` makes."""
    return EventSeats(
        element_id=event.element_id,
        status=event.status,
        capacity=int(event.capacity or 0),
        seats_taken=0,
        waitlist_length=0,
    )


def _may_write_registration() -> Any:
    # A person re-registering after cancelling reuses their item; anything active is theirs already.
    return Registration.oid.does_not_exist() | Registration.status.is_in(
        "cancelled", "event_cancelled"
    )


def seat_condition() -> Any:
    """The invariant of a confirmed seat, checked on the event's seats inside the transaction."""
    return (
        (EventSeats.status == "published")
        & (EventSeats.seats_taken < EventSeats.capacity)
        # With people in line a freed seat is theirs, not a newcomer's.
        & (EventSeats.waitlist_length == 0)
    )


def _no_ticket_in_flight() -> Any:
    """No ticket is handed out but not yet in line. Promotion waits for this: otherwise a person
    behind an in-flight ticket could be promoted first and the counters' positions would skip the
    ticket. The joiner, once in line, runs the promotion itself (services.registration)."""
    return EventSeats.waitlist_pending.does_not_exist() | (EventSeats.waitlist_pending <= 0)


def _insert(
    registration: Registration,
    audit: AuditEntry,
    *,
    seats_actions: list[Any],
    seats_condition: Any,
    done: str,
    refused: str,
    refused_while_published: str | None = None,
) -> str:
    """One transaction: the event's seat counters move under their condition, the registration
    is written unless the person already holds one, the audit entry goes with them. Returns
    `done`, 'exists' (the registration's condition failed) or `refused` (the seats' did) — or,
    when given, `refused_while_published` if the seats' condition failed although the event is
    still published (the stored seats come back with the failure: no read)."""
    tx = Transaction()
    tx.update(
        _seats_key(registration.event_id),
        seats_actions,
        condition=seats_condition,
        name="seats",
        old_on_failure=refused_while_published is not None,
    )
    tx.put(registration, condition=_may_write_registration(), name="registration")
    tx.put(audit, name="audit")
    try:
        tx.commit()
    except Cancelled as cancelled:
        if "registration" in cancelled.failed:
            return "exists"
        raw = cancelled.old_items.get("seats")
        if refused_while_published and raw:
            if EventSeats.from_raw_data(raw).status == "published":
                return refused_while_published
        return refused
    return done


def take_seat(registration: Registration, audit: AuditEntry) -> str:
    """Confirm a seat: 'confirmed', 'exists' (the person already holds one or a place in line), or
    'no_seat' (full, someone waiting, or no longer open — the caller re-reads the event)."""
    return _insert(
        registration,
        audit,
        seats_actions=[EventSeats.seats_taken.add(1)],
        seats_condition=seat_condition(),
        done="confirmed",
        refused="no_seat",
    )


def take_ticket(event_id: str) -> EventSeats | None:
    """The next waiting-list ticket: an atomic ADD (numbers only grow, so order is stable) that also
    marks the ticket in flight. Returns the seats as they stand right after (`waitlist_seq` is
    the ticket), or None when the event is no longer published. The holder must `join_waitlist`
    or `void_ticket` next."""
    ensure_bound()
    seats = _seats_key(event_id)
    try:
        seats.update(
            actions=[EventSeats.waitlist_seq.add(1), EventSeats.waitlist_pending.add(1)],
            condition=EventSeats.status == "published",
        )
    except UpdateError as err:
        if err.cause_response_code == "ConditionalCheckFailedException":
            return None
        raise
    return seats


def _no_seat_waits_for_the_line() -> Any:
    """Once this ticket is in line, nobody need be promoted: no seat is free, or another ticket
    is still in flight (its holder, joining after us, runs the promotion)."""
    return (EventSeats.seats_taken >= EventSeats.capacity) | (EventSeats.waitlist_pending > 1)


def join_waitlist(registration: Registration, audit: AuditEntry) -> str:
    """Put a registration holding a ticket (`wait_seq`) in line: 'waitlisted'; 'promote' (in
    line, but a seat is free and ours was the last ticket in flight, so the caller runs the
    promotion); 'exists' or 'closed' (the event stopped being published). On 'exists' and
    'closed' the caller voids the ticket.

    The usual join is one transaction whose event condition also says that no seat waits for
    the line, so the caller needs no read afterwards to know it has nothing more to do."""
    actions = [EventSeats.waitlist_length.add(1), EventSeats.waitlist_pending.add(-1)]
    outcome = _insert(
        registration,
        audit,
        seats_actions=actions,
        seats_condition=(EventSeats.status == "published") & _no_seat_waits_for_the_line(),
        done="waitlisted",
        refused="closed",
        refused_while_published="promote",
    )
    if outcome != "promote":
        return outcome
    # A seat is free and no other ticket is in flight: join all the same, then promote.
    return _insert(
        registration,
        audit,
        seats_actions=actions,
        seats_condition=EventSeats.status == "published",
        done="promote",
        refused="closed",
    )


def void_ticket(event_id: str, ticket: int) -> None:
    """A ticket that never made it into line counts as having left it (positions stay exact)."""
    ensure_bound()
    _seats_key(event_id).update(
        actions=[
            EventSeats.waitlist_pending.add(-1),
            EventSeats.waitlist_left.add({ticket}),
        ]
    )


def waitlist_heads(event_id: str, count: int) -> list[Registration]:
    """The first `count` in line (keys and ticket only): one Query on the sparse index."""
    ensure_bound()
    return list(Registration.waitlist.query(event_id, limit=count))


def rank(seats: EventSeats, wait_seq: int) -> int:
    """The rank of a ticket still in line, from the seats item alone (no Query): ≥ 1 for a
    ticket that waits, ≤ 0 for one already promoted.

    Tickets below `wait_seq` were each promoted, left the line, or still wait. Promotion takes
    the line strictly from the head and never while a ticket is in flight, so every promoted
    ticket is below any waiting one: rank = ticket − promoted − (left tickets below it). For a
    promoted ticket everything below it was promoted or left, which makes the same sum ≤ 0.
    """
    left = seats.waitlist_left or set()
    below = sum(1 for t in left if int(t) < wait_seq)
    return int(wait_seq) - int(seats.waitlist_promoted or 0) - below


def position(seats: EventSeats, wait_seq: int) -> int:
    """1-based position among those still waiting (`rank`), for a ticket known to wait."""
    return max(1, rank(seats, wait_seq))


def still_first(line: list[Registration], seats: EventSeats, count: int) -> list[Registration]:
    """The first `count` still waiting, taken from `line` — the head of the line as queried
    earlier — when the seats' counters show it still covers them (their ranks run 1…count);
    else [] (query again). A line once read stays a prefix of the waiting: joining adds only
    higher tickets, so nobody who waits below one of these can be missing from it. Any read of
    the seats will do: each head's own condition (still waiting with that ticket) guards the
    promotion that uses them."""
    left = seats.waitlist_left or set()
    waiting = [h for h in line if int(h.wait_seq) not in left and rank(seats, int(h.wait_seq)) >= 1]
    heads = waiting[:count]
    if len(heads) < count or any(rank(seats, int(h.wait_seq)) != i for i, h in enumerate(heads, 1)):
        return []
    return heads


def _promote_actions(now: dt.datetime) -> list[Any]:
    return [
        Registration.status.set("confirmed"),
        Registration.wait_seq.remove(),
        Registration.promoted_at.set(now),
        Registration.updated_at.set(now),
    ]


def _head_condition(head: Registration) -> Any:
    return (Registration.status == "waitlisted") & (Registration.wait_seq == head.wait_seq)


def _cancel_actions(registration: Registration, now: dt.datetime) -> list[Any]:
    actions: list[Any] = [
        Registration.status.set("cancelled"),
        Registration.cancelled_at.set(now),
        Registration.updated_at.set(now),
    ]
    if registration.status == "waitlisted":
        actions.append(Registration.wait_seq.remove())
    return actions


def cancel(registration: Registration, audit: AuditEntry) -> str:
    """Cancel one registration in one transaction: a place in line is left (its ticket counted
    as gone), a confirmed seat is released — the promotion that follows (`promote_heads`) hands
    it on, so concurrent cancels never race each other for the same head. Returns 'cancelled',
    'changed' (not in the state it was read in) or 'closed' (the event is no longer published)."""
    ensure_bound()
    was = registration.status
    if was == "waitlisted":
        seats_actions = [
            EventSeats.waitlist_length.add(-1),
            EventSeats.waitlist_left.add({int(registration.wait_seq)}),
        ]
    else:
        seats_actions = [
            EventSeats.seats_taken.add(-1),
            EventSeats.seats_released.add(1),
        ]
    tx = Transaction()
    tx.update(
        registration,
        _cancel_actions(registration, _now()),
        condition=Registration.status == was,
        name="registration",
    )
    tx.update(
        _seats_key(registration.event_id),
        seats_actions,
        condition=EventSeats.status == "published",
        name="seats",
    )
    tx.put(audit, name="audit")
    try:
        tx.commit()
    except Cancelled as cancelled:
        return "changed" if "registration" in cancelled.failed else "closed"
    return "cancelled"


def promote_heads(
    seats: EventSeats,
    heads: list[Registration],
    audits: list[AuditEntry],
    *,
    answers: int | None = None,
    predicted: bool = False,
) -> tuple[str, EventSeats | None]:
    """Give free seats to the first `len(heads)` in line, all in one transaction (the seats, the
    heads and `audits` within MAX_ACTIONS: registration.PROMOTE_BATCH): ('promoted', None), or
    ('stale', the seats as they stand if their own condition failed — else None): a head was
    promoted or left meanwhile, the seats are gone, a ticket is in flight; decide again on a
    fresh read. Idempotent: every head's condition is its waiting status, so a person is
    promoted at most once whoever runs this.

    `predicted`: `seats` is a prediction (a read before the caller's own cancel, plus that
    cancel), so the seats must still count exactly its releases. `answers`: this promotion
    fills every seat free in `seats`; its releases counter is recorded (only ever upwards) so
    that cancellers whose release it covered stop."""
    ensure_bound()
    now = _now()
    count = len(heads)
    actions: list[Any] = [
        EventSeats.seats_taken.add(count),
        EventSeats.waitlist_length.add(-count),
        EventSeats.waitlist_promoted.add(count),
    ]
    condition = _no_ticket_in_flight()
    if predicted:
        # A prediction names the caller's own release only if nothing was released between its
        # read and its cancel. A real read needs no such check: every seat free at that read is
        # filled (each head's condition and the seat count guard the rest), and releases after
        # it have numbers above `answers`, so their cancellers go on promoting.
        released = int(seats.seats_released or 0)
        condition = condition & (
            (EventSeats.seats_released == released)
            if released
            else (EventSeats.seats_released.does_not_exist() | (EventSeats.seats_released == 0))
        )
    if answers is not None:
        actions.append(EventSeats.releases_answered.set(answers))
        condition = condition & (
            EventSeats.releases_answered.does_not_exist() | (EventSeats.releases_answered < answers)
        )
    tx = Transaction()
    tx.update(
        _seats_key(seats.element_id),
        actions,
        condition=(EventSeats.status == "published")
        & (EventSeats.capacity == seats.capacity)
        & (EventSeats.seats_taken <= int(seats.capacity or 0) - count)
        & condition,
        name="seats",
        # A failed condition hands back the seats as they stand: a free re-read.
        old_on_failure=True,
    )
    for i, head in enumerate(heads):
        tx.update(head, _promote_actions(now), condition=_head_condition(head), name=f"head{i}")
    for i, audit in enumerate(audits):
        tx.put(audit, name=f"audit{i}")
    try:
        tx.commit()
    except Cancelled as cancelled:
        raw = cancelled.old_items.get("seats")
        return "stale", EventSeats.from_raw_data(raw) if raw else None
    return "promoted", None


def for_event(
    event_id: str, *, limit: int, cursor: dict[str, Any] | None = None
) -> tuple[list[Registration], dict[str, Any] | None]:
    """One page of an event's registrations (one Query on its partition)."""
    ensure_bound()
    result = Registration.query(event_id, limit=limit, last_evaluated_key=cursor)
    items = list(result)
    return items, result.last_evaluated_key


def iter_for_event(event_id: str) -> Iterator[Registration]:
    """Every registration of an event (exports and attendance: work proportional to the event,
    one Query page per ~1 MB)."""
    ensure_bound()
    yield from Registration.query(event_id)


def decode_person_cursor(cursor: str | None, oid: str) -> dict[str, Any] | None:
    """A start key of this person's own registrations page (by-person index), or ValueError."""
    return cursors.decode(cursor, keys={"event_id", "oid", "registered_key"}, fixed={"oid": oid})


def encode_cursor(last_key: dict[str, Any] | None) -> str | None:
    return cursors.encode(last_key)


def for_person(
    oid: str, *, limit: int, cursor: dict[str, Any] | None = None
) -> tuple[list[Registration], dict[str, Any] | None]:
    """A person's registrations, newest first (one Query on the by-person index)."""
    ensure_bound()
    result = Registration.by_person.query(
        oid, scan_index_forward=False, limit=limit, last_evaluated_key=cursor
    )
    items = list(result)
    return items, result.last_evaluated_key


def events_by_id(event_ids: list[str]) -> dict[str, CatalogElement]:
    """The events behind a page of registrations: one BatchGetItem per 100 ids."""
    ensure_bound()
    unique = list(dict.fromkeys(event_ids))
    if not unique:
        return {}
    return {e.element_id: e for e in CatalogElement.batch_get(unique)}


def seats_by_id(event_ids: list[str]) -> dict[str, EventSeats]:
    """The seats of each of several events (positions in line, seat counts of a list): one
    BatchGetItem per 100 ids."""
    ensure_bound()
    unique = list(dict.fromkeys(event_ids))
    found = {s.element_id: s for s in EventSeats.batch_get(unique)} if unique else {}
    return {i: found.get(i) or no_seats(i) for i in unique}


def mark_event_cancelled(event_id: str, *, limit: int) -> int:
    """Mark up to `limit` active registrations of a cancelled event `event_cancelled`.

    Runs after the event's own status changed: every registration transaction is conditioned on
    the event being published (the seats' copy of its status, written with it), so these items
    no longer change under us.
    """
    ensure_bound()
    now = _now()
    marked = 0
    with Registration.batch_write() as batch:
        for reg in Registration.query(
            event_id, filter_condition=Registration.status.is_in("confirmed", "waitlisted")
        ):
            reg.status = "event_cancelled"
            reg.wait_seq = None
            reg.cancelled_at = now
            reg.updated_at = now
            batch.save(reg)
            marked += 1
            if marked >= limit:
                break
    return marked


def _store_minutes(registration: Registration, actions: list[Any]) -> None:
    try:
        registration.update(actions=actions, condition=Registration.status == "confirmed")
    except UpdateError as err:
        if err.cause_response_code != "ConditionalCheckFailedException":
            raise
        # Cancelled meanwhile: attendance belongs to confirmed participants only.


def record_attendance(
    registration: Registration,
    day: str,
    minutes: int,
    code_fields: dict[str, Any] | None,
    audit: AuditEntry,
) -> ConfirmationCode | None:
    """Store a day's minutes and, when `code_fields` is given, issue that day's code — unless one
    was issued before (the registration's `codes[day]` condition makes re-posting harmless).
    Returns the new code, or None when none was issued now."""
    ensure_bound()
    now = _now()
    actions: list[Any] = [
        Registration.attendance[day].set(minutes),
        Registration.updated_at.set(now),
    ]
    if code_fields is None or day in as_dict(registration.codes):
        _store_minutes(registration, actions)
        return None
    tx = Transaction()
    item = codes_repo.issue_in(tx, **code_fields)
    tx.update(
        registration,
        [*actions, Registration.codes[day].set(item.code)],
        condition=(Registration.status == "confirmed") & Registration.codes[day].does_not_exist(),
        name="registration",
    )
    tx.put(audit, name="audit")
    # The events dashboard counts codes on write (bounded reads per view).
    dashboard_repo.count_code_issued(tx, str(registration.event_id))
    try:
        tx.commit()
    except Cancelled as cancelled:
        if "registration" in cancelled.failed:
            # Issued concurrently by another request, or no longer confirmed: store minutes only.
            _store_minutes(registration, actions)
            return None
        raise
    return item
