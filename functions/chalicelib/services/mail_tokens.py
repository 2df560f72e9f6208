"""Signed tokens in mail links that need no login: one-click unsubscribe (person, kind) and
address confirmation (person, nonce). HMAC-SHA256 with the session key under a purpose of their
own, so neither can be passed off as the other or as a session cookie."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from ..secret_store import session_key

UNSUBSCRIBE = "unsubscribe"
CONFIRM_EMAIL = "confirm-email"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text.encode("ascii") + b"=" * (-len(text) % 4))


def _mac(purpose: str, payload: bytes) -> str:
    key = session_key()
    if len(key) < 16:
        raise RuntimeError("NMO_SESSION_KEY is not configured (at least 16 characters)")
    digest = hmac.new(key.encode(), purpose.encode() + b"\x00" + payload, hashlib.sha256)
    return _b64(digest.digest())


def sign(purpose: str, values: list[str]) -> str:
    payload = json.dumps(values, separators=(",", ":")).encode()
    return f"{_b64(payload)}.{_mac(purpose, payload)}"


def verify(purpose: str, token: object, size: int) -> list[str] | None:
    """The signed values, or None for anything tampered, truncated or of another purpose."""
    if not isinstance(token, str) or len(token) > 1000 or "." not in token:
        return None
    body, _, mac = token.partition(".")
    try:
        payload = _unb64(body)
        if not hmac.compare_digest(_mac(purpose, payload), mac):
            return None
        values = json.loads(payload)
    except (ValueError, UnicodeError):
        return None
    if not isinstance(values, list) or len(values) != size:
        return None
    if not all(isinstance(v, str) for v in values):
        return None
    return [str(v) for v in values]
