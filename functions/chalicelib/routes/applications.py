"""Applications: the person's own (`/api/me/applications…`) and the reviewers' (`/api/review/…`).

Every applicant route works on the session's own person; a reviewer route answers 404 for an
application the reviewer may not see, exactly as for an unknown id.
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from ..web import file_response, json_body, json_response, query_params
from .session import authenticated

# Each handler imports the services it calls: a cold start loads none (see routes/__init__.py).
bp = Blueprint(__name__)


@bp.route("/api/me/applications/documents", methods=["POST"])
def new_document() -> Any:
    """Загрузить документ к заявлению: адрес и поля формы для загрузки (PDF, JPEG, PNG до 10 МБ)."""
    from ..services import applications

    request = bp.current_request
    person = authenticated(request)
    return json_response(applications.new_document(person, json_body(request)), status=201)


@bp.route("/api/me/applications", methods=["POST"])
def file_application() -> Any:
    """Подать заявление: нет зачёта за мероприятие, за ДПП ПК / ИОМ или ошибка в записи."""
    from ..services import applications

    request = bp.current_request
    person = authenticated(request)
    body, status = applications.submit(person, json_body(request))
    return json_response(body, status=status)


@bp.route("/api/me/applications", methods=["GET"])
def my_applications() -> Any:
    """Мои заявления с датами и статусами, новые сверху."""
    from ..services import applications

    person = authenticated(bp.current_request)
    return json_response(applications.own_list(person))


@bp.route("/api/me/applications/{application_id}", methods=["GET"])
def my_application(application_id: str) -> Any:
    """Моё заявление: что заявлено, документы и каждый шаг рассмотрения (кто и когда)."""
    from ..services import applications

    person = authenticated(bp.current_request)
    return json_response(applications.own_detail(person, application_id))


@bp.route("/api/me/applications/{application_id}/appeal", methods=["POST"])
def appeal(application_id: str) -> Any:
    """Обжаловать отказ (один раз, с комментарием): жалобу рассматривают модераторы."""
    from ..services import applications

    request = bp.current_request
    person = authenticated(request)
    return json_response(applications.appeal(person, application_id, json_body(request)))


@bp.route("/api/me/applications/{application_id}/documents/{document_id}", methods=["GET"])
def my_document(application_id: str, document_id: str) -> Any:
    """Ссылка на свой документ (действует несколько минут)."""
    from ..services import applications

    person = authenticated(bp.current_request)
    return json_response(applications.own_document(person, application_id, document_id))


@bp.route("/api/review/applications", methods=["GET"])
def review_list() -> Any:
    """Заявления на рассмотрении: фильтры status, kind, organization, from, to."""
    from ..services import applications

    request = bp.current_request
    person = authenticated(request)
    return json_response(applications.review_list(person, query_params(request)))


@bp.route("/api/review/applications/counts", methods=["GET"])
def review_counts() -> Any:
    """Число заявлений по статусам (модераторы)."""
    from ..services import applications

    person = authenticated(bp.current_request)
    return json_response(applications.counts(person))


@bp.route("/api/review/applications/export", methods=["GET"])
def review_export() -> Any:
    """Отчёт по заявлениям за период в Excel (XLSX), с теми же фильтрами, что и список."""
    from ..services import applications

    request = bp.current_request
    person = authenticated(request)
    body, content_type, name = applications.export(person, query_params(request))
    return file_response(body, content_type, name)


@bp.route("/api/review/applications/{application_id}", methods=["GET"])
def review_detail(application_id: str) -> Any:
    """Заявление для рассмотрения: что заявлено, документы, шаги."""
    from ..services import applications

    person = authenticated(bp.current_request)
    return json_response(applications.review_detail(person, application_id))


@bp.route("/api/review/applications/{application_id}/documents/{document_id}", methods=["GET"])
def review_document(application_id: str, document_id: str) -> Any:
    """Кратковременная ссылка на документ заявления."""
    from ..services import applications

    person = authenticated(bp.current_request)
    return json_response(applications.review_document(person, application_id, document_id))


@bp.route("/api/review/applications/{application_id}/take", methods=["POST"])
def take(application_id: str) -> Any:
    """Взять заявление на рассмотрение."""
    from ..services import applications

    person = authenticated(bp.current_request)
    return json_response(applications.take(person, application_id))


@bp.route("/api/review/applications/{application_id}/decision", methods=["POST"])
def decide(application_id: str) -> Any:
    """Принять (зачёт создаётся в той же транзакции) или отклонить с причиной."""
    from ..services import applications

    request = bp.current_request
    person = authenticated(request)
    return json_response(applications.decide(person, application_id, json_body(request)))
