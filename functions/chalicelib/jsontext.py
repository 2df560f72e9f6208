"""JSON text as the portal writes it everywhere (API answers, JSON exports): UTF-8 Cyrillic,
compact, Decimal as a plain number, dates in ISO 8601. No web framework here: exports use it too."""

from __future__ import annotations

import datetime as dt
import decimal
import json
from typing import Any


def _default(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(data: Any) -> str:
    # ensure_ascii=False: Cyrillic as UTF-8 is a third of the size of \\uXXXX escapes.
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=_default)
