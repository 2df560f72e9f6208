"""The regional dashboard (role `analyst`), the employer's staff view (role `employer`, bound to
an organization) and the person's choice to share their status with employers."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from chalice import Blueprint

from ..errors import InvalidInput
from ..web import file_response, json_body, json_response, query_params
from . import session

# Each handler imports the services it calls: a cold start loads none (see routes/__init__.py).
bp = Blueprint(__name__)

ANALYST = "analyst"
EMPLOYER = "employer"


# --- ministry -----------------------------------------------------------------------------------


@bp.route("/api/stats/region", methods=["GET"])
def region() -> Any:
    """Специалисты региона по специальностям и месяцам истечения документа (24 месяца)."""
    from ..services import dashboard

    session.authenticated(bp.current_request, role=ANALYST)
    return json_response(dashboard.region_view())


@bp.route("/api/stats/organizations", methods=["GET"])
def organizations() -> Any:
    """Те же показатели по организациям-работодателям (сотрудники, открывшие данные)."""
    from ..services import dashboard

    session.authenticated(bp.current_request, role=ANALYST)
    return json_response(dashboard.organizations_view())


@bp.route("/api/stats/organizations/{org_id}", methods=["GET"])
def organization(org_id: str) -> Any:
    """Одна организация: специальности × месяцы истечения."""
    from ..services import dashboard

    session.authenticated(bp.current_request, role=ANALYST)
    return json_response(dashboard.organization_view(org_id))


@bp.route("/api/stats/events", methods=["GET"])
def events() -> Any:
    """Мероприятия по организаторам и специальностям: опубликовано, записи, лист ожидания,
    посещаемость, коды выданы и введены."""
    from ..services import events_dashboard

    session.authenticated(bp.current_request, role=ANALYST)
    return json_response(events_dashboard.events_view())


@bp.route("/api/stats/export", methods=["GET"])
def export() -> Any:
    """XLSX представления: view=region, organizations или organization (с org_id)."""
    from ..services import dashboard

    request = bp.current_request
    session.authenticated(request, role=ANALYST)
    params = query_params(request)
    return file_response(*dashboard.export(params.get("view", "region"), params.get("org_id")))


# --- employer -----------------------------------------------------------------------------------


def _employer_org() -> str:
    from ..services import staff_list

    return staff_list.employer_of(session.authenticated(bp.current_request, role=EMPLOYER))


@bp.route("/api/stats/employer/staff", methods=["GET"])
def staff() -> Any:
    """Сотрудники моей организации по страницам: limit (до 100), cursor из прошлого ответа.

    По каждому: статус, срок документа, недостающие часы по видам; в ответе cursor следующей
    страницы (null на последней)."""
    from ..services import staff_list

    org_id = _employer_org()
    return json_response(staff_list.staff_view(org_id, params=query_params(bp.current_request)))


@bp.route("/api/stats/employer/staff", methods=["POST"])
def upload_staff() -> Any:
    """Загрузить список сотрудников (CSV/XLSX по СНИЛС): {filename, content (base64), apply}.
    Без apply=true только проверка: что добавится и что уйдёт."""
    from ..services import staff_list

    request = bp.current_request
    org_id = _employer_org()
    person = session.authenticated(request, role=EMPLOYER)
    body = json_body(request)
    filename, content, apply = body.get("filename"), body.get("content"), body.get("apply", False)
    if not isinstance(filename, str) or not filename.strip():
        raise InvalidInput("Укажите имя файла (filename).", field="filename")
    if not isinstance(content, str):
        raise InvalidInput("Содержимое файла (content) — строка base64.", field="content")
    if not isinstance(apply, bool):
        raise InvalidInput("Поле apply — true или false.", field="apply")
    try:
        data = base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput("Содержимое файла (content) — не base64.", field="content") from exc
    cells = staff_list.cells_from_upload(filename, data)
    report = staff_list.upload(org_id, cells, apply=apply, actor=person.oid)
    if report.errors:
        raise InvalidInput(
            report.errors[0],
            field="file",
            problems=[("file", e) for e in report.errors],
        )
    return json_response(report.view(), status=200)


@bp.route("/api/stats/employer/summary", methods=["GET"])
def employer_summary() -> Any:
    """Моя организация: специальности × месяцы истечения (сотрудники, открывшие данные)."""
    from ..services import dashboard

    return json_response(dashboard.organization_view(_employer_org(), beside_others=False))


@bp.route("/api/stats/employer/staff/export", methods=["GET"])
def export_staff() -> Any:
    """XLSX всего списка сотрудников с их статусами."""
    from ..services import staff_list

    return file_response(*staff_list.export(_employer_org()))


# --- the person ---------------------------------------------------------------------------------


@bp.route("/api/me/sharing", methods=["GET"])
def my_sharing() -> Any:
    """Видит ли мой работодатель мой статус по циклам (не список элементов)."""
    from ..services import sharing

    return json_response(sharing.sharing_view(session.authenticated(bp.current_request)))


@bp.route("/api/me/sharing", methods=["PUT"])
def set_my_sharing() -> Any:
    """Включить или отключить показ моего статуса работодателю: {shares_with_employer}."""
    from ..services import sharing

    request = bp.current_request
    person = session.authenticated(request)
    return json_response(sharing.set_sharing(person, json_body(request)))
