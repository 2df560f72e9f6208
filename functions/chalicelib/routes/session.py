"""The HTTP side of sessions: reading the cookie and the CSRF header of a request and handing
plain values to services/sessions.py (services never see a Chalice request).

services/sessions.py (and the people repository under it) is imported on a request's first use:
the public routes (catalog, events, health) never load it, and a cold start does not either.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Request

from ..db.models import Specialist

if TYPE_CHECKING:
    from ..services.sessions import SessionClaims


def cookie(request: Request, name: str) -> str | None:
    raw = request.headers.get("cookie") or ""
    for part in raw.split(";"):
        key, _, val = part.strip().partition("=")
        if key == name:
            return val
    return None


def session_cookie(request: Request) -> str | None:
    from ..services import sessions

    return cookie(request, sessions.COOKIE_NAME)


def authenticated(request: Request, *, role: str | None = None) -> Specialist:
    """The person behind a request (401 without a session, 403 on CSRF or a missing role)."""
    from ..services import sessions

    return sessions.authenticate(
        method=request.method,
        cookie=session_cookie(request),
        csrf=request.headers.get(sessions.CSRF_HEADER.lower()),
        role=role,
    )


def signed_in(request: Request) -> SessionClaims:
    """`authenticated` short of reading the person's record (CSRF on writes, the cookie's
    signature and expiry; 401/403): for a service that reads the record with its own first read
    and checks it there (services/sessions.person_in_session)."""
    from ..services import sessions

    return sessions.checked_claims(
        method=request.method,
        cookie=session_cookie(request),
        csrf=request.headers.get(sessions.CSRF_HEADER.lower()),
    )


def require_csrf(request: Request) -> None:
    from ..services import sessions

    sessions.require_csrf(
        request.method, session_cookie(request), request.headers.get(sessions.CSRF_HEADER.lower())
    )


def csrf_for_request(request: Request) -> str | None:
    from ..services import sessions

    return sessions.csrf_for(session_cookie(request))
