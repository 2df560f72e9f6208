"""Page cursors: the one codec for every paged query. A cursor is DynamoDB's LastEvaluatedKey,
given to the client as URL-safe base64 JSON and taken back only if it is a key the same query
could have issued — right key names, string values of sane length, the caller's own partition.
Anything else raises ValueError (the service answers 400), never reaches DynamoDB as a 500."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

MAX_VALUE_LENGTH = 200


def encode(last_key: Mapping[str, Any] | None) -> str | None:
    if not last_key:
        return None
    raw = json.dumps(last_key, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(
    cursor: str | None, *, keys: set[str], fixed: Mapping[str, str] | None = None
) -> dict[str, Any] | None:
    """The start key a client echoed back, checked against the query's key names and the
    partition values it must keep (`fixed`: e.g. the person's own oid)."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor.encode("ascii") + b"=" * (-len(cursor) % 4))
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
