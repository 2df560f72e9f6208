"""Jinja2 templates of every notification, one folder (`templates/`): `<kind>.txt` and
`<kind>.html`, each setting `subject`. HTML is autoescaped, so an organizer's title is text."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..domain.notifications import header_text, kind

if TYPE_CHECKING:
    from jinja2 import Environment

TEMPLATES = Path(__file__).parent / "templates"
_lock = threading.Lock()
_env: Environment | None = None


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def _environment() -> Environment:
    global _env
    with _lock:
        if _env is None:
            # Loaded on the first message, not with the app: jinja2 is ~40 ms of a cold start
            # that most requests (a catalog page, a registration) never need.
            from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

            _env = Environment(
                loader=FileSystemLoader(str(TEMPLATES)),
                autoescape=select_autoescape(["html"]),
                undefined=StrictUndefined,
                trim_blocks=True,
                lstrip_blocks=True,
                keep_trailing_newline=True,
            )
        return _env


def render(kind_name: str, context: dict[str, Any]) -> Rendered:
    """Subject (one header-safe line), plain text and HTML of one notification."""
    kind(kind_name)
    env = _environment()
    text_module = env.get_template(f"{kind_name}.txt").make_module(context)
    html = env.get_template(f"{kind_name}.html").render(context)
    subject = header_text(getattr(text_module, "subject", "") or "Портал НМО")
    return Rendered(subject, str(text_module).strip() + "\n", html)
