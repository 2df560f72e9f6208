"""Test people of the local ЕСИА emulator: the fixed personas (the oids demo data gives roles
to), plus any person defined in a file or on the emulator's login page, so load and acceptance
tests can log in hundreds of distinct people through the real flow."""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Persona:
    oid: str
    last_name: str
    first_name: str
    middle_name: str
    birth_date: str  # dd.MM.yyyy, as ЕСИА sends it
    gender: str
    snils: str  # XXX-XXX-XXX YY, as ЕСИА sends it
    trusted: bool
    description: str  # shown on the emulator's login page
    declines: bool = False
    # Contacts ЕСИА holds (`/rs/prns/{oid}/ctts`); "" for none. Fixed personas get an example
    # address derived from the oid (example.ru is reserved, nothing is ever delivered there).
    email: str | None = None
    mobile: str = ""

    def __post_init__(self) -> None:
        if self.email is None:
            object.__setattr__(self, "email", f"esia-{self.oid}@example.ru")


PERSONAS: tuple[Persona, ...] = (
    Persona(
        "1000000001",
        "Петров",
        "Сергей",
        "Иванович",
        "15.03.1980",
        "M",
        "112-233-445 95",
        True,
        "Врач-терапевт, подтверждённая учётная запись (специальность «Терапия», код 76)",
    ),
    Persona(
        "1000000002",
        "Смирнова",
        "Анна",
        "Викторовна",
        "02.07.1991",
        "F",
        "128-394-576 94",
        True,
        "Медицинская сестра, подтверждённая учётная запись («Сестринское дело»)",
    ),
    Persona(
        "1000000003",
        "Кузнецов",
        "Олег",
        "Петрович",
        "21.11.1987",
        "M",
        "145-678-912 08",
        False,
        "Неподтверждённая (стандартная) учётная запись",
    ),
    Persona(
        "1000000004",
        "Васильева",
        "Елена",
        "Андреевна",
        "09.05.1975",
        "F",
        "156-789-123 17",
        True,
        "Отказывается предоставить доступ к данным",
        declines=True,
    ),
    Persona(
        "1000000005",
        "Морозова",
        "Ольга",
        "Николаевна",
        "30.01.1970",
        "F",
        "167-891-234 17",
        True,
        "Организатор мероприятий (демо), подтверждённая учётная запись",
    ),
    Persona(
        "1000000006",
        "Соколов",
        "Андрей",
        "Михайлович",
        "12.12.1968",
        "M",
        "178-912-345 08",
        True,
        "Модератор министерства (демо), подтверждённая учётная запись",
    ),
    Persona(
        "1000000007",
        "Новиков",
        "Павел",
        "Сергеевич",
        "04.08.1982",
        "M",
        "189-123-456 91",
        True,
        "Администратор портала (демо), подтверждённая учётная запись",
    ),
)


def persona(oid: str) -> Persona | None:
    return next((p for p in PERSONAS if p.oid == oid), None)


class PersonInvalid(ValueError):
    """A test person that cannot be made; the message is Russian, for the emulator's page."""


_SNILS = re.compile(r"(\d{3})-?(\d{3})-?(\d{3})[ -]?(\d{2})")
_NAME_MAX = 100


def _snils_as_esia_sends_it(value: str) -> str:
    match = _SNILS.fullmatch(value.strip())
    if not match:
        raise PersonInvalid("СНИЛС: 11 цифр, например 112-233-445 95.")
    a, b, c, d = match.groups()
    return f"{a}-{b}-{c} {d}"


def _birth_date(value: str) -> str:
    """dd.MM.yyyy, as ЕСИА sends it; the page's date field gives yyyy-mm-dd."""
    for fmt in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(value.strip(), fmt).strftime("%d.%m.%Y")
        except ValueError:
            continue
    raise PersonInvalid("Дата рождения: ДД.ММ.ГГГГ.")


def _name(value: Any, label: str, *, required: bool) -> str:
    text = " ".join(str(value or "").split())
    if required and not text:
        raise PersonInvalid(f"Укажите: {label}.")
    if len(text) > _NAME_MAX:
        raise PersonInvalid(f"{label}: не длиннее {_NAME_MAX} знаков.")
    return text


def oid_for_snils(snils: str) -> str:
    """A stable oid per СНИЛС: the same test person gets the same account at every login, and
    it never collides with the personas' 1000000001…"""
    return "2" + re.sub(r"\D", "", snils)


def person_from_fields(fields: dict[str, Any]) -> Persona:
    """A person from a file entry or the page's form (keys as in the people file)."""
    snils = _snils_as_esia_sends_it(str(fields.get("snils") or ""))
    gender = str(fields.get("gender") or "")
    if gender not in ("", "M", "F"):
        raise PersonInvalid("Пол: M или F.")
    trusted = fields.get("trusted", True)
    if isinstance(trusted, str):
        trusted = trusted.lower() in ("1", "true", "on", "yes", "да")
    person = Persona(
        oid=str(fields.get("oid") or oid_for_snils(snils)),
        last_name=_name(fields.get("last_name"), "фамилия", required=True),
        first_name=_name(fields.get("first_name"), "имя", required=True),
        middle_name=_name(fields.get("middle_name"), "отчество", required=False),
        birth_date=_birth_date(str(fields.get("birth_date") or "01.01.1980")),
        gender=gender or "F",
        snils=snils,
        trusted=bool(trusted),
        description="Тестовый человек" + ("" if trusted else " (неподтверждённая запись)"),
    )
    if not (person.oid.isascii() and person.oid.isdigit() and len(person.oid) <= 18):
        raise PersonInvalid("oid: только цифры, не больше 18.")
    return person


def load_people(path: Path) -> list[Persona]:
    """A JSON list of people: `{"last_name", "first_name", "middle_name", "snils",
    "birth_date", "gender", "trusted", "oid"?}` (see README)."""
    try:
        entries = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PersonInvalid(f"Файл людей {path} не читается: {exc}") from exc
    if not isinstance(entries, list):
        raise PersonInvalid(f"Файл людей {path}: ожидается список JSON.")
    people = []
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            raise PersonInvalid(f"Файл людей {path}, запись {number}: ожидается объект.")
        try:
            people.append(person_from_fields(entry))
        except PersonInvalid as exc:
            raise PersonInvalid(f"Файл людей {path}, запись {number}: {exc}") from exc
    return people


class People:
    """Everyone the emulator can log in: personas first, then added people by oid."""

    def __init__(self, extra: list[Persona] | None = None):
        self._lock = threading.Lock()
        self._added: dict[str, Persona] = {}
        for person in extra or []:
            self.add(person)

    def add(self, person: Persona) -> Persona:
        if persona(person.oid) is not None:
            raise PersonInvalid("Этот oid занят встроенной персоной.")
        with self._lock:
            self._added[person.oid] = person
        return person

    def get(self, oid: str) -> Persona | None:
        with self._lock:
            return persona(oid) or self._added.get(oid)

    def added(self) -> list[Persona]:
        with self._lock:
            return list(self._added.values())
