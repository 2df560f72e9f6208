"""Page cursors: the one codec for every paged query. A cursor is DynamoDB's LastEvaluatedKey,
given to the client as URL-safe base64 JSON and taken back only if it is a key the same query
could have issued — right key names, string values of sane length, the caller's own partition.
Anything else raises ValueError (the service answers 400), never reaches DynamoDB as a 500.

A listing whose keys are personal data (an employer's staff list is keyed by СНИЛС) passes a
`seal` key: the cursor is then encrypted and authenticated (HMAC-SHA256 as the keystream and as
the tag, encrypt-then-MAC), so no СНИЛС travels in an address or lands in an access log, and a
cursor not made with the key is refused before it is parsed."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from typing import Any

MAX_VALUE_LENGTH = 200
_NONCE, _TAG = 16, 32


def _stream(key: bytes, nonce: bytes, length: int) -> bytes:
    blocks = (length + 31) // 32
    enc = hmac.new(key, b"cursor-encrypt", hashlib.sha256).digest()
    return b"".join(
        hmac.new(enc, nonce + i.to_bytes(4, "big"), hashlib.sha256).digest() for i in range(blocks)
    )[:length]


def _tag(key: bytes, body: bytes) -> bytes:
    mac = hmac.new(key, b"cursor-authenticate", hashlib.sha256).digest()
    return hmac.new(mac, body, hashlib.sha256).digest()


def _sealed(raw: bytes, key: bytes) -> bytes:
    nonce = secrets.token_bytes(_NONCE)
    body = nonce + bytes(a ^ b for a, b in zip(raw, _stream(key, nonce, len(raw)), strict=True))
    return body + _tag(key, body)


def _opened(data: bytes, key: bytes) -> bytes:
    body, tag = data[:-_TAG], data[-_TAG:]
    if len(body) < _NONCE or not hmac.compare_digest(tag, _tag(key, body)):
        raise ValueError("cursor not sealed with this key")
    nonce, secret = body[:_NONCE], body[_NONCE:]
    return bytes(a ^ b for a, b in zip(secret, _stream(key, nonce, len(secret)), strict=True))


def encode(last_key: Mapping[str, Any] | None, *, seal: bytes | None = None) -> str | None:
    if not last_key:
        return None
    raw = json.dumps(last_key, separators=(",", ":"), sort_keys=True).encode()
    if seal is not None:
        raw = _sealed(raw, seal)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(
    cursor: str | None,
    *,
    keys: set[str],
    fixed: Mapping[str, str] | None = None,
    seal: bytes | None = None,
) -> dict[str, Any] | None:
    """The start key a client echoed back, checked against the query's key names and the
    partition values it must keep (`fixed`: e.g. the person's own oid); with `seal`, only a
    cursor `encode` sealed with the same key."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor.encode("ascii") + b"=" * (-len(cursor) % 4))
        if seal is not None:
            raw = _opened(raw, seal)
        data = json.loads(raw)
    except (ValueError, binascii.Error, UnicodeError) as exc:
        raise ValueError("bad cursor") from exc
    if not isinstance(data, dict) or set(data) != keys:
        raise ValueError("cursor keys")
    for typed in data.values():
        if not isinstance(typed, dict) or set(typed) != {"S"} or not isinstance(typed["S"], str):
            raise ValueError("cursor value")
        if not 0 < len(typed["S"]) <= MAX_VALUE_LENGTH:
            raise ValueError("cursor length")
    for name, value in (fixed or {}).items():
        if data[name]["S"] != value:
            raise ValueError("cursor of another listing")
    return data
