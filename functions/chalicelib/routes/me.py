"""The personal cabinet (me): cycles, credits, codes, exports, history, consent, specialties.

Every route works on the session's own person only: no route takes a person id.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from chalice import Blueprint

from ..web import file_response, json_body, json_response, query_params
from .session import authenticated

# Each handler imports the services it calls: a cold start loads none (see routes/__init__.py).
bp = Blueprint(__name__)


@bp.route("/api/me/cycles", methods=["GET"])
def my_cycles() -> Any:
    """Мои циклы НМО: сроки, требования, набранные и недостающие ЗЕТ, статус."""
    from ..services import credits

    person = authenticated(bp.current_request)
    return json_response({"items": credits.cycles_view(person)})


@bp.route("/api/me/credits", methods=["GET"])
def my_credits() -> Any:
    """Мои зачтённые элементы, новые сверху; фильтр specialty, страницы по cursor."""
    from ..services import credits

    request = bp.current_request
    person = authenticated(request)
    return json_response(credits.list_credits(person, query_params(request)))


@bp.route("/api/me/credits/codes", methods=["POST"])
def redeem_code() -> Any:
    """Ввести индивидуальный код подтверждения: зачесть мероприятие."""
    from ..services import codes

    request = bp.current_request
    person = authenticated(request)
    return json_response(codes.redeem(person, json_body(request)), status=201)


@bp.route("/api/me/credits/export", methods=["GET"])
def export_credits() -> Any:
    """Выгрузить весь учёт ЗЕТ: format=csv, json или xlsx."""
    request = bp.current_request
    person = authenticated(request)
    from ..services import credit_export  # exports load in their own routes, not at cold start

    body, content_type, filename = credit_export.export(person, query_params(request).get("format"))
    return file_response(body, content_type, filename)


@bp.route("/api/me/history", methods=["GET"])
def my_history() -> Any:
    """История изменений моего учёта: зачёты, исправления, специальности, согласия."""
    from ..services import credits

    person = authenticated(bp.current_request)
    return json_response(credits.history_view(person))


@bp.route("/api/me/consent", methods=["PUT"])
def my_consent() -> Any:
    """Дать или отозвать согласие на передачу данных в ЕГИСЗ."""
    from ..services import cabinet

    request = bp.current_request
    person = authenticated(request)
    return json_response(cabinet.set_consent(person, json_body(request)))


@bp.route("/api/me/specialties", methods=["GET"])
def my_specialties() -> Any:
    """Мои специальности с датами документов о допуске и доступные наборы правил."""
    from ..domain.rules import pace_choices, rule_set_choices
    from ..services import cabinet

    person = authenticated(bp.current_request)
    return json_response(
        {
            "education_level": person.education_level,
            "specialties": cabinet.specialties_view(person),
            "choices": cabinet.specialty_choices(),
            "rule_sets": rule_set_choices(),
            "paces": pace_choices(),
        }
    )


@bp.route("/api/me/specialties", methods=["PUT"])
def update_my_specialties() -> Any:
    """Изменить мои специальности (справочник V021) и даты документов о допуске."""
    from ..services import cabinet

    request = bp.current_request
    person = authenticated(request)
    return json_response(cabinet.update_specialties(person, json_body(request)))


@bp.route("/api/me/credits/{record_id}/cycle", methods=["PUT"])
def move_my_credit(record_id: str) -> Any:
    """Перенести запись в другой подходящий цикл (специальность, по которой элемент аккредитован)."""
    from ..services import credits

    request = bp.current_request
    person = authenticated(request)
    return json_response(credits.move_credit(person, unquote(record_id), json_body(request)))


@bp.route("/api/me/plan", methods=["GET"])
def my_plan() -> Any:
    """Мой индивидуальный план обучения: элементы по циклам, прогноз по видам, что не покрыто."""
    from ..services import plan

    person = authenticated(bp.current_request)
    return json_response(plan.plan_view(person))


@bp.route("/api/me/plan", methods=["POST"])
def add_to_my_plan() -> Any:
    """Добавить элемент каталога в план цикла: {element_id, specialty}."""
    from ..services import plan

    request = bp.current_request
    person = authenticated(request)
    body, status = plan.add_item(person, json_body(request))
    return json_response(body, status=status)


@bp.route("/api/me/plan/{element_id}", methods=["DELETE"])
def remove_from_my_plan(element_id: str) -> Any:
    """Убрать элемент из плана (specialty — только из плана этого цикла)."""
    from ..services import plan

    request = bp.current_request
    person = authenticated(request)
    return json_response(plan.remove_item(person, element_id, query_params(request)))


@bp.route("/api/me/plan/suggestions", methods=["GET"])
def plan_suggestions() -> Any:
    """Что поможет закрыть разрыв в цикле specialty: не запланированное, не пройденное."""
    from ..services import plan

    request = bp.current_request
    person = authenticated(request)
    return json_response(plan.suggestions(person, query_params(request)))


@bp.route("/api/me/plan/export", methods=["GET"])
def export_my_plan() -> Any:
    """Выгрузить план: format=xlsx (план и прогноз) или ics (запланированные мероприятия)."""
    request = bp.current_request
    person = authenticated(request)
    from ..services import plan_export  # exports load in their own routes, not at cold start

    body, content_type, filename = plan_export.export(person, query_params(request).get("format"))
    return file_response(body, content_type, filename)
