"""A deployed stage without its ЕСИА settings refuses to serve (503, every setting named).

Settings are read on first use (never at import), so the check runs on the first request of a
container, once per settings object, and is logged once. Locally the emulator configures ЕСИА.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from chalice.app import Request, Response

from .errors import ServiceUnavailable
from .esia.configuration import LOCAL_STAGE, EsiaNotConfigured, require_complete
from .settings import Settings, get_settings
from .web import error_response

log = logging.getLogger("nmo.stage")

_checked: tuple[Settings, EsiaNotConfigured | None] | None = None


def _problem(settings: Settings) -> EsiaNotConfigured | None:
    global _checked
    if _checked is None or _checked[0] is not settings:
        problem = None
        if settings.stage != LOCAL_STAGE:
            try:
                require_complete(dict(settings.esia_env))
            except EsiaNotConfigured as exc:
                log.error("stage %s refuses to serve: missing %s", settings.stage, exc.names)
                problem = exc
        _checked = (settings, problem)
    return _checked[1]


def esia_configuration_guard(
    request: Request, get_response: Callable[[Request], Response]
) -> Response:
    problem = _problem(get_settings())
    if problem is not None:
        return error_response(ServiceUnavailable(str(problem), code="esia_not_configured"))
    return get_response(request)
