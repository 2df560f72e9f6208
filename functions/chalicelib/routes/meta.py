"""Service routes: health and the OpenAPI document."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from ..openapi import build_openapi
from ..web import json_response

bp = Blueprint(__name__)


@bp.route("/api/health", methods=["GET"])
def health() -> Any:
    """Проверка работоспособности API."""
    return json_response({"status": "ok"})


@bp.route("/api/openapi.json", methods=["GET"])
def openapi() -> Any:
    """Описание API в формате OpenAPI 3."""
    app: Any = bp._current_app  # type: ignore[attr-defined]
    return json_response(build_openapi(app))
