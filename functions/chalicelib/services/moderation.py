"""Moderator use cases: the review queue and the decision — publish (the event enters the public
catalog under each of its specialties) or reject with a reason the organizer reads. Moderators
never change an event's content."""

from __future__ import annotations

from typing import Any

from ..db import audit_repo, events_repo, registrations_repo
from ..db.models import Specialist
from ..domain.dates import utcnow
from ..domain.events import can_move, check_can_submit, validate_reason
from ..errors import Conflict, Forbidden, InvalidInput, NotFound
from .organizer_events import organizer_view, organizer_views

QUEUE_STATUSES = ("on_review", "published", "rejected")


def queue(params: dict[str, str]) -> dict[str, Any]:
    status = params.get("status", "on_review")
    if status not in QUEUE_STATUSES:
        raise InvalidInput("Статус: on_review, published или rejected.", field="status")
    return {"items": organizer_views(events_repo.by_status(status))}


def get_for_review(event_id: str) -> dict[str, Any]:
    event, seats = events_repo.get_event_and_seats(event_id)
    if event is None or event.status == "draft":
        raise NotFound("Мероприятие не найдено.", field="id")
    return organizer_view(event, seats)


def decide(person: Specialist, event_id: str, body: dict[str, Any]) -> dict[str, Any]:
    decision = body.get("decision")
    if decision not in ("publish", "reject"):
        raise InvalidInput(
            "Решение: publish (опубликовать) или reject (отклонить).", field="decision"
        )
    reason = validate_reason(body.get("reason")) if decision == "reject" else None
    previous = events_repo.get_event(event_id)
    if previous is None or previous.status == "draft":
        raise NotFound("Мероприятие не найдено.", field="id")
    if person.organization_id and previous.organizer_id == person.organization_id:
        raise Forbidden(
            "Мероприятие вашей организации рассматривает другой модератор.",
            code="own_organization",
        )
    target = "published" if decision == "publish" else "rejected"
    if not can_move(previous.status, target):
        raise Conflict("Решение уже принято: мероприятие не на рассмотрении.", code="not_on_review")
    now = utcnow()
    if target == "published":
        try:
            check_can_submit(previous.days[0].starts_at if previous.days else None, now)
        except InvalidInput as err:
            raise Conflict(
                "Мероприятие уже началось — опубликовать его нельзя; отклоните с причиной.",
                code="already_started",
            ) from err
    event = events_repo.copy_of(previous)
    event.status = target
    event.rejection_reason = reason
    event.version = int(previous.version or 0) + 1
    event.updated_at = now
    if target == "published":
        event.published_at = now
    audit = audit_repo.new_entry(
        f"event#{event_id}",
        person.oid,
        decision,
        {"status": previous.status},
        {"status": target, "reason": reason},
    )
    try:
        events_repo.replace(event, previous, audit)
    except events_repo.StaleEvent as err:
        raise Conflict(
            "Решение по мероприятию уже принято другим модератором.", code="stale"
        ) from err
    # Only an event on review is decided: nobody could register for it yet.
    return organizer_view(event, registrations_repo.no_seats(event_id))
