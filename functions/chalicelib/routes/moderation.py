"""Moderation: the review queue and the decision (publish or reject with a reason)."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from ..web import json_body, json_response, query_params
from . import session

# Each handler imports the services it calls: a cold start loads none (see routes/__init__.py).
bp = Blueprint(__name__)

ROLE = "moderator"


@bp.route("/api/moderation/events", methods=["GET"])
def review_queue() -> Any:
    """Очередь мероприятий на рассмотрении (status=on_review|published|rejected)."""
    from ..services import moderation

    request = bp.current_request
    session.authenticated(request, role=ROLE)
    return json_response(moderation.queue(query_params(request)))


@bp.route("/api/moderation/events/{event_id}", methods=["GET"])
def review_event(event_id: str) -> Any:
    """Мероприятие для рассмотрения целиком."""
    from ..services import moderation

    session.authenticated(bp.current_request, role=ROLE)
    return json_response(moderation.get_for_review(event_id))


@bp.route("/api/moderation/events/{event_id}/decision", methods=["POST"])
def decide(event_id: str) -> Any:
    """Опубликовать или отклонить мероприятие (причина отклонения обязательна)."""
    from ..services import moderation

    request = bp.current_request
    person = session.authenticated(request, role=ROLE)
    return json_response(moderation.decide(person, event_id, json_body(request)))
