"""Organizer's tools: own events, review submission, seats, cancellation, participants,
attendance and confirmation codes. Every route checks the role and the event's ownership."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from ..services import organizer_events
from ..web import file_response, json_body, json_response, query_params
from . import session

bp = Blueprint(__name__)

ROLE = "organizer"


def _organizer() -> Any:
    return session.authenticated(bp.current_request, role=ROLE)


@bp.route("/api/organizer/events", methods=["GET"])
def list_events() -> Any:
    """Мероприятия моей организации со статусами."""
    return json_response(organizer_events.list_own(_organizer()))


@bp.route("/api/organizer/events", methods=["POST"])
def create_event() -> Any:
    """Создать черновик мероприятия; ошибка называет неверное поле."""
    person = _organizer()
    return json_response(organizer_events.create_event(person, json_body(bp.current_request)), 201)


@bp.route("/api/organizer/events/{event_id}", methods=["GET"])
def get_event(event_id: str) -> Any:
    """Своё мероприятие со статусом, причиной отклонения и счётчиками мест."""
    return json_response(organizer_events.get_own(_organizer(), event_id))


@bp.route("/api/organizer/events/{event_id}", methods=["PUT"])
def update_event(event_id: str) -> Any:
    """Изменить черновик или отклонённое мероприятие; после публикации — только число мест."""
    person = _organizer()
    return json_response(
        organizer_events.update_event(person, event_id, json_body(bp.current_request))
    )


@bp.route("/api/organizer/events/{event_id}/submit", methods=["POST"])
def submit_event(event_id: str) -> Any:
    """Отправить черновик на рассмотрение модератору."""
    return json_response(organizer_events.submit_event(_organizer(), event_id))


@bp.route("/api/organizer/events/{event_id}/cancel", methods=["POST"])
def cancel_event(event_id: str) -> Any:
    """Отменить опубликованное мероприятие (участники увидят это в кабинете)."""
    person = _organizer()
    return json_response(
        organizer_events.cancel_event(person, event_id, json_body(bp.current_request))
    )


@bp.route("/api/organizer/events/{event_id}/registrations", methods=["GET"])
def participants(event_id: str) -> Any:
    """Список участников: json, csv или xlsx (ФИО без СНИЛС)."""
    person = _organizer()
    fmt = organizer_events.parse_format(query_params(bp.current_request))
    body, content_type, name = _attendance().participants(person, event_id, fmt)
    if fmt == "json":
        return json_response(body)
    return file_response(body, content_type, name)


@bp.route("/api/organizer/events/{event_id}/attendance", methods=["POST"])
def record_attendance(event_id: str) -> Any:
    """Внести минуты присутствия по дням и выдать коды подтверждения прошедшим порог."""
    person = _organizer()
    return json_response(
        _attendance().record_attendance(person, event_id, json_body(bp.current_request))
    )


def _attendance() -> Any:
    """Attendance and the participants export (CSV/XLSX) load on first use, not at cold start."""
    from ..services import attendance

    return attendance
