"""Registration for events (specialist): register, cancel, the cabinet's list, a calendar file."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from ..web import file_response, json_body, json_response, query_params
from . import session

# Each handler imports the services it calls: a cold start loads none (see routes/__init__.py).
bp = Blueprint(__name__)


@bp.route("/api/events/{event_id}/registrations", methods=["POST"])
def register(event_id: str) -> Any:
    """Записаться на мероприятие: место или лист ожидания; повтор возвращает ту же запись."""
    from ..services import registration

    request = bp.current_request
    claims = session.signed_in(request)
    raw = request.raw_body or b""
    body = json_body(request) if raw.strip() else {}
    data, status = registration.register(claims, event_id, body)
    return json_response(data, status)


@bp.route("/api/events/{event_id}/registrations/me", methods=["GET"])
def my_registration(event_id: str) -> Any:
    """Моя запись на это мероприятие: статус и место в листе ожидания (null, если записи нет)."""
    from ..services import registration

    claims = session.signed_in(bp.current_request)
    return json_response(registration.my_registration(claims, event_id))


@bp.route("/api/events/{event_id}/registrations/me", methods=["DELETE"])
def cancel(event_id: str) -> Any:
    """Отменить свою запись; место переходит первому в листе ожидания."""
    from ..services import registration

    claims = session.signed_in(bp.current_request)
    return json_response(registration.cancel(claims, event_id))


@bp.route("/api/me/registrations", methods=["GET"])
def my_registrations() -> Any:
    """Мои записи на мероприятия: статус и место в листе ожидания."""
    from ..services import registration

    request = bp.current_request
    person = session.authenticated(request)
    return json_response(registration.my_registrations(person, query_params(request)))


@bp.route("/api/events/{event_id}/calendar.ics", methods=["GET"])
def calendar_file(event_id: str) -> Any:
    """Файл календаря (.ics) с днями опубликованного мероприятия."""
    from ..services import event_calendars

    body = event_calendars.event_calendar(event_id)
    return file_response(
        body, "text/calendar; charset=utf-8", f"event-{event_id}.ics", cache="no-cache"
    )
