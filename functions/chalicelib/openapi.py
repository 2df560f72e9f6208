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


def _summary(doc: str | None) -> str:
    return (doc or "").strip().splitlines()[0] if doc and doc.strip() else ""


def build_openapi(app: Chalice) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for path, methods in sorted(app.routes.items()):
        item: dict[str, Any] = {}
        params = re.findall(r"{(\w+)}", path)
        for method, entry in sorted(methods.items()):
            op: dict[str, Any] = {
                "operationId": entry.view_name,
                "summary": _summary(entry.view_function.__doc__),
                "responses": {
                    "200": {"description": "Успешно"},
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
                op["requestBody"] = {
                    "required": False,
                    "content": {"application/json": {"schema": {"type": "object"}}},
                }
            item[method.lower()] = op
        paths[path] = item
    return {
        "openapi": "3.1.0",
        "info": {"title": "API портала НМО", "version": "1"},
        "paths": paths,
        "components": {"schemas": {"Error": _ERROR_SCHEMA}},
    }
