"""The OpenAPI 3 document, generated from the registered routes and their docstrings.

Generated rather than hand-written so it cannot drift from the routes; a test checks that every
route has a summary and that the contract's paths in api.md are all present.
"""

from __future__ import annotations

import re
from typing import Any

from chalice import Chalice

_ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "field"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string", "description": "Сообщение для человека, по-русски"},
                "field": {"type": ["string", "null"]},
            },
        }
    },
}


_STR = {"type": "string"}
_DATE = {"type": "string", "format": "date"}
_DAY = {
    "type": "object",
    "required": ["starts_at", "ends_at", "hours"],
    "properties": {
        "starts_at": {"type": "string", "format": "date-time"},
        "ends_at": {"type": "string", "format": "date-time"},
        "hours": {"type": "integer", "minimum": 1, "maximum": 6},
    },
}
_EVENT = {
    "type": "object",
    "required": ["title", "format", "days", "specialties", "capacity", "program", "contact"],
    "properties": {
        "title": _STR,
        "format": {"type": "string", "enum": ["in_person", "online"]},
        "days": {"type": "array", "minItems": 1, "items": _DAY},
        "address": _STR,
        "city": _STR,
        "url": _STR,
        "specialties": {"type": "array", "minItems": 1, "items": _STR},
        "capacity": {"type": "integer", "minimum": 1},
        "program": _STR,
        "description": _STR,
        "contact": _STR,
    },
}


def _object(required: list[str], **properties: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": properties}


# Request bodies of the routes that take one (required fields marked), and the answers that are
# not JSON 200 (the login and its callback are redirects).
REQUEST_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/api/me/credits/codes"): _object(["code"], code=_STR),
    ("PUT", "/api/me/consent"): _object(["egisz"], egisz={"type": "boolean"}),
    ("PUT", "/api/me/specialties"): _object(
        ["specialties"],
        education_level={"type": "string", "enum": ["higher", "secondary", "pharmaceutical"]},
        specialties={
            "type": "array",
            "items": _object(
                ["code", "admitted_on"], code=_STR, admitted_on=_DATE, rule_set=_STR, pace=_STR
            ),
        },
    ),
    ("PUT", "/api/me/credits/{record_id}/cycle"): _object(["specialty"], specialty=_STR),
    ("POST", "/api/me/plan"): _object(["element_id", "specialty"], element_id=_STR, specialty=_STR),
    ("POST", "/api/events/{event_id}/registrations"): _object([], specialty=_STR),
    ("POST", "/api/organizer/events"): _EVENT,
    ("PUT", "/api/organizer/events/{event_id}"): _EVENT,
    ("POST", "/api/organizer/events/{event_id}/cancel"): _object(["reason"], reason=_STR),
    ("POST", "/api/organizer/events/{event_id}/attendance"): _object(
        ["records"],
        records={
            "type": "array",
            "items": _object(
                ["registration_id", "day", "minutes"],
                registration_id=_STR,
                day=_DATE,
                minutes={"type": "integer", "minimum": 0},
            ),
        },
    ),
    ("POST", "/api/moderation/events/{event_id}/decision"): _object(
        ["decision"], decision={"type": "string", "enum": ["publish", "reject"]}, reason=_STR
    ),
}
# Applications («заявления», domain/applications.py).
_APPLICATION = _object(
    ["request_id", "kind"],
    request_id={
        "type": "string",
        "description": "Один на форму: повторная отправка — то же заявление",
    },
    kind={"type": "string", "enum": ["missing_event", "missing_programme", "record_error"]},
    element_id=_STR,
    day=_DATE,
    specialty=_STR,
    title=_STR,
    completed_on=_DATE,
    document_number=_STR,
    record_id=_STR,
    description=_STR,
    documents={"type": "array", "maxItems": 5, "items": _STR},
)
REQUEST_BODIES.update(
    {
        ("POST", "/api/me/applications/documents"): _object(
            ["file_name", "content_type", "size"],
            file_name=_STR,
            content_type={"type": "string", "enum": ["application/pdf", "image/jpeg", "image/png"]},
            size={"type": "integer", "minimum": 1, "maximum": 10 * 1024 * 1024},
        ),
        ("POST", "/api/me/applications"): _APPLICATION,
        ("POST", "/api/me/applications/{application_id}/appeal"): _object(
            ["comment"], comment=_STR
        ),
        ("POST", "/api/review/applications/{application_id}/take"): _object([]),
        ("POST", "/api/review/applications/{application_id}/decision"): _object(
            ["decision"],
            decision={"type": "string", "enum": ["accept", "reject"]},
            reason=_STR,
            hours={"type": "number", "exclusiveMinimum": 0, "maximum": 1000},
            credit_kind={"type": "string", "enum": ["dpp_pk", "iom"]},
        ),
    }
)
REDIRECTS = {
    ("GET", "/api/auth/esia/login"): "Переход на страницу входа ЕСИА (v2/ac)",
    (
        "GET",
        "/api/auth/esia/callback",
    ): "Возврат на страницу, с которой начался вход, или в справку",
}


def _summary(doc: str | None) -> str:
    return (doc or "").strip().splitlines()[0] if doc and doc.strip() else ""


def build_openapi(app: Chalice) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for path, methods in sorted(app.routes.items()):
        item: dict[str, Any] = {}
        params = re.findall(r"{(\w+)}", path)
        for method, entry in sorted(methods.items()):
            success: dict[str, Any] = {"200": {"description": "Успешно"}}
            if (method, path) in REDIRECTS:
                success = {
                    "302": {
                        "description": REDIRECTS[(method, path)],
                        "headers": {"Location": {"schema": {"type": "string"}}},
                    }
                }
            op: dict[str, Any] = {
                "operationId": entry.view_name,
                "summary": _summary(entry.view_function.__doc__),
                "responses": {
                    **success,
                    "default": {
                        "description": "Ошибка",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                        },
                    },
                },
            }
            if params:
                op["parameters"] = [
                    {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
                    for p in params
                ]
            if method in ("POST", "PUT", "PATCH"):
                schema = REQUEST_BODIES.get((method, path))
                op["requestBody"] = {
                    "required": schema is not None and bool(schema.get("required")),
                    "content": {"application/json": {"schema": schema or {"type": "object"}}},
                }
            item[method.lower()] = op
        paths[path] = item
    return {
        "openapi": "3.1.0",
        "info": {"title": "API портала НМО", "version": "1"},
        "paths": paths,
        "components": {"schemas": {"Error": _ERROR_SCHEMA}},
    }
