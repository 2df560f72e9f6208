"""Numbers as people read them: hours stored as Decimal/float are shown whole when they are."""

from __future__ import annotations

from typing import Any


def plain_number(value: Any, *, digits: int | None = None) -> int | float:
    """`18` rather than `18.0` or `Decimal('18')`; optionally rounded to `digits` places first."""
    number = float(value)
    if digits is not None:
        number = round(number, digits)
    return int(number) if number.is_integer() else number
