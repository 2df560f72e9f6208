"""Kinds of notification, their keys and the address rules: pure, no I/O.

A kind is registered once (`KINDS`); adding one is a new `Kind(...)` here and two templates
(`mail/templates/<kind>.html` and `.txt`). The never-twice key of a notification is built only
by `notification_id`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ..errors import InvalidInput
from .cycles import add_months

AUDIENCE_SPECIALIST = "specialist"
AUDIENCE_ORGANIZER = "organizer"
AUDIENCE_MODERATOR = "moderator"


@dataclass(frozen=True)
class Kind:
    name: str
    audience: str
    label: str  # what the cabinet's preferences list calls it
    # On unless the person switched it off; the important ones (a seat, a decision, a code) are
    # on by default, the rest too except where marked.
    default_on: bool = True


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("portfolio_window", AUDIENCE_SPECIALIST, "Открылось окно подачи портфолио"),
        Kind("expiry_reminder", AUDIENCE_SPECIALIST, "За 6, 3 и 1 месяц до окончания срока"),
        Kind("event_tomorrow", AUDIENCE_SPECIALIST, "Накануне мероприятия, на которое я записан"),
        Kind("promoted", AUDIENCE_SPECIALIST, "Место из листа ожидания"),
        Kind("event_changed", AUDIENCE_SPECIALIST, "Мероприятие изменено или отменено"),
        Kind("code_issued", AUDIENCE_SPECIALIST, "Выдан код подтверждения"),
        Kind("credit_arrived", AUDIENCE_SPECIALIST, "Провайдер передал зачёт"),
        Kind("application_step", AUDIENCE_SPECIALIST, "Ход рассмотрения моих заявлений"),
        Kind("event_decision", AUDIENCE_ORGANIZER, "Мероприятие опубликовано или отклонено"),
        Kind("attendance_due", AUDIENCE_ORGANIZER, "Внести посещаемость после дня мероприятия"),
        Kind("review_digest", AUDIENCE_MODERATOR, "Ежедневная сводка очереди на рассмотрении"),
        # Sent to the new address itself; never switched off (it is the person's own request).
        Kind("email_confirm", AUDIENCE_SPECIALIST, "Подтверждение адреса", default_on=True),
    )
}
# The address confirmation is not a notification about the portal: never switched off, never
# offers an unsubscribe, and its one-use link stays out of the cabinet's feed.
CONFIRMATION_KIND = "email_confirm"
# Kinds a person may switch off.
OPTIONAL_KINDS = tuple(k for k in KINDS if k != CONFIRMATION_KIND)

# Months before the document's expiry at which a reminder goes while something is missing.
EXPIRY_REMINDER_MONTHS = (6, 3, 1)
REMINDER_WINDOW = "portfolio_window"


def kind(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise ValueError(f"unknown notification kind {name!r}") from None


def notification_id(kind_name: str, subject: str, day: dt.date | str) -> str:
    """The deterministic key: the day it is about first (the feed sorts by it), then kind and
    subject (an event id, a specialty, a code's day). Same inputs, same key: sent once."""
    kind(kind_name)
    iso = day.isoformat() if isinstance(day, dt.date) else str(day)
    return f"{iso}#{kind_name}#{subject}"


def wants(kind_name: str, preferences: dict[str, bool] | None) -> bool:
    chosen = (preferences or {}).get(kind_name)
    return kind(kind_name).default_on if chosen is None else bool(chosen)


def reminder_days(expires: dt.date, window_months: int) -> list[tuple[str, dt.date]]:
    """(reminder kind, the day it is due) for one document: the window opening, then 6/3/1
    months before expiry."""
    days = [(REMINDER_WINDOW, add_months(expires, -window_months))]
    days += [(f"expiry_{m}m", add_months(expires, -m)) for m in EXPIRY_REMINDER_MONTHS]
    return days


# --- addresses ---------------------------------------------------------------------------------

# Deliberately narrow: what a mail system accepts from a person's form, ASCII local part (SES and
# Postbox refuse SMTPUTF8), a domain with a dot. Anything a header could be broken with is out.
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@"
    r"(?=.{4,253}$)(?:[A-Za-z0-9\u0400-\u04ff](?:[A-Za-z0-9\u0400-\u04ff-]{0,61}"
    r"[A-Za-z0-9\u0400-\u04ff])?\.)+[A-Za-z\u0400-\u04ff]{2,63}$"
)


def normalise_email(value: object, *, field: str = "email") -> str:
    """A checked address with the domain lower-cased (IDN domains as punycode), or a 400."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("Укажите адрес электронной почты.", field=field)
    text = value.strip()
    if len(text) > 254 or not _EMAIL.match(text) or ".." in text:
        raise InvalidInput(
            "Адрес электронной почты указан неверно: ожидается вида name@example.ru.", field=field
        )
    local, _, domain = text.rpartition("@")
    try:
        ascii_domain = domain.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise InvalidInput("Адрес электронной почты: домен указан неверно.", field=field) from exc
    return f"{local}@{ascii_domain}"


def mask_email(email: str) -> str:
    """«iv***@mail.ru»: enough for a person to recognise their address on a page."""
    local, _, domain = email.partition("@")
    return f"{local[:2]}***@{domain}"


_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\x0b\x0c\x85]+")


def header_text(value: object, limit: int = 200) -> str:
    """One line of text fit for a mail header (a subject from an organizer's title): line
    breaks become spaces, so `\\r\\nBcc: …` stays text and can never start a header."""
    text = _LINE_BREAKS.sub(" ", str(value or ""))
    text = "".join(ch for ch in text if ch >= " " and ch != "\x7f")
    text = " ".join(text.split())
    return text[:limit]
