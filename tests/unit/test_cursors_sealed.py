"""A sealed page cursor (listings keyed by personal data): what it hides, and that only the key it
was sealed with opens it, unaltered."""

from __future__ import annotations

import base64

import pytest
from chalicelib.db import cursors

KEY, OTHER = b"k" * 32, b"o" * 32
START = {"org_id": {"S": "org-7707083893"}, "snils": {"S": "11223344595"}}


def _decode(cursor: str, key: bytes = KEY) -> object:
    return cursors.decode(cursor, keys={"org_id", "snils"}, fixed=None, seal=key)


def test_a_sealed_cursor_opens_with_its_key_and_shows_no_key_value() -> None:
    cursor = cursors.encode(START, seal=KEY)
    assert cursor is not None and _decode(cursor) == START
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    assert b"11223344595" not in raw and b"snils" not in raw
    assert cursors.encode(START, seal=KEY) != cursor  # a fresh nonce each time


def test_a_cursor_altered_sealed_with_another_key_or_not_sealed_is_refused() -> None:
    cursor = cursors.encode(START, seal=KEY)
    assert cursor is not None
    raw = bytearray(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    raw[20] ^= 1
    altered = base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
    plain = cursors.encode(START)
    assert plain is not None
    for bad, key in ((altered, KEY), (cursor, OTHER), (plain, KEY), ("AAAA", KEY)):
        with pytest.raises(ValueError):
            _decode(bad, key)
