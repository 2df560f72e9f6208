"""Auth routes: login through Госуслуги (ЕСИА), its callback, logout, and `GET /api/me`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint, Response

from ..web import json_response, query_params
from . import session

if TYPE_CHECKING:
    from ..services.auth import Redirect

# Each handler imports the services it calls: a cold start loads none (see routes/__init__.py).
bp = Blueprint(__name__)


def _redirect(target: Redirect) -> Response:
    headers: dict[str, Any] = {"Location": target.location, "Cache-Control": "no-store"}
    if target.cookies:
        headers["Set-Cookie"] = list(target.cookies)
    return Response(body="", status_code=302, headers=headers)


@bp.route("/api/auth/esia/login", methods=["GET"])
def esia_login() -> Any:
    """Вход через Госуслуги: перенаправление в ЕСИА; next — путь на этом сайте для возврата."""
    from ..services import auth

    request = bp.current_request
    params = query_params(request)
    nonce = session.cookie(request, auth.LOGIN_COOKIE)
    return _redirect(auth.start_login(params.get("next"), nonce))


@bp.route("/api/auth/esia/callback", methods=["GET"])
def esia_callback() -> Any:
    """Возврат из ЕСИА: проверка state, обмен кода на маркеры, вход; иначе — страница помощи."""
    from ..services import auth

    request = bp.current_request
    nonce = session.cookie(request, auth.LOGIN_COOKIE)
    return _redirect(auth.finish_login(query_params(request), nonce))


@bp.route("/api/auth/logout", methods=["POST"])
def logout() -> Any:
    """Выход: завершает сеанс на портале и возвращает адрес выхода из ЕСИА."""
    from ..services import auth

    request = bp.current_request
    session.require_csrf(request)
    logout_url, cookie = auth.logout(session.session_cookie(request))
    return json_response({"logout_url": logout_url}, headers={"Set-Cookie": cookie})


@bp.route("/api/me", methods=["GET"])
def me() -> Any:
    """Кто вошёл: ФИО, маскированный СНИЛС, специальности, роли, CSRF-токен, согласия."""
    from ..services import auth

    request = bp.current_request
    person = session.authenticated(request)
    return json_response(auth.me(person, session.csrf_for_request(request)))
