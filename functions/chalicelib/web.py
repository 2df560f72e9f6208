"""The HTTP edge shared by every route: the one error shape, JSON bodies, size limits.

This is the one place that maps domain errors to HTTP (api.md): `{"error": {code, message, field}}`.
"""

from __future__ import annotations

import json
import logging
import threading
import traceback
from collections.abc import Callable, Mapping
from typing import Any

from chalice import Chalice, Response
from chalice.app import Request, RestAPIEventHandler

from .errors import DomainError, InvalidInput, PayloadTooLarge, TooManyAttempts
from .jsontext import dumps
from .settings import get_settings

log = logging.getLogger("nmo.http")

JSON_TYPE = "application/json; charset=utf-8"


def json_response(
    data: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    merged: dict[str, str | list[str]] = {"Content-Type": JSON_TYPE, "Cache-Control": "no-store"}
    if headers:
        merged.update(headers)
    return Response(body=dumps(data), status_code=status, headers=merged)


def file_response(
    body: bytes | str, content_type: str, filename: str, *, cache: str = "no-store"
) -> Response:
    """A download — every file the API answers with (exports, lists, calendars) has this shape.
    `filename` is ASCII the caller built; `cache` is "no-cache" for public files that may be
    kept but must be revalidated."""
    headers: dict[str, str | list[str]] = {
        "Content-Type": content_type,
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": cache,
        "X-Content-Type-Options": "nosniff",
    }
    if isinstance(body, bytes) and content_type.startswith(("text/", "application/json")):
        body = body.decode("utf-8")  # Chalice sends bytes only for its binary media types
    return Response(body=body, status_code=200, headers=headers)


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "field": field}}


def error_response(err: DomainError) -> Response:
    headers: dict[str, str] = {}
    if isinstance(err, TooManyAttempts):
        headers["Retry-After"] = str(err.retry_after)
    body = error_body(err.code, err.message, err.field)
    if isinstance(err, InvalidInput) and len(err.problems) > 1:
        body["error"]["problems"] = [{"field": f, "message": m} for f, m in err.problems]
    return json_response(body, err.status, headers)


def internal_error_response() -> Response:
    return json_response(
        error_body(
            "internal_error",
            "Внутренняя ошибка сервиса. Попробуйте ещё раз через минуту; "
            "если ошибка повторяется, напишите в поддержку.",
        ),
        500,
    )


def log_unexpected(exc: BaseException, path: str) -> None:
    # Only the type and the stack: exception messages may carry personal data (СНИЛС, names).
    stack = "".join(traceback.format_tb(exc.__traceback__))
    log.error("unhandled %s on %s\n%s", type(exc).__name__, path, stack)


class _PortalEventHandler(RestAPIEventHandler):
    """Chalice's REST handler with the portal's error mapping around every view."""

    def _main_rest_api_handler(self, event: Any, context: Any) -> Response:
        # Chalice answers a wrong method, media type or Accept itself, as {"Code", "Message"} in
        # English: turn those into the contract's error shape, in Russian.
        response = super()._main_rest_api_handler(event, context)
        body = response.body
        if isinstance(body, dict) and set(body) == {"Code", "Message"}:
            return _contract_error(response, event)
        return response

    def _get_view_function_response(
        self, view_function: Callable[..., Any], function_args: dict[str, Any]
    ) -> Response:
        try:
            response = view_function(**function_args)
            if not isinstance(response, Response):
                response = json_response(response)
            self._validate_response(response)
            return response
        except DomainError as err:
            return error_response(err)
        except Exception as exc:  # the last line of defence: never a stack trace outside
            path = getattr(self.current_request, "path", "?")
            log_unexpected(exc, path)
            return internal_error_response()


