"""Organizer's tools: own events, review submission, seats, cancellation, participants,
attendance and confirmation codes. Every route checks the role and the event's ownership."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from ..web import file_response, json_body, json_response, query_params
from . import session

# Each handler imports the services it calls: a cold start loads none (see routes/__init__.py).
bp = Blueprint(__name__)

ROLE = "organizer"


def _organizer() -> Any:
    return session.authenticated(bp.current_request, role=ROLE)


@bp.route("/api/organizer/events", methods=["GET"])
def list_events() -> Any:
    """Мероприятия моей организации со статусами."""
    from ..services import organizer_events

    return json_response(organizer_events.list_own(_organizer()))


@bp.route("/api/organizer/events", methods=["POST"])
def create_event() -> Any:
    """Создать черновик мероприятия; ошибка называет неверное поле."""
    from ..services import organizer_events

    person = _organizer()
    return json_response(organizer_events.create_event(person, json_body(bp.current_request)), 201)


@bp.route("/api/organizer/events/{event_id}", methods=["GET"])
def get_event(event_id: str) -> Any:
    """Своё мероприятие со статусом, причиной отклонения и счётчиками мест."""
    from ..services import organizer_events

    return json_response(organizer_events.get_own(_organizer(), event_id))


@bp.route("/api/organizer/events/{event_id}", methods=["PUT"])
def update_event(event_id: str) -> Any:
    """Изменить черновик или отклонённое мероприятие; после публикации — только число мест."""
    from ..services import organizer_events

    person = _organizer()
    return json_response(
        organizer_events.update_event(person, event_id, json_body(bp.current_request))
    )


@bp.route("/api/organizer/events/{event_id}/submit", methods=["POST"])
def submit_event(event_id: str) -> Any:
    """Отправить черновик на рассмотрение модератору."""
    from ..services import organizer_events

    return json_response(organizer_events.submit_event(_organizer(), event_id))


@bp.route("/api/organizer/events/{event_id}/cancel", methods=["POST"])
def cancel_event(event_id: str) -> Any:
    """Отменить опубликованное мероприятие (участники увидят это в кабинете)."""
    from ..services import organizer_events

    person = _organizer()
    return json_response(
        organizer_events.cancel_event(person, event_id, json_body(bp.current_request))
    )


@bp.route("/api/organizer/events/{event_id}/registrations", methods=["GET"])
def participants(event_id: str) -> Any:
    """Список участников: json, csv или xlsx (ФИО без СНИЛС)."""
    from ..services import attendance, organizer_events

    person = _organizer()
    fmt = organizer_events.parse_format(query_params(bp.current_request))
    body, content_type, name = attendance.participants(person, event_id, fmt)
    if fmt == "json":
        return json_response(body)
    return file_response(body, content_type, name)


@bp.route("/api/organizer/events/{event_id}/attendance", methods=["POST"])
def record_attendance(event_id: str) -> Any:
    """Внести минуты присутствия по дням и выдать коды подтверждения прошедшим порог."""
    from ..services import attendance

    person = _organizer()
    return json_response(
        attendance.record_attendance(person, event_id, json_body(bp.current_request))
    )
