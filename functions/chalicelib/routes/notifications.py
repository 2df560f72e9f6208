"""Notification routes: the cabinet's feed, preferences and address (session), and the two
links in mails that need no login — address confirmation and one-click unsubscribe (RFC 8058).

A GET of a mail link only shows a page with a button: mail scanners fetch links, and a GET
must not use up a single-use confirmation or unsubscribe anybody. The POST does the work.
"""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import quote

from chalice import Blueprint, Response

from ..errors import DomainError
from ..web import json_body, json_response, query_params
from .session import authenticated

# Each handler imports the services it calls: a cold start loads none (see routes/__init__.py).
bp = Blueprint(__name__)
_FORM_TYPES = ["application/x-www-form-urlencoded", "application/json", "text/plain"]


@bp.route("/api/me/notifications", methods=["GET"])
def my_notifications() -> Any:
    """Лента уведомлений: что портал сообщил мне, новые сверху."""
    from ..services import notifications

    person = authenticated(bp.current_request)
    return json_response(notifications.feed_view(person.oid))


@bp.route("/api/me/notifications/preferences", methods=["GET"])
def my_notification_preferences() -> Any:
    """Адрес для уведомлений и какие виды писем включены."""
    from ..services import contacts

    person = authenticated(bp.current_request)
    return json_response(contacts.settings_view(person))


@bp.route("/api/me/notifications/preferences", methods=["PUT"])
def update_my_notification_preferences() -> Any:
    """Включить или выключить виды уведомлений: {kinds: {вид: true|false}}."""
    from ..services import contacts

    request = bp.current_request
    person = authenticated(request)
    return json_response(contacts.update_preferences(person, json_body(request)))


@bp.route("/api/me/email", methods=["PUT"])
def change_my_email() -> Any:
    """Указать новый адрес: он заработает после перехода по ссылке из письма на него."""
    from ..services import contacts

    request = bp.current_request
    person = authenticated(request)
    return json_response(contacts.request_email_change(person, json_body(request)), status=202)


def _page(title: str, text: str, status: int, form_action: str | None = None) -> Response:
    button = (
        f'<form method="post" action="{html.escape(form_action)}">'
        '<button type="submit">Подтвердить</button></form>'
        if form_action
        else '<p><a href="/cabinet/#notifications">Перейти в личный кабинет</a></p>'
    )
    body = (
        '<!doctype html><html lang="ru"><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<style>body{font:1.05rem/1.5 system-ui,sans-serif;max-width:36rem;margin:2rem auto;"
        "padding:0 1rem}button{font:inherit;padding:.6rem 1.4rem}</style>"
        f"<title>{html.escape(title)}</title><h1>{html.escape(title)}</h1>"
        f"<p>{html.escape(text)}</p>{button}</html>"
    )
    return Response(
        body=body,
        status_code=status,
        headers={"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"},
    )


def _error_page(err: DomainError) -> Response:
    return _page("Ссылка не сработала", err.message, err.status)


def _token() -> Any:
    return query_params(bp.current_request).get("token")


@bp.route("/api/notifications/email/confirm", methods=["GET"])
def confirm_email_page() -> Any:
    """Страница подтверждения адреса (кнопка; сам GET ничего не меняет)."""
    token = _token()
    action = "/api/notifications/email/confirm?token=" + quote(str(token or ""), safe="")
    return _page(
        "Подтверждение адреса", "Нажмите кнопку, чтобы получать письма на этот адрес.", 200, action
    )


@bp.route("/api/notifications/email/confirm", methods=["POST"], content_types=_FORM_TYPES)
def confirm_email() -> Any:
    """Подтвердить адрес по ссылке из письма (срабатывает один раз)."""
    from ..services import contacts

    try:
        contacts.confirm_email(_token())
    except DomainError as err:
        return _error_page(err)
    return _page("Адрес подтверждён", "Уведомления портала будут приходить на этот адрес.", 200)


@bp.route("/api/notifications/unsubscribe", methods=["GET"])
def unsubscribe_page() -> Any:
    """Страница отписки (кнопка; сам GET ничего не меняет)."""
    token = _token()
    action = "/api/notifications/unsubscribe?token=" + quote(str(token or ""), safe="")
    return _page(
        "Отписка от уведомлений",
        "Нажмите кнопку, чтобы больше не получать такие письма.",
        200,
        action,
    )


@bp.route("/api/notifications/unsubscribe", methods=["POST"], content_types=_FORM_TYPES)
def unsubscribe() -> Any:
    """Отписка в один клик (RFC 8058: почтовая программа шлёт List-Unsubscribe=One-Click)."""
    from ..services import contacts

    try:
        done = contacts.unsubscribe(_token())
    except DomainError as err:
        return _error_page(err)
    return _page(
        "Вы отписались",
        f"Письма «{done['label']}» больше не придут. Включить их снова можно в личном кабинете.",
        200,
    )
