"""Dates as the API speaks them (ISO) and as pages show them (ДД.ММ.ГГГГ)."""

from __future__ import annotations

import datetime as dt

from ..errors import InvalidInput

MSK = dt.timezone(dt.timedelta(hours=3), "MSK")


def utcnow() -> dt.datetime:
    """The one clock of the API (tests move it by patching this function's users' imports)."""
    return dt.datetime.now(dt.UTC)


def today_msk() -> dt.date:
    """Dates people see are Moscow dates (the region's and the orders' calendar)."""
    return utcnow().astimezone(MSK).date()


def parse_iso_date(value: object, *, field: str, label: str) -> dt.date:
    text = value.strip() if isinstance(value, str) else ""
    if len(text) != 10:
        raise InvalidInput(f"Поле «{label}»: ожидается дата в формате ГГГГ-ММ-ДД.", field=field)
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(
            f"Поле «{label}»: нет такой даты, ожидается ГГГГ-ММ-ДД.", field=field
        ) from exc


def parse_iso_datetime(value: object, *, field: str, label: str) -> dt.datetime:
    """An ISO datetime with an explicit offset (local times without one are ambiguous). The
    messages speak of what a person fills in (a date and a time), never of ISO syntax."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{label}: укажите дату и время.", field=field)
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise InvalidInput(
            f"{label}: дата и время не распознаны — выберите их заново.", field=field
        ) from exc
    if parsed.tzinfo is None:
        raise InvalidInput(f"{label}: укажите часовой пояс.", field=field)
    return parsed


def ru_date(value: str | dt.date | None) -> str:
    if not value:
        return ""
    d = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return d.strftime("%d.%m.%Y")
