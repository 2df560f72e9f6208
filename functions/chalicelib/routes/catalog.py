"""Public catalog: published elements and events with live seats (no login)."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from ..web import json_response, query_params

# Each handler imports the services it calls: a cold start loads none (see routes/__init__.py).
bp = Blueprint(__name__)


@bp.route("/api/catalog/elements", methods=["GET"])
def list_elements() -> Any:
    """Опубликованные элементы каталога: фильтры specialty, kind, from, to, q; страницы по cursor."""
    from ..services import catalog

    return json_response(catalog.list_published(query_params(bp.current_request)))


@bp.route("/api/events/{event_id}", methods=["GET"])
def get_event(event_id: str) -> Any:
    """Опубликованное мероприятие: места, лист ожидания, открыта ли запись."""
    from ..services import catalog

    return json_response(
        catalog.get_published_event(event_id), headers={"Cache-Control": "no-cache"}
    )
