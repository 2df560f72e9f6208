"""The personal cabinet (me): cycles, credits, codes, exports, history, consent, specialties.

Every route works on the session's own person only: no route takes a person id.
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from ..domain.rules import rule_set_choices
from ..http import json_body, json_response, query_params
from ..services import cabinet, codes, credit_export, credits
from ..services.sessions import authenticated

bp = Blueprint(__name__)


@bp.route("/api/me/cycles", methods=["GET"])
def my_cycles() -> Any:
    """Мои циклы НМО: сроки, требования, набранные и недостающие ЗЕТ, статус."""
    person = authenticated(bp.current_request)
    return json_response({"items": credits.cycles_view(person)})


@bp.route("/api/me/credits", methods=["GET"])
def my_credits() -> Any:
    """Мои зачтённые элементы, новые сверху; фильтр specialty, страницы по cursor."""
    request = bp.current_request
    person = authenticated(request)
    return json_response(credits.list_credits(person, query_params(request)))


@bp.route("/api/me/credits/codes", methods=["POST"])
def redeem_code() -> Any:
    """Ввести индивидуальный код подтверждения: зачесть мероприятие."""
    request = bp.current_request
    person = authenticated(request)
    return json_response(codes.redeem(person, json_body(request)), status=201)


@bp.route("/api/me/credits/export", methods=["GET"])
def export_credits() -> Any:
    """Выгрузить весь учёт ЗЕТ: format=csv, json или xlsx."""
    request = bp.current_request
    person = authenticated(request)
    body, content_type, filename = credit_export.export(person, query_params(request).get("format"))
    headers: dict[str, str | list[str]] = {
        "Content-Type": content_type,
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
    }
    if content_type.startswith(("text/", "application/json")):
        return Response(body=body.decode("utf-8"), status_code=200, headers=headers)
    return Response(body=body, status_code=200, headers=headers)


@bp.route("/api/me/history", methods=["GET"])
def my_history() -> Any:
    """История изменений моего учёта: зачёты, исправления, специальности, согласия."""
    person = authenticated(bp.current_request)
    return json_response(credits.history_view(person))


@bp.route("/api/me/consent", methods=["PUT"])
def my_consent() -> Any:
    """Дать или отозвать согласие на передачу данных в ЕГИСЗ."""
    request = bp.current_request
    person = authenticated(request)
    return json_response(cabinet.set_consent(person, json_body(request)))


@bp.route("/api/me/specialties", methods=["GET"])
def my_specialties() -> Any:
    """Мои специальности с датами документов о допуске и доступные наборы правил."""
    person = authenticated(bp.current_request)
    return json_response(
        {
            "education_level": person.education_level,
            "specialties": cabinet.specialties_view(person),
            "choices": cabinet.specialty_choices(),
            "rule_sets": rule_set_choices(),
        }
    )


@bp.route("/api/me/specialties", methods=["PUT"])
def update_my_specialties() -> Any:
    """Изменить мои специальности (справочник V021) и даты документов о допуске."""
    request = bp.current_request
    person = authenticated(request)
    return json_response(cabinet.update_specialties(person, json_body(request)))
