"""Yandex Cloud's HTTP event ⇄ the API Gateway (REST, v1) event the Chalice app is written for.

Yandex API Gateway's `cloud_functions` integration (payload_format_version 0.1, the default)
hands the function `httpMethod`, `headers`/`multiValueHeaders`, `queryStringParameters`/
`multiValueQueryStringParameters`, `body` + `isBase64Encoded`, `requestContext` (`requestId`,
`identity.sourceIp`, …), `url` (the request's path), `path` (the path *template* of the
specification entry that matched) and `pathParams`/`params`. Chalice routes on
`requestContext.resourcePath` and reads `pathParameters`, so the template is all it needs; when
the template is not one of the app's routes (a greedy `{proxy+}` entry, a direct call) the
concrete path is matched against the route table here. The answer Chalice produces (statusCode,
headers, multiValueHeaders, body, isBase64Encoded) is already the shape Cloud Functions expects;
only a raw-bytes body has to become base64 text, since the function's result is JSON.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import unquote, urlsplit

# Several Cookie headers (HTTP/2 sends each cookie as its own field) are one list joined by "; "
# (RFC 9113 §8.2.3); any other repeated header is a comma list (RFC 9110 §5.3).
_COOKIE = "cookie"


def _joined_headers(
    headers: Mapping[str, str] | None, multi: Mapping[str, list[str]] | None
) -> dict[str, str]:
    """One value per header name, lower-cased: the single-value map keeps only the last of a
    repeated header (the documented behaviour), so every value is taken from the lists."""
    out: dict[str, str] = {}
    for name, value in (headers or {}).items():
        out[name.lower()] = str(value)
    for name, values in (multi or {}).items():
        if not values:
            continue
        key = name.lower()
        out[key] = ("; " if key == _COOKIE else ", ").join(str(v) for v in values)
    return out


def _query(event: Mapping[str, Any]) -> dict[str, list[str]] | None:
    multi = event.get("multiValueQueryStringParameters") or {}
    single = event.get("queryStringParameters") or {}
    merged: dict[str, list[str]] = {k: [str(v)] for k, v in single.items()}
    merged.update({k: [str(v) for v in values] for k, values in multi.items() if values})
    # API Gateway (AWS) sends null for no query string; Chalice's `query_params` follows it.
    return merged or None


@lru_cache(maxsize=8)
def _matchers(routes: tuple[str, ...]) -> tuple[tuple[re.Pattern[str], str], ...]:
    """Route templates as regular expressions, the most literal first, so `/api/me/plan/x`
    never loses to a template that would also match it."""

    def pattern(template: str) -> re.Pattern[str]:
        parts = re.split(r"({\w+})", template)
        body = "".join(
            f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("{") else re.escape(p) for p in parts
        )
        return re.compile(f"^{body}/?$")

    ranked = sorted(routes, key=lambda t: (t.count("{"), -len(t)))
    return tuple((pattern(t), t) for t in ranked)


def match_route(path: str, routes: Iterable[str]) -> tuple[str, dict[str, str]] | None:
    """The app's route template for a concrete path and its decoded parameters, or None."""
    for regex, template in _matchers(tuple(sorted(routes))):
        found = regex.match(path)
        if found:
            return template, {k: unquote(v) for k, v in found.groupdict().items()}
    return None


def request_path(event: Mapping[str, Any]) -> str:
    """The concrete path of the request (`url` may carry the query string)."""
    url = str(event.get("url") or "")
    return urlsplit(url).path if url else str(event.get("path") or "")


def to_chalice_event(
    event: Mapping[str, Any], routes: Mapping[str, Any], stage: str
) -> dict[str, Any] | None:
    """The API Gateway REST (v1) proxy event for this Yandex event, or None for a path the app
    has no route for."""
    template = str(event.get("path") or "")
    params: dict[str, str] = {k: str(v) for k, v in (event.get("pathParams") or {}).items()}
    concrete = request_path(event)
    # A template whose parameters did not come with it (another payload format, a hand-made
    # call) is matched from the concrete path like an unknown one.
    if template not in routes or set(re.findall(r"{(\w+)}", template)) - set(params):
        matched = match_route(concrete, routes)
        if matched is None:
            return None
        template, params = matched
    method = str(event.get("httpMethod") or "GET").upper()
    yc_context = dict(event.get("requestContext") or {})
    body = event.get("body")
    encoded = bool(event.get("isBase64Encoded"))
    if body == "" and not encoded:
        body = None  # API Gateway sends null for no body
    return {
        "resource": template,
        "path": concrete,
        "httpMethod": method,
        "headers": _joined_headers(event.get("headers"), event.get("multiValueHeaders")),
        "multiValueQueryStringParameters": _query(event),
        "pathParameters": params or None,
        "stageVariables": None,
        "body": body,
        "isBase64Encoded": encoded,
        # Yandex's own context (requestId, identity, requestTime, authorizer) is kept; Chalice
        # and the metrics middleware read resourcePath, httpMethod and requestId from here.
        "requestContext": {
            **yc_context,
            "resourcePath": template,
            "httpMethod": method,
            "path": concrete,
            "stage": stage,
        },
    }


def to_yandex_response(response: Mapping[str, Any]) -> dict[str, Any]:
    """Chalice's proxy answer as a Cloud Functions HTTP result: JSON-safe, every header once."""
    body = response.get("body")
    encoded = bool(response.get("isBase64Encoded"))
    if isinstance(body, bytes):
        body = base64.b64encode(body).decode("ascii")
        encoded = True
    single = {str(k): str(v) for k, v in (response.get("headers") or {}).items()}
    multi = {
        str(k): [str(v) for v in values]
        for k, values in (response.get("multiValueHeaders") or {}).items()
    }
    # A header in both maps would leave it to the platform which one wins: lists win here.
    lowered = {k.lower() for k in multi}
    single = {k: v for k, v in single.items() if k.lower() not in lowered}
    return {
        "statusCode": int(response.get("statusCode", 200)),
        "headers": single,
        "multiValueHeaders": multi,
        "body": "" if body is None else str(body),
        "isBase64Encoded": encoded,
    }
