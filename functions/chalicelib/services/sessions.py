"""Browser sessions: a signed, expiring cookie naming a session the person's record still lists.

The cookie carries `oid`, a session id and an expiry, signed with HMAC-SHA256. The session id
must still be in `Specialist.session_ids` (one GetItem, which every personal request does anyway,
or a part of the request's first read: `checked_claims`, then `person_in_session`), so «Выйти»
really ends that session even if the cookie was copied. The CSRF token is derived from
the session id with the same key, so it needs no storage.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any

from ..db import people_repo
from ..db.models import Specialist
from ..domain.dates import utcnow
from ..errors import Forbidden, NotLoggedIn
from ..secret_store import session_key
from ..settings import get_settings

COOKIE_NAME = "nmo_session"
CSRF_HEADER = "X-CSRF-Token"
MAX_SESSIONS_PER_PERSON = 10
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@dataclass(frozen=True)
class SessionClaims:
    oid: str
    sid: str
    expires_at: int


def _key() -> bytes:
    key = session_key()  # NMO_SESSION_KEY, else the stored secret named by NMO_SESSION_KEY_PARAM
    if len(key) < 16:
        # A misconfiguration, not bad input: refuse to run with a guessable key.
        raise RuntimeError("NMO_SESSION_KEY is not configured (at least 16 characters)")
    return key.encode("utf-8")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text.encode("ascii") + b"=" * (-len(text) % 4))


def _sign(payload: bytes, purpose: str) -> str:
    return _b64(hmac.new(_key(), purpose.encode() + b"\x00" + payload, hashlib.sha256).digest())


def cursor_seal() -> bytes:
    """The key page cursors of personal listings are sealed with (db/cursors.py): derived from
    the session key for that purpose alone."""
    return hmac.new(_key(), b"page-cursor\x00", hashlib.sha256).digest()


def encode_cookie_value(claims: SessionClaims) -> str:
    payload = json.dumps(
        {"oid": claims.oid, "sid": claims.sid, "exp": claims.expires_at}, separators=(",", ":")
    ).encode()
    return f"{_b64(payload)}.{_sign(payload, 'session')}"


def decode_cookie_value(value: str, now: float | None = None) -> SessionClaims | None:
    """The claims of a well-signed, unexpired cookie, else None (never raises on garbage)."""
    try:
        body, signature = value.split(".", 1)
        payload = _unb64(body)
        if not hmac.compare_digest(_sign(payload, "session"), signature):
            return None
        data = json.loads(payload)
        claims = SessionClaims(str(data["oid"]), str(data["sid"]), int(data["exp"]))
    except (ValueError, KeyError, TypeError, UnicodeError):
        return None
    if claims.expires_at <= (now if now is not None else utcnow().timestamp()):
        return None
    return claims


def csrf_token_for(sid: str) -> str:
    return _sign(sid.encode(), "csrf")


def _cookie(value: str, max_age: int) -> str:
    parts = [f"{COOKIE_NAME}={value}", "Path=/", "HttpOnly", "SameSite=Lax", f"Max-Age={max_age}"]
    if not get_settings().is_local_http:
        parts.append("Secure")
    return "; ".join(parts)


def start_session(person: Specialist) -> tuple[str, str]:
    """Open a session for a person; returns (Set-Cookie header value, csrf token)."""
    ttl = get_settings().session_ttl_seconds
    claims = SessionClaims(person.oid, secrets.token_urlsafe(18), int(utcnow().timestamp()) + ttl)
    people_repo.add_session(person.oid, claims.sid, keep=MAX_SESSIONS_PER_PERSON)
    return _cookie(encode_cookie_value(claims), ttl), csrf_token_for(claims.sid)


def clear_cookie() -> str:
    return _cookie("", 0)


def session_claims(cookie: str | None) -> SessionClaims | None:
    """The claims of a session cookie's value, or None (absent, forged, expired)."""
    return decode_cookie_value(cookie) if cookie else None


def current_person(cookie: str | None) -> Specialist:
    """The logged-in person, or 401. Checks signature, expiry and that the session is still open."""
    claims = signed_claims(cookie)
    return person_in_session(claims, people_repo.get_specialist(claims.oid))


def signed_claims(cookie: str | None) -> SessionClaims:
    """The claims of a well-signed, unexpired session cookie, or 401: everything about a session
    short of reading the person's record."""
    claims = session_claims(cookie)
    if claims is None:
        raise NotLoggedIn("Войдите через Госуслуги, чтобы продолжить.")
    return claims


def person_in_session(claims: SessionClaims, person: Specialist | None) -> Specialist:
    """The person's record as read for this request, if it still lists the session; else 401.
    A request may read the record together with its own first read (db/reads.py)."""
    if person is None or person.oid != claims.oid or claims.sid not in (person.session_ids or []):
        raise NotLoggedIn("Сеанс завершён. Войдите через Госуслуги ещё раз.")
    return person


def require_csrf(method: str, cookie: str | None, sent: str | None) -> None:
    """State-changing requests with a cookie session must echo the session's CSRF token."""
    claims = session_claims(cookie)
    if claims is not None:  # no session: the route itself answers 401
        _check_csrf(method, claims, sent)


def _check_csrf(method: str, claims: SessionClaims, sent: str | None) -> None:
    if method.upper() in _SAFE_METHODS:
        return
    if not hmac.compare_digest((sent or "").encode(), csrf_token_for(claims.sid).encode()):
        raise Forbidden(
            "Запрос отклонён защитой от подделки (CSRF). Обновите страницу и повторите.",
            code="csrf_failed",
        )


def authenticate(
    *, method: str, cookie: str | None, csrf: str | None, role: str | None = None
) -> Specialist:
    """The person behind a request, checked for CSRF on writes and, if given, for a role."""
    claims = checked_claims(method=method, cookie=cookie, csrf=csrf)
    person = person_in_session(claims, people_repo.get_specialist(claims.oid))
    if role is not None and role not in (person.roles or []):
        raise Forbidden("Недостаточно прав для этого действия.", code="forbidden")
    return person


def checked_claims(*, method: str, cookie: str | None, csrf: str | None) -> SessionClaims:
    """`authenticate` up to reading the record: the signed claims (401), then CSRF on writes
    (403), the cookie checked once. The caller reads the record with its own first read and
    hands it to `person_in_session`."""
    claims = signed_claims(cookie)
    _check_csrf(method, claims, csrf)
    return claims


def end_session(cookie: str | None) -> None:
    claims = session_claims(cookie)
    if claims is not None:
        people_repo.remove_session(claims.oid, claims.sid)


def csrf_for(cookie: str | None) -> str | None:
    claims = session_claims(cookie)
    return csrf_token_for(claims.sid) if claims else None


def session_cookie_header(claims: SessionClaims) -> dict[str, Any]:
    """Test and CLI helper: the Cookie header for a session."""
    return {"Cookie": f"{COOKIE_NAME}={encode_cookie_value(claims)}"}
