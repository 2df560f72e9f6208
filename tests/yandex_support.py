"""Yandex API Gateway in a test: HTTP requests become the `cloud_functions` integration's event
(payload format 0.1, as its documentation shows it), are given to `yandex_handler.handler`, and
the function's result is read back the way the gateway turns it into an HTTP answer.

`YandexClient` has the Chalice test client's `http.get/post/put/delete` interface, so
tests.esia_support.Browser drives the whole ЕСИА login through the Yandex entry point.
"""

from __future__ import annotations

import base64
import itertools
import json
import urllib.parse
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

_request_ids = itertools.count(1)


def spec_path(path: str) -> tuple[str, dict[str, str]]:
    """The specification path that matched and its path parameters, as the gateway has them
    (the generated spec has one entry per app route)."""
    from app import app
    from chalicelib.yandex_http import match_route

    found = match_route(path, app.routes)
    return found if found else (path, {})


def yandex_event(
    method: str,
    target: str,
    headers: dict[str, Any] | None = None,
    body: str | bytes | None = None,
    *,
    base64_body: bool = False,
    template: str | None = None,
) -> dict[str, Any]:
    """A request as the `cloud_functions` integration hands it to the function."""
    parts = urllib.parse.urlsplit(target)
    multi_query: dict[str, list[str]] = {}
    for name, value in urllib.parse.parse_qsl(parts.query, keep_blank_values=True):
        multi_query.setdefault(name, []).append(value)
    multi_headers: dict[str, list[str]] = {
        "Accept": ["*/*"],
        "Host": ["nmo.example.ru"],
        "User-Agent": ["Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"],
        "X-Forwarded-For": ["203.0.113.7"],
        "X-Real-Remote-Address": ["[203.0.113.7]:51234"],
        "X-Request-Id": [f"req-{next(_request_ids)}"],
    }
    for name, value in (headers or {}).items():
        canonical = "-".join(w.capitalize() for w in name.split("-"))
        multi_headers[canonical] = list(value) if isinstance(value, list) else [str(value)]
    raw = body.encode("utf-8") if isinstance(body, str) else (body or b"")
    if raw:
        multi_headers["Content-Length"] = [str(len(raw))]
    path, params = spec_path(parts.path)
    if template is not None:
        path, params = template, {}
    request_id = multi_headers["X-Request-Id"][0]
    return {
        "url": target,
        "path": path,
        "httpMethod": method,
        # The single-value map keeps the last value of a repeated header.
        "headers": {k: v[-1] for k, v in multi_headers.items()},
        "multiValueHeaders": multi_headers,
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()},
        "multiValueQueryStringParameters": multi_query,
        "requestContext": {
            "identity": {
                "sourceIp": "203.0.113.7",
                "userAgent": multi_headers["User-Agent"][0],
            },
            "httpMethod": method,
            "requestId": request_id,
            "requestTime": "01/Dec/2026:12:30:00 +0000",
            "requestTimeEpoch": 1796128200,
        },
        "body": base64.b64encode(raw).decode("ascii") if base64_body else raw.decode("utf-8"),
        "isBase64Encoded": base64_body,
        "pathParams": params,
        "params": dict(params),
        "multiValueParams": {k: [v] for k, v in params.items()},
    }


def function_context() -> Any:
    """The invocation context as the Python runtime documents it (token when a service account
    is set on the version)."""
    return SimpleNamespace(
        function_name="d4e1functionid",
        function_version="d4e1versionid",
        memory_limit_in_mb=512,
        request_id="ctx-request",
        token={"access_token": "t1.test-iam-token", "expires_in": 43200, "token_type": "Bearer"},
        get_remaining_time_in_millis=lambda: 10_000,
    )


@dataclass
class GatewayResponse:
    """The function's result as the gateway sends it: status, headers (lists for repeated ones),
    and the body's bytes."""

    status_code: int
    headers: dict[str, Any]
    body: bytes
    result: dict[str, Any]

    @property
    def json_body(self) -> Any:
        return json.loads(self.body)


def invoke(event: dict[str, Any]) -> GatewayResponse:
    from yandex_handler import handler

    result = handler(event, function_context())
    # The result must be JSON, as the runtime serialises it before the gateway reads it.
    result = json.loads(json.dumps(result))
    body = result.get("body") or ""
    raw = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode("utf-8")
    headers: dict[str, Any] = dict(result.get("headers") or {})
    headers.update(result.get("multiValueHeaders") or {})
    return GatewayResponse(int(result["statusCode"]), headers, raw, result)


class _Http:
    def _call(self, method: str, path: str, headers: Any = None, body: Any = None) -> Any:
        return invoke(yandex_event(method, path, dict(headers or {}), body))

    def get(self, path: str, headers: Any = None) -> GatewayResponse:
        return self._call("GET", path, headers)

    def post(self, path: str, headers: Any = None, body: Any = None) -> GatewayResponse:
        return self._call("POST", path, headers, body)

    def put(self, path: str, headers: Any = None, body: Any = None) -> GatewayResponse:
        return self._call("PUT", path, headers, body)

    def delete(self, path: str, headers: Any = None) -> GatewayResponse:
        return self._call("DELETE", path, headers)


class YandexClient:
    """Stands where the Chalice test client stands: `client.http.get(...)`."""

    def __init__(self) -> None:
        self.http = _Http()
