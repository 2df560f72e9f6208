"""Login through Госуслуги (ЕСИА): start, callback, logout, and who is logged in.

The callback trusts nothing before the `state` check: the state must have been issued to this
browser (bound by a short-lived HttpOnly cookie), be unexpired, and is consumed by a conditional
delete, so it works exactly once. Every failure ends on a help page that says, in Russian,
what happened and what to do; our own state is changed only when everything checked out.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import urllib.parse
import uuid
from dataclasses import dataclass
from typing import Any

from ..db import login_repo
from ..db.models import Specialist
from ..domain.dates import utcnow
from ..domain.identifiers import IdentifierError, mask_snils
from ..domain.specialties import specialty_name
from ..domain.text import full_name
from ..errors import InvalidInput, ServiceUnavailable
from ..esia.person import PersonRecordRejected, parse_person
from ..settings import get_settings
from . import contacts, credits, sessions

log = logging.getLogger("nmo.auth")

LOGIN_COOKIE = "nmo_esia_login"
LOGIN_TTL_SECONDS = 600
CALLBACK_PATH = "/api/auth/esia/callback"
LOGIN_COOKIE_PATH = "/api/auth/esia/"
DEFAULT_NEXT = "/cabinet/"
HELP_ERRORS = "/help/login/errors/"
_NONCE = re.compile(r"[A-Za-z0-9_-]{32,64}")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
_NEXT_MAX = 512

# ЕСИА error codes → the help page section that explains them.
_HELP_FOR_CODE = {
    "007004": "declined",
    "007055": "unconfirmed",
    "007015": "clock",
}


@dataclass(frozen=True)
class Redirect:
    location: str
    cookies: tuple[str, ...]


# Sections of site/help/login/errors/ (a test checks each exists on the page).
HELP_ANCHORS = frozenset(
    {
        "declined", "unconfirmed", "clock", "cookies", "expired", "unavailable",
        "no-snils", "snils-taken", "esia-error",
    }
)  # fmt: skip


def help_page(anchor: str, next_path: str | None = None) -> str:
    """The help section for a failed login; with `next`, its «Попробовать ещё раз» link
    returns to the page the login started from (the cabinet, when omitted)."""
    if anchor not in HELP_ANCHORS:
        raise ValueError(f"no help section {anchor!r}")
    query = ""
    if next_path and next_path != DEFAULT_NEXT:
        query = "?" + urllib.parse.urlencode({"next": next_path})
    return f"{HELP_ERRORS}{query}#{anchor}"


# Kept as typed in a URL: RFC 3986 reserved characters and "%" (already-escaped text stays
# as it is); everything else, non-ASCII above all, is percent-encoded as UTF-8. A Location
# header must be ASCII: "/поиск" raw in it made the callback fail after the session existed.
_URI_SAFE = "/?#[]@!$&'()*+,;=:%-._~"


def _as_uri(path: str) -> str:
    return urllib.parse.quote(path, safe=_URI_SAFE)


def safe_next_path(value: str | None) -> str:
    """A same-site path to return to after login, or 400 naming `next`."""
    if value is None or value == "":
        return DEFAULT_NEXT
    bad = InvalidInput(
        "Параметр next должен быть путём на этом сайте, например /cabinet/.", field="next"
    )
    if len(value) > _NEXT_MAX or not value.startswith("/") or value.startswith("//"):
        raise bad
    # Browsers read "\" as "/" and drop tabs/newlines, so "/\evil" and "/\t/evil" leave the site.
    if "\\" in value or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        raise bad
    value = _as_uri(value)
    if len(value) > _NEXT_MAX:
        raise bad
    return value


def callback_url() -> str:
    """The redirect_uri registered at ЕСИА: NMO_ESIA_REDIRECT_URI, else public URL + callback."""
    settings = get_settings()
    return settings.esia_redirect_uri or settings.public_url + CALLBACK_PATH


def _binding(nonce: str) -> str:
    return hashlib.sha256(nonce.encode("ascii")).hexdigest()


def _login_cookie(value: str, max_age: int) -> str:
    # SameSite=Lax: the callback is a top-level GET navigation from ЕСИА, which Lax lets through.
    parts = [
        f"{LOGIN_COOKIE}={value}",
        # Sent to the login start too, so a second tab reuses the nonce instead of replacing it.
        f"Path={LOGIN_COOKIE_PATH}",
        "HttpOnly",
        "SameSite=Lax",
        f"Max-Age={max_age}",
    ]
    if not get_settings().is_local_http:
        parts.append("Secure")
    return "; ".join(parts)


def start_login(next_param: str | None, browser_nonce: str | None) -> Redirect:
    """Issue a single-use state bound to this browser and send it to ЕСИА's `v2/ac`."""
    next_path = safe_next_path(next_param)
    # One nonce per browser (reused across tabs), so two login tabs do not undo each other.
    nonce = browser_nonce if browser_nonce and _NONCE.fullmatch(browser_nonce) else None
    nonce = nonce or secrets.token_urlsafe(32)
    state = str(uuid.uuid4())
    now = utcnow()
    from ..esia.client import get_client  # the login stack (GOST, JWT) loads on a login only

    try:
        url = get_client().authorization_url(state, callback_url(), now)
    except ServiceUnavailable:
        return Redirect(help_page("unavailable", next_path), ())
    login_repo.save_state(
        state,
        browser_binding=_binding(nonce),
        next_path=next_path,
        now=now,
        ttl_seconds=LOGIN_TTL_SECONDS,
    )
    return Redirect(url, (_login_cookie(nonce, LOGIN_TTL_SECONDS),))


