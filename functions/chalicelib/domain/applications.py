"""Applications («заявления»): a person disputes a missing or wrong record with documents.

The one home of the rules: kinds and what each must name, the state machine (every transition
and who may make it), who reviews an application, working days, and what a document may be.
No I/O here; services/applications.py applies these rules and db/applications_repo.py stores them.

    подано ──take──► на рассмотрении ──accept──► принято
       │                  │
       └──accept/reject───┴──reject (причина)──► отклонено ──appeal (once, comment)──► обжаловано
                                                                                         │
                                    окончательное решение: принято / отклонено ◄─accept/reject┘
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from ..errors import Conflict, InvalidInput

# --- kinds ---------------------------------------------------------------------------------------

KINDS = {
    "missing_event": "нет зачёта за мероприятие",
    "missing_programme": "нет зачёта за ДПП ПК / ИОМ",
    "record_error": "ошибка в записи",
}
# The credit kind a missing-credit application creates when it is accepted.
PROGRAMME_KINDS = ("dpp_pk", "iom")

# --- states --------------------------------------------------------------------------------------

STATUSES = {
    "submitted": "подано",
    "in_review": "на рассмотрении",
    "accepted": "принято",
    "rejected": "отклонено",
    "appealed": "обжаловано",
    "final_accepted": "принято по жалобе (окончательное решение)",
    "final_rejected": "отклонено окончательно",
}
OPEN_STATUSES = ("submitted", "in_review", "appealed")
ACCEPTED_STATUSES = ("accepted", "final_accepted")

# (status, action) → next status. Who may act is checked separately (`check_actor`).
TRANSITIONS: dict[tuple[str, str], str] = {
    ("submitted", "take"): "in_review",
    ("submitted", "accept"): "accepted",
    ("submitted", "reject"): "rejected",
    ("in_review", "accept"): "accepted",
    ("in_review", "reject"): "rejected",
    # Only a first rejection can be appealed: a rejection after an appeal is final, so «once»
    # needs no counter.
    ("rejected", "appeal"): "appealed",
    ("appealed", "accept"): "final_accepted",
    ("appealed", "reject"): "final_rejected",
}
ACTIONS = {
    "submit": "заявление подано",
    "take": "взято на рассмотрение",
    "accept": "принято",
    "reject": "отклонено",
    "appeal": "подана жалоба на отказ",
}
REVIEW_ACTIONS = ("take", "accept", "reject")

MAX_TEXT = 2000
MAX_DOCUMENTS = 5
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
ESCALATION_WORKING_DAYS = 10


def next_status(status: str, action: str) -> str:
    """The status an action leads to, or 409 when the application is not in a state for it."""
    target = TRANSITIONS.get((status, action))
    if target is None:
        raise Conflict(_refusal(status, action), code="wrong_status")
    return target


def _refusal(status: str, action: str) -> str:
    label = STATUSES.get(status, status)
    if action == "appeal":
        if status in ("appealed", "final_accepted", "final_rejected"):
            return "Жалобу на отказ можно подать только один раз."
        return f"Обжаловать можно только отказ, а заявление сейчас «{label}»."
    if action in ("accept", "reject") and status not in OPEN_STATUSES:
        return f"Решение по заявлению уже принято: «{label}»."
    return f"Это действие недоступно: заявление «{label}»."


def is_final(status: str) -> bool:
    return status in ("accepted", "final_accepted", "final_rejected")


# --- who reviews ---------------------------------------------------------------------------------

MODERATORS = "moderators"


def organization_reviewer(org_id: str) -> str:
    return f"org#{org_id}"


def reviewer_org(reviewer: str) -> str | None:
    return reviewer[len("org#") :] if reviewer.startswith("org#") else None


def routed_reviewer(element_organizer: str | None, *, organizer_on_portal: bool) -> str:
    """Who reviews a new application: the organizer of the event or the provider of the
    programme (or of the disputed record) when it is on the portal, else the moderators."""
    if element_organizer and organizer_on_portal:
        return organization_reviewer(element_organizer)
    return MODERATORS


def effective_reviewer(reviewer: str, status: str, filed_on: dt.date, today: dt.date) -> str:
    """Who reviews it now: appeals, and applications left open for more than ten working days,
    go to the moderators whoever they were routed to."""
    if status == "appealed":
        return MODERATORS
    if status in ("submitted", "in_review") and overdue(filed_on, today):
        return MODERATORS
    return reviewer


def overdue(filed_on: dt.date, today: dt.date) -> bool:
    return working_days_between(filed_on, today) > ESCALATION_WORKING_DAYS


def may_review(reviewer_now: str, *, roles: list[str], organization_id: str | None) -> bool:
    """Moderators may act on any application (they are the last resort); an organizer only on
    one routed to their organization and not escalated."""
    if "moderator" in roles:
        return True
    org = reviewer_org(reviewer_now)
    return "organizer" in roles and org is not None and org == organization_id


# --- working days --------------------------------------------------------------------------------

# Non-working public holidays of the Трудовой кодекс РФ, ст. 112 (month, day). The government's
# yearly transfers of days off are not modelled: an escalation a day early or late is harmless.
PUBLIC_HOLIDAYS = frozenset(
    [(1, d) for d in range(1, 9)] + [(2, 23), (3, 8), (5, 1), (5, 9), (6, 12), (11, 4)]
)


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and (day.month, day.day) not in PUBLIC_HOLIDAYS


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (0 when end ≤ start). Bounded by the
    span, which for open applications is weeks, so a loop is fine."""
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


