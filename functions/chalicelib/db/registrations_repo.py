"""Registration storage: seats, the waiting list, promotion, attendance — each change one
DynamoDB transaction whose conditions carry the invariants:

* a seat: the event item's `seats_taken < capacity` (and nobody waiting) together with the
  registration's `attribute_not_exists`, so seats are never oversold and two clicks never make two;
* the waiting list: a ticket from an atomic ADD on the event's `waitlist_seq` (stable order), the
  count of waiting people in `waitlist_length`, the line itself in the sparse `waitlist` index;
* promotion: each head's `status = waitlisted` condition, so a person is promoted once, and the
  event's `waitlist_promoted` counter, so a position is ticket − promoted − left tickets below it
  (one item read, however long the line).

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
from .models import AuditEntry, CatalogElement, ConfirmationCode, Registration, Specialist
from .transactions import Cancelled, Transaction


def _now() -> dt.datetime:
    return utcnow()  # the one clock (domain/dates)


def _event_key(event_id: str) -> CatalogElement:
    # Only the key matters to update/condition-check in a transaction.
    return CatalogElement(element_id=event_id)


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


def event_and_registration(
    event_id: str, oid: str
) -> tuple[CatalogElement | None, Registration | None]:
    """The event and this person's registration in one consistent BatchGetItem (two tables, one
    call: registering and cancelling need both before deciding). Non-event ids give no event."""
    event, reg = reads.one_each([_event_wanted(event_id), _registration_wanted(event_id, oid)])
    return _only_event(event), reg


def person_event_and_registration(
    oid: str, event_id: str
) -> tuple[Specialist | None, CatalogElement | None, Registration | None]:
    """The same read with the person's own record besides (the session check,
    services/sessions.person_in_session), still one BatchGetItem. The person is read as
    `people_repo.get_specialist` reads it."""
    person, event, reg = reads.one_each(
        [
            (Specialist, {"oid": oid}, False),
            _event_wanted(event_id),
            _registration_wanted(event_id, oid),
        ]
    )
    return person, _only_event(event), reg


def _event_wanted(event_id: str) -> reads.Wanted:
    return (CatalogElement, {"element_id": event_id}, True)


def _registration_wanted(event_id: str, oid: str) -> reads.Wanted:
    return (Registration, {"event_id": event_id, "oid": oid}, True)


def _only_event(element: CatalogElement | None) -> CatalogElement | None:
    return element if element is not None and element.kind == "event" else None


def _may_write_registration() -> Any:
    # A person re-registering after cancelling reuses their item; anything active is theirs already.
    return Registration.oid.does_not_exist() | Registration.status.is_in(
        "cancelled", "event_cancelled"
    )


def seat_condition() -> Any:
    """The invariant of a confirmed seat, checked on the event item inside the transaction."""
    return (
        (CatalogElement.status == "published")
        & (CatalogElement.seats_taken < CatalogElement.capacity)
        # With people in line a freed seat is theirs, not a newcomer's.
        & (CatalogElement.waitlist_length == 0)
    )


def _no_ticket_in_flight() -> Any:
    """No ticket is handed out but not yet in line. Promotion waits for this: otherwise a person
    behind an in-flight ticket could be promoted first and the counters' positions would skip the
    ticket. The joiner, once in line, runs the promotion itself (services.registration)."""
    return CatalogElement.waitlist_pending.does_not_exist() | (CatalogElement.waitlist_pending <= 0)


def _insert(
    registration: Registration,
    audit: AuditEntry,
    *,
    event_actions: list[Any],
    event_condition: Any,
    done: str,
    refused: str,
    refused_while_published: str | None = None,
) -> str:
    """One transaction: the event's counters move under its condition, the registration is
    written unless the person already holds one, the audit entry goes with them. Returns `done`,
    'exists' (the registration's condition failed) or `refused` (the event's did) — or, when
    given, `refused_while_published` if the event's condition failed although the event is
    still published (the stored event comes back with the failure: no read)."""
    tx = Transaction()
    tx.update(
        _event_key(registration.event_id),
        event_actions,
        condition=event_condition,
        name="event",
        old_on_failure=refused_while_published is not None,
    )
    tx.put(registration, condition=_may_write_registration(), name="registration")
    tx.put(audit, name="audit")
    try:
        tx.commit()
    except Cancelled as cancelled:
        if "registration" in cancelled.failed:
            return "exists"
        raw = cancelled.old_items.get("event")
        if refused_while_published and raw:
            if CatalogElement.from_raw_data(raw).status == "published":
                return refused_while_published
        return refused
    return done


def take_seat(registration: Registration, audit: AuditEntry) -> str:
    """Confirm a seat: 'confirmed', 'exists' (the person already holds one or a place in line), or
    'no_seat' (full, someone waiting, or no longer open — the caller re-reads the event)."""
    return _insert(
        registration,
        audit,
        event_actions=[CatalogElement.seats_taken.add(1)],
        event_condition=seat_condition(),
        done="confirmed",
        refused="no_seat",
    )


def take_ticket(event_id: str) -> CatalogElement | None:
    """The next waiting-list ticket: an atomic ADD (numbers only grow, so order is stable) that also
    marks the ticket in flight. Returns the event as it stands right after (its `waitlist_seq` is
    the ticket), or None when the event is no longer published. The holder must `join_waitlist`
    or `void_ticket` next."""
    ensure_bound()
    event = _event_key(event_id)
    try:
        event.update(
            actions=[CatalogElement.waitlist_seq.add(1), CatalogElement.waitlist_pending.add(1)],
            condition=CatalogElement.status == "published",
        )
    except UpdateError as err:
        if err.cause_response_code == "ConditionalCheckFailedException":
            return None
        raise
    return event


def _no_seat_waits_for_the_line() -> Any:
    """Once this ticket is in line, nobody need be promoted: no seat is free, or another ticket
    is still in flight (its holder, joining after us, runs the promotion)."""
    return (CatalogElement.seats_taken >= CatalogElement.capacity) | (
        CatalogElement.waitlist_pending > 1
    )


def join_waitlist(registration: Registration, audit: AuditEntry) -> str:
    """Put a registration holding a ticket (`wait_seq`) in line: 'waitlisted'; 'promote' (in
    line, but a seat is free and ours was the last ticket in flight, so the caller runs the
    promotion); 'exists' or 'closed' (the event stopped being published). On 'exists' and
    'closed' the caller voids the ticket.

    The usual join is one transaction whose event condition also says that no seat waits for
    the line, so the caller needs no read afterwards to know it has nothing more to do."""
    actions = [CatalogElement.waitlist_length.add(1), CatalogElement.waitlist_pending.add(-1)]
    outcome = _insert(
        registration,
        audit,
        event_actions=actions,
        event_condition=(CatalogElement.status == "published") & _no_seat_waits_for_the_line(),
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
        event_actions=actions,
        event_condition=CatalogElement.status == "published",
        done="promote",
        refused="closed",
    )


def void_ticket(event_id: str, ticket: int) -> None:
    """A ticket that never made it into line counts as having left it (positions stay exact)."""
    ensure_bound()
    _event_key(event_id).update(
        actions=[
            CatalogElement.waitlist_pending.add(-1),
            CatalogElement.waitlist_left.add({ticket}),
        ]
    )


def waitlist_heads(event_id: str, count: int) -> list[Registration]:
    """The first `count` in line (keys and ticket only): one Query on the sparse index."""
    ensure_bound()
    return list(Registration.waitlist.query(event_id, limit=count))


def rank(event: CatalogElement, wait_seq: int) -> int:
    """The rank of a ticket still in line, from the event item alone (no Query): ≥ 1 for a
    ticket that waits, ≤ 0 for one already promoted.

    Tickets below `wait_seq` were each promoted, left the line, or still wait. Promotion takes
    the line strictly from the head and never while a ticket is in flight, so every promoted
    ticket is below any waiting one: rank = ticket − promoted − (left tickets below it). For a
    promoted ticket everything below it was promoted or left, which makes the same sum ≤ 0.
    """
    left = event.waitlist_left or set()
    below = sum(1 for t in left if int(t) < wait_seq)
    return int(wait_seq) - int(event.waitlist_promoted or 0) - below


def position(event: CatalogElement, wait_seq: int) -> int:
    """1-based position among those still waiting (`rank`), for a ticket known to wait."""
    return max(1, rank(event, wait_seq))


def still_first(line: list[Registration], event: CatalogElement, count: int) -> list[Registration]:
    """The first `count` still waiting, taken from `line` — the head of the line as queried
    earlier — when the event's counters show it still covers them (their ranks run 1…count);
    else [] (query again). A line once read stays a prefix of the waiting: joining adds only
    higher tickets, so nobody who waits below one of these can be missing from it. Any read of
    the event will do: each head's own condition (still waiting with that ticket) guards the
    promotion that uses them."""
    left = event.waitlist_left or set()
    waiting = [h for h in line if int(h.wait_seq) not in left and rank(event, int(h.wait_seq)) >= 1]
    heads = waiting[:count]
    if len(heads) < count or any(rank(event, int(h.wait_seq)) != i for i, h in enumerate(heads, 1)):
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
        event_actions = [
            CatalogElement.waitlist_length.add(-1),
            CatalogElement.waitlist_left.add({int(registration.wait_seq)}),
        ]
    else:
        event_actions = [
            CatalogElement.seats_taken.add(-1),
            CatalogElement.seats_released.add(1),
        ]
    tx = Transaction()
    tx.update(
        registration,
        _cancel_actions(registration, _now()),
        condition=Registration.status == was,
        name="registration",
    )
    tx.update(
        _event_key(registration.event_id),
        event_actions,
        condition=CatalogElement.status == "published",
        name="event",
    )
    tx.put(audit, name="audit")
    try:
        tx.commit()
    except Cancelled as cancelled:
        return "changed" if "registration" in cancelled.failed else "closed"
    return "cancelled"


def promote_heads(
    event: CatalogElement,
    heads: list[Registration],
    audits: list[AuditEntry],
    *,
    answers: int | None = None,
    predicted: bool = False,
) -> tuple[str, CatalogElement | None]:
    """Give free seats to the first `len(heads)` in line, all in one transaction (the event, the
    heads and `audits` within MAX_ACTIONS: registration.PROMOTE_BATCH): ('promoted', None), or
    ('stale', the event as it stands if its own condition failed — else None): a head was promoted or left meanwhile, the seats are gone, a
    ticket is in flight; decide again on a fresh read. Idempotent: every head's
    condition is its waiting status, so a person is promoted at most once whoever runs this.

    `predicted`: `event` is a prediction (a read before the caller's own cancel, plus that
    cancel), so the event must still count exactly its releases. `answers`: this promotion fills every seat
    free in `event`; its releases counter is recorded (only ever upwards) so that cancellers
    whose release it covered stop."""
    ensure_bound()
    now = _now()
    count = len(heads)
    actions: list[Any] = [
        CatalogElement.seats_taken.add(count),
        CatalogElement.waitlist_length.add(-count),
        CatalogElement.waitlist_promoted.add(count),
    ]
    condition = _no_ticket_in_flight()
    if predicted:
        # A prediction names the caller's own release only if nothing was released between its
        # read and its cancel. A real read needs no such check: every seat free at that read is
        # filled (each head's condition and the seat count guard the rest), and releases after
        # it have numbers above `answers`, so their cancellers go on promoting.
        released = int(event.seats_released or 0)
        condition = condition & (
            (CatalogElement.seats_released == released)
            if released
            else (
                CatalogElement.seats_released.does_not_exist()
                | (CatalogElement.seats_released == 0)
            )
        )
    if answers is not None:
        actions.append(CatalogElement.releases_answered.set(answers))
        condition = condition & (
            CatalogElement.releases_answered.does_not_exist()
            | (CatalogElement.releases_answered < answers)
        )
    tx = Transaction()
    tx.update(
        _event_key(event.element_id),
        actions,
        condition=(CatalogElement.status == "published")
        & (CatalogElement.capacity == event.capacity)
        & (CatalogElement.seats_taken <= int(event.capacity or 0) - count)
        & condition,
        name="event",
        # A failed event condition hands back the event as it stands: a free re-read.
        old_on_failure=True,
    )
    for i, head in enumerate(heads):
        tx.update(head, _promote_actions(now), condition=_head_condition(head), name=f"head{i}")
    for i, audit in enumerate(audits):
        tx.put(audit, name=f"audit{i}")
    try:
        tx.commit()
    except Cancelled as cancelled:
        raw = cancelled.old_items.get("event")
        return "stale", CatalogElement.from_raw_data(raw) if raw else None
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


def mark_event_cancelled(event_id: str, *, limit: int) -> int:
    """Mark up to `limit` active registrations of a cancelled event `event_cancelled`.

    Runs after the event's own status changed: every registration transaction is conditioned on
    the event being published, so these items no longer change under us.
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