class _Unconfirmed(Exception):
    """The token says the account is not confirmed (no is_tru, level not PR)."""


def finish_login(params: dict[str, str], browser_nonce: str | None) -> Redirect:
    """ЕСИА's redirect back: the state first, then the code, tokens, person and the session."""
    # The login stack (GOST, JWT, the ЕСИА client) loads on a login only, not at cold start.
    from ..esia.client import EsiaError, error_code_of
    from ..esia.tokens import TokenRejected

    state = params.get("state") or ""
    # The login cookie is left to expire on its own (minutes): a forged callback pushed into
    # this browser must not break the person's own login, nor one tab's login another tab's.
    if not _UUID.fullmatch(state):
        log.info("esia callback refused: missing or malformed state")
        return Redirect(help_page("expired" if browser_nonce else "cookies"), ())
    if not browser_nonce or not _NONCE.fullmatch(browser_nonce):
        log.info("esia callback refused: no login cookie")
        return Redirect(help_page("cookies"), ())
    issued = login_repo.take_state(state, browser_binding=_binding(browser_nonce), now=utcnow())
    if issued is None:
        log.info("esia callback refused: state unknown, used, expired or another browser's")
        return Redirect(help_page("expired"), ())

    back = _as_uri(
        issued.next_path or DEFAULT_NEXT
    )  # where «Попробовать ещё раз» on the help page returns to
    if params.get("error"):
        code = error_code_of(params.get("error_description"))
        log.info("esia refused the login: error=%s code=%s", _short(params["error"]), code)
        return Redirect(help_page(_HELP_FOR_CODE.get(code or "", "esia-error"), back), ())
    code = params.get("code") or ""
    if not code or len(code) > 4096:
        log.info("esia callback without a code")
        return Redirect(help_page("esia-error", back), ())

    try:
        person_oid, record, esia_contacts = _identify(code)
        person = parse_person(person_oid, record)
        if not person.trusted:
            log.info("esia login refused: person record says the account is not confirmed")
            return Redirect(help_page("unconfirmed", back), ())
        specialist, created = login_repo.save_identity(person, utcnow())
    except _Unconfirmed:
        log.info("esia login refused: token says the account is not confirmed")
        return Redirect(help_page("unconfirmed", back), ())
    except ServiceUnavailable:
        return Redirect(help_page("unavailable", back), ())
    except EsiaError as exc:
        return Redirect(help_page(_HELP_FOR_CODE.get(exc.code or "", "esia-error"), back), ())
    except TokenRejected as exc:
        log.warning("esia token rejected: %s", exc)
        return Redirect(help_page("esia-error", back), ())
    except PersonRecordRejected as exc:
        log.warning("esia person record rejected: field %s unusable", exc.field)
        anchor = "no-snils" if exc.field == "snils" else "esia-error"
        return Redirect(help_page(anchor, back), ())
    except login_repo.SnilsTaken:
        log.warning("esia login refused: the СНИЛС belongs to another account")
        return Redirect(help_page("snils-taken", back), ())

    # Provider completions kept for this СНИЛС until the person logs in (credits, issue 5).
    credits.apply_pending_credits(specialist)
    # The e-mail ЕСИА holds becomes the notification address unless one is set (issue 16).
    contacts.adopt_esia_email(specialist.oid, esia_contacts)
    session_cookie, _csrf = sessions.start_session(specialist)
    log.info("esia login ok (%s)", "new profile" if created else "returning")
    return Redirect(back, (session_cookie,))


def _identify(code: str) -> tuple[str, dict[str, Any], list[dict[str, Any]]]:
    """Exchange the code, verify both tokens, check the account level, fetch the person (and
    their contacts when the `email` scope is asked for)."""
    from ..esia.claims import subject_of
    from ..esia.client import get_client, get_token_verifier

    client = get_client()
    verifier = get_token_verifier()
    tokens = client.exchange_code(code, callback_url(), utcnow())
    identity = verifier.verify(tokens.id_token, audience=client.client_id).claims
    access = verifier.verify(tokens.access_token, audience=None).claims
    subject = subject_of(identity, access)
    if not subject.confirmed:
        raise _Unconfirmed()
    record = client.fetch_person(subject.oid, tokens.access_token)
    found: list[dict[str, Any]] = []
    if "email" in client.scope.split():
        found = client.fetch_contacts(subject.oid, tokens.access_token)
    return subject.oid, record, found


def _short(text: str) -> str:
    return re.sub(r"[^a-z_]", "", text.lower())[:40]


def logout(cookie: str | None) -> tuple[str, str]:
    """End this browser's session; returns (ЕСИА logout URL, the clearing Set-Cookie)."""
    sessions.end_session(cookie)
    from ..esia.client import get_client

    url = get_client().logout_url(get_settings().public_url + "/")
    return url, sessions.clear_cookie()


def me(person: Specialist, csrf_token: str | None) -> dict[str, Any]:
    """What the cabinet shows about the logged-in person (the СНИЛС masked)."""
    try:
        snils_masked = mask_snils(person.snils) if person.snils else None
    except IdentifierError:
        snils_masked = None
    return {
        "oid": person.oid,
        "full_name": full_name(person.last_name, person.first_name, person.middle_name),
        "snils_masked": snils_masked,
        "education_level": person.education_level,
        "specialties": [
            {"code": s.code, "name": specialty_name(s.code)} for s in (person.specialties or [])
        ],
        "roles": list(person.roles or []),
        "csrf_token": csrf_token,
        "consent": {"egisz": bool(person.consent_egisz)},
    }