# --- what an application says --------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """What the person says is missing or wrong, validated per kind."""

    kind: str
    element_id: str | None = None  # catalog event / programme when the person picked one
    title: str | None = None  # a programme not in the catalog, by its name
    day: str | None = None  # event day (ISO)
    specialty: str | None = None
    completed_on: str | None = None
    document_number: str | None = None
    record_id: str | None = None  # record_error: which record
    description: str = ""  # what happened / what is wrong

    def view(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "")}


def _text(body: dict[str, Any], field: str, label: str, *, required: bool, limit: int) -> str:
    value = body.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInput(f"Заполните поле «{label}».", field=field)
        return ""
    if not isinstance(value, str):
        raise InvalidInput(f"Поле «{label}» — текст.", field=field)
    value = value.strip()
    if len(value) > limit:
        raise InvalidInput(f"Поле «{label}» длиннее {limit} символов.", field=field)
    return value


def _date(body: dict[str, Any], field: str, label: str, today: dt.date) -> str:
    from .dates import parse_iso_date

    day = parse_iso_date(body.get(field), field=field, label=label)
    if day > today:
        raise InvalidInput(f"Поле «{label}»: дата ещё не наступила.", field=field)
    return day.isoformat()


def parse_claim(body: dict[str, Any], today: dt.date) -> Claim:
    """The claim of a new application; 400 naming every bad field (`problems`)."""
    kind = body.get("kind")
    if kind not in KINDS:
        raise InvalidInput(
            "Вид заявления: нет зачёта за мероприятие, за ДПП ПК / ИОМ или ошибка в записи.",
            field="kind",
        )
    errors: list[InvalidInput] = []

    def collect(fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except InvalidInput as err:
            errors.append(err)
            return None

    description = collect(
        _text,
        body,
        "description",
        "Что произошло",
        required=kind == "record_error",
        limit=MAX_TEXT,
    )
    claim: Claim
    if kind == "missing_event":
        element = collect(_text, body, "element_id", "Мероприятие", required=True, limit=80)
        day = collect(_date, body, "day", "День мероприятия", today)
        specialty = collect(_text, body, "specialty", "Специальность", required=True, limit=10)
        claim = Claim(
            kind, element_id=element, day=day, specialty=specialty, description=description or ""
        )
    elif kind == "missing_programme":
        element = collect(_text, body, "element_id", "Программа", required=False, limit=80)
        title = collect(_text, body, "title", "Название программы", required=not element, limit=300)
        completed = collect(_date, body, "completed_on", "Дата завершения", today)
        number = collect(_text, body, "document_number", "Номер документа", required=True, limit=60)
        specialty = collect(_text, body, "specialty", "Специальность", required=True, limit=10)
        claim = Claim(
            kind,
            element_id=element or None,
            title=title or None,
            completed_on=completed,
            document_number=number,
            specialty=specialty,
            description=description or "",
        )
    else:
        record = collect(_text, body, "record_id", "Запись", required=True, limit=120)
        claim = Claim(kind, record_id=record, description=description or "")
    if errors:
        raise InvalidInput.collected(errors)
    return claim


def parse_reason(value: object, *, field: str = "reason", label: str = "Причина") -> str:
    return _text({field: value}, field, label, required=True, limit=MAX_TEXT)


# --- documents -----------------------------------------------------------------------------------

DOCUMENT_TYPES = {
    "application/pdf": ("pdf",),
    "image/jpeg": ("jpg", "jpeg"),
    "image/png": ("png",),
}
_MAGIC = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}
MAGIC_BYTES = 8  # how many leading bytes `content_type_of` needs


def check_document(file_name: object, content_type: object, size: object) -> tuple[str, str]:
    """What the browser declares before uploading: (sanitised name, content type), or 400."""
    if content_type not in DOCUMENT_TYPES:
        raise InvalidInput("Документ: только PDF, JPEG или PNG.", field="content_type")
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        raise InvalidInput("Размер файла не указан.", field="size")
    if size > MAX_DOCUMENT_BYTES:
        raise InvalidInput("Файл больше 10 МБ: уменьшите скан или фотографию.", field="size")
    name = sanitised_name(file_name if isinstance(file_name, str) else "", str(content_type))
    return name, str(content_type)


def content_type_of(head: bytes) -> str | None:
    """The type a file really is by its first bytes (a renamed file is caught here)."""
    for content_type, signatures in _MAGIC.items():
        if any(head.startswith(s) for s in signatures):
            return content_type
    return None


_UNSAFE = re.compile(r"[^\w.\- ()]+", re.UNICODE)


def sanitised_name(name: str, content_type: str) -> str:
    """A file name safe to show and to put in Content-Disposition: no path, no control or quote
    characters, at most 100 characters, with the extension of its real type."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = _UNSAFE.sub("_", stem).strip(" ._") or "документ"
    return f"{stem[:90]}.{DOCUMENT_TYPES[content_type][0]}"