def _contract_error(response: Response, event: Any) -> Response:
    code = response.body.get("Code")
    method = (event.get("requestContext") or {}).get("httpMethod", "")
    headers = {k: str(v) for k, v in (response.headers or {}).items() if k.lower() == "allow"}
    if response.status_code == 405:
        allowed = headers.get("Allow", "")
        body = error_body(
            "method_not_allowed",
            f"Этот адрес не принимает запросы {method}."
            + (f" Допустимо: {allowed}." if allowed else ""),
        )
        return json_response(body, 405, headers)
    if response.status_code == 415:
        body = error_body(
            "unsupported_media_type",
            "Тело запроса должно быть в формате JSON (Content-Type: application/json).",
        )
        return json_response(body, 415)
    if code == "BadRequest":  # a binary file asked for without accepting it
        body = error_body(
            "not_acceptable",
            "Это файл: запрос должен его принимать (заголовок Accept, например */*).",
        )
        return json_response(body, 406)
    if response.status_code >= 500:
        return internal_error_response()
    body = error_body("invalid_input", "Запрос не понят. Проверьте адрес и параметры.")
    return json_response(body, response.status_code)


class PortalApp(Chalice):
    """Chalice with the portal's error mapping, and a per-thread current request.

    Lambda runs one request per container at a time, but the local server and tests run many
    threads through one app object: Chalice keeps `current_request` on the app, so it is made
    thread-local here.

    Private Chalice API this still relies on (chalice is pinned; tests in
    tests/functional/test_hostile_input.py and the error-shape tests fail if any of it changes):
    `RestAPIEventHandler._main_rest_api_handler` (the only place Chalice's own 405/415/406
    answers can be rewritten into the contract's shape), `_get_view_function_response` and
    `_validate_response` (the one place every view's exception passes through), and
    `Chalice._get_middleware_handlers` (to build the handler exactly as `Chalice.__call__` does).
    Chalice offers no public hook for any of these.
    """

    _local = threading.local()

    @property  # type: ignore[override]
    def current_request(self) -> Request | None:
        return getattr(self._local, "request", None)

    @current_request.setter
    def current_request(self, value: Request | None) -> None:
        self._local.request = value

    @property  # type: ignore[override]
    def lambda_context(self) -> Any:
        return getattr(self._local, "context", None)

    @lambda_context.setter
    def lambda_context(self, value: Any) -> None:
        self._local.context = value

    def __call__(self, event: Any, context: Any) -> dict[str, Any]:
        # Same as Chalice.__call__, with the portal's handler class.
        self.lambda_context = context
        handler = _PortalEventHandler(
            self.routes,
            self.api,
            self.log,
            self.debug,
            middleware_handlers=self._get_middleware_handlers("http"),
        )
        self.current_request = handler.create_request_object(event, context)
        return handler(event, context)


def body_size_guard(request: Request, get_response: Callable[[Request], Response]) -> Response:
    """Refuse bodies over the limit before any view parses them (413)."""
    limit = get_settings().max_body_bytes
    declared = request.headers.get("content-length")
    too_large = False
    if declared is not None:
        try:
            too_large = int(declared) > limit
        except ValueError:
            return error_response(InvalidInput("Неверный заголовок Content-Length."))
    raw = request.raw_body or b""
    if too_large or len(raw) > limit:
        return error_response(
            PayloadTooLarge(
                f"Тело запроса больше {limit // 1024} КБ. Уменьшите объём данных.", field=None
            )
        )
    return get_response(request)


def json_body(request: Request) -> dict[str, Any]:
    """The request body as a JSON object, or a 400 that says what is wrong in Russian."""
    raw = request.raw_body or b""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogatepass")
    if not raw.strip():
        raise InvalidInput("Тело запроса пустое: ожидается JSON-объект.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput("Тело запроса не в кодировке UTF-8.") from exc
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise InvalidInput("Тело запроса не является корректным JSON.") from exc
    if not isinstance(data, dict):
        raise InvalidInput("Тело запроса должно быть JSON-объектом.")
    return data


def query_params(request: Request) -> dict[str, str]:
    return dict(request.query_params or {})


def header(request: Request, name: str) -> str | None:
    value = request.headers.get(name)
    return value if value is None else str(value)
