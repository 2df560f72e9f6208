"""Rules for events entered by organizers: what a valid event is, the lifecycle, the attendance
threshold. Every number lives in `reference/event_rules.json` (data, not literals)."""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import InvalidInput
from .catalog import FORMATS
from .dates import parse_iso_datetime, today_msk
from .specialties import is_known_specialty
from .text import clean_text

_RULES_FILE = Path(__file__).resolve().parent.parent / "reference" / "event_rules.json"

# Who may move an event from which status to which (nmo-rules.md, «Event lifecycle»).
ORGANIZER_EDITABLE = frozenset({"draft", "rejected"})
TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"on_review"}),
    "rejected": frozenset({"draft"}),
    "on_review": frozenset({"published", "rejected"}),
    "published": frozenset({"cancelled", "finished"}),
}
# Registrations that hold a seat or a place in line.
ACTIVE_REGISTRATION = frozenset({"confirmed", "waitlisted"})


@functools.cache
def rules() -> dict[str, Any]:
    with _RULES_FILE.open(encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


def can_move(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


@dataclass(frozen=True)
class EventDayInput:
    date: str
    starts_at: str
    ends_at: str
    hours: int


@dataclass(frozen=True)
class EventInput:
    """A validated event as entered by an organizer."""

    title: str
    format: str
    days: list[EventDayInput]
    specialties: list[str]
    capacity: int
    program: str
    contact: str
    description: str = ""
    address: str | None = None
    city: str | None = None
    url: str | None = None
    hours: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "hours", sum(d.hours for d in self.days))

    @property
    def starts_on(self) -> str:
        return self.days[0].date

    @property
    def ends_on(self) -> str:
        return self.days[-1].date


def _text(data: dict[str, Any], name: str, label: str, *, required: bool = True, **kw: Any) -> str:
    return clean_text(
        data.get(name),
        field=name,
        label=label,
        max_length=rules()["text"][name],
        required=required,
        **kw,
    )


def _whole_number(value: Any, *, field: str, label: str, low: int, high: int) -> int:
    # bool is an int in Python; `true` is not a number of seats.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(f"Поле «{label}»: укажите целое число от {low} до {high}.", field=field)
    if isinstance(value, float) and not value.is_integer():
        raise InvalidInput(f"Поле «{label}»: укажите целое число от {low} до {high}.", field=field)
    number = int(value)
    if not low <= number <= high:
        raise InvalidInput(f"Поле «{label}»: укажите целое число от {low} до {high}.", field=field)
    return number


def validate_capacity(value: Any) -> int:
    bounds = rules()["capacity"]
    return _whole_number(
        value, field="capacity", label="Число мест", low=bounds["min"], high=bounds["max"]
    )


def _https_url(value: Any) -> str:
    url = _text({"url": value}, "url", "Ссылка на трансляцию")
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname or any(c.isspace() for c in url):
        raise InvalidInput(
            "Поле «Ссылка на трансляцию»: нужна ссылка, начинающаяся с https://.", field="url"
        )
    return url


def _days(value: Any) -> list[EventDayInput]:
    # Only validation reads the rule book: the catalog's pages use this module without loading it.
    from .rules import rule_book

    bounds = rules()["days"]
    # Hours of one accredited day: the event kind's bounds in the credit rule data.
    event_hours = rule_book().hours_of("event")
    hours_bounds = {"min": int(event_hours.min_hours), "max": int(event_hours.max_hours)}
    if not isinstance(value, list) or not value:
        raise InvalidInput("Укажите хотя бы один день мероприятия.", field="days")
    if len(value) > bounds["max"]:
        raise InvalidInput(f"Не больше {bounds['max']} дней в одном мероприятии.", field="days")
    days: list[EventDayInput] = []
    errors: list[InvalidInput] = []
    previous_end: dt.datetime | None = None
    for i, raw in enumerate(value):
        try:
            day = _day(raw, i, previous_end, hours_bounds)
        except InvalidInput as err:
            errors.append(err)
            previous_end = None
            continue
        days.append(day)
        previous_end = dt.datetime.fromisoformat(day.ends_at)
    if errors:
        raise InvalidInput.collected(errors)
    return days


def _day(
    raw: Any, i: int, previous_end: dt.datetime | None, hours_bounds: dict[str, int]
) -> EventDayInput:
    """One day of the form; the first problem of that day."""
    n = i + 1
    if not isinstance(raw, dict):
        raise InvalidInput(f"День {n}: ожидается начало, окончание и часы.", field=f"days[{i}]")
    if not raw.get("starts_at") and not raw.get("ends_at"):
        raise InvalidInput(f"День {n}: укажите дату.", field=f"days[{i}]")
    starts = parse_iso_datetime(
        raw.get("starts_at"), field=f"days[{i}].starts_at", label=f"День {n}, начало"
    )
    ends = parse_iso_datetime(
        raw.get("ends_at"), field=f"days[{i}].ends_at", label=f"День {n}, окончание"
    )
    window = rules()["dates"]
    today = today_msk()
    earliest = today - dt.timedelta(days=window["days_back"])
    latest = today.replace(year=today.year + window["years_ahead"], day=min(today.day, 28))
    if not earliest <= starts.date() <= latest:
        raise InvalidInput(
            f"День {n}: дата должна быть не раньше {earliest:%d.%m.%Y} и не позже "
            f"{latest:%d.%m.%Y}.",
            field=f"days[{i}]",
        )
    if ends <= starts:
        raise InvalidInput(
            f"День {n}: окончание должно быть позже начала.", field=f"days[{i}].ends_at"
        )
    if ends.date() != starts.date() or ends - starts > dt.timedelta(hours=24):
        raise InvalidInput(
            f"День {n}: начало и окончание должны быть в один календарный день.",
            field=f"days[{i}].ends_at",
        )
    if previous_end is not None and starts.date() <= previous_end.date():
        raise InvalidInput(
            f"День {n}: дни должны идти по порядку, каждый — в свою дату.",
            field=f"days[{i}].starts_at",
        )
    hours = _whole_number(
        raw.get("hours"),
        field=f"days[{i}].hours",
        label=f"День {n}: академических часов",
        low=hours_bounds["min"],
        high=hours_bounds["max"],
    )
    # An academic hour is 45 minutes; a day cannot accredit more than it lasts.
    if hours * 45 > (ends - starts).total_seconds() / 60:
        raise InvalidInput(
            f"День {n}: {hours} академических часов не помещаются между началом и окончанием.",
            field=f"days[{i}].hours",
        )
    return EventDayInput(
        date=starts.date().isoformat(),
        starts_at=starts.isoformat(),
        ends_at=ends.isoformat(),
        hours=hours,
    )


def _specialties(value: Any) -> list[str]:
    bounds = rules()["specialties"]
    if not isinstance(value, list) or not value:
        raise InvalidInput(
            "Выберите хотя бы одну специальность из справочника.", field="specialties"
        )
    if len(value) > bounds["max"]:
        raise InvalidInput(
            f"Не больше {bounds['max']} специальностей в одном мероприятии.", field="specialties"
        )
    codes: list[str] = []
    for item in value:
        code = str(item).strip() if isinstance(item, str | int) else ""
        if not code or not is_known_specialty(code):
            raise InvalidInput("Специальность не найдена в справочнике V021.", field="specialties")
        if code not in codes:
            codes.append(code)
    return codes


def validate_event(data: dict[str, Any]) -> EventInput:
    """The organizer's form as an `EventInput`, or one 400 listing every bad field in form
    order (the first also as `field`/`message`), so one save shows everything to fix."""
    errors: list[InvalidInput] = []

    def check(validate: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return validate(*args, **kwargs)
        except InvalidInput as err:
            errors.append(err)
            return None

    title = check(_text, data, "title", "Название")
    fmt = data.get("format")
    if fmt not in FORMATS:
        errors.append(
            InvalidInput("Поле «Формат»: очно (in_person) или онлайн (online).", field="format")
        )
    days = check(_days, data.get("days"))
    address = city = url = None
    if fmt == "in_person":
        address = check(_text, data, "address", "Адрес проведения")
        city = check(_text, data, "city", "Город", required=False) or None
    elif fmt == "online":
        url = check(_https_url, data.get("url"))
    specialties = check(_specialties, data.get("specialties"))
    capacity = check(validate_capacity, data.get("capacity"))
    program = check(_text, data, "program", "Программа", multiline=True)
    description = check(_text, data, "description", "Описание", required=False, multiline=True)
    contact = check(_text, data, "contact", "Контакты организатора")
    if errors:
        raise InvalidInput.collected(errors)
    return EventInput(
        title=title,
        format=str(fmt),
        days=days,
        specialties=specialties,
        capacity=capacity,
        program=program,
        contact=contact,
        description=description or "",
        address=address,
        city=city,
        url=url,
    )


def check_can_submit(first_day_starts_at: str | None, now: dt.datetime) -> None:
    """At submission every day must still be ahead (days are already ordered by validation)."""
    if not first_day_starts_at:
        raise InvalidInput("Укажите дни мероприятия.", field="days")
    if dt.datetime.fromisoformat(first_day_starts_at) <= now:
        raise InvalidInput(
            "День 1: начало уже прошло — перенесите даты в будущее и отправьте снова.",
            field="days[0].starts_at",
        )


def validate_reason(value: Any) -> str:
    return clean_text(
        value,
        field="reason",
        label="Причина",
        max_length=rules()["text"]["reason"],
        multiline=True,
    )


def required_minutes(day_hours: float) -> int:
    """Minutes of presence that earn a day's code: 270 of 360 for a 6-hour day, scaled by the
    day's accredited hours (a day of h hours is h × 60 scheduled minutes here)."""
    att = rules()["attendance"]
    return math.ceil(att["required_minutes"] * day_hours * 60 / att["of_minutes"])


def earns_code(minutes: int, day_hours: float) -> bool:
    return minutes >= required_minutes(day_hours)


def code_expires_on(day: str) -> str:
    return (dt.date.fromisoformat(day) + dt.timedelta(days=rules()["code_valid_days"])).isoformat()


def registration_open(status: str, first_starts_at: str | None, now: dt.datetime) -> bool:
    """The one rule: registration is open while a published event has not started yet."""
    if status != "published" or not first_starts_at:
        return False
    return now < dt.datetime.fromisoformat(first_starts_at)


PHASE_UPCOMING = "upcoming"
PHASE_ONGOING = "ongoing"
PHASE_FINISHED = "finished"
PHASE_CANCELLED = "cancelled"


def event_phase(status: str, day_bounds: list[tuple[str, str]], now: dt.datetime) -> str:
    """Where an event stands for a visitor: upcoming, ongoing, finished or cancelled.
    `day_bounds` are the (starts_at, ends_at) ISO datetimes of its days, in order."""
    if status == "cancelled":
        return PHASE_CANCELLED
    if status == "finished":
        return PHASE_FINISHED
    if not day_bounds:
        return PHASE_UPCOMING
    if has_ended(day_bounds, now):
        return PHASE_FINISHED
    if now >= dt.datetime.fromisoformat(day_bounds[0][0]):
        return PHASE_ONGOING
    return PHASE_UPCOMING


def has_ended(day_bounds: list[tuple[str, str]], now: dt.datetime) -> bool:
    """Whether the last day of an event is over (it can then be finished, never cancelled)."""
    return bool(day_bounds) and day_is_over(day_bounds[-1][1], now)


def day_is_over(ends_at: str, now: dt.datetime) -> bool:
    """Attendance of a day can be entered once that day is over (the one rule for it)."""
    return dt.datetime.fromisoformat(ends_at) <= now
