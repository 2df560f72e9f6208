"""Test people of the local ЕСИА emulator. The oids are the ones demo data gives roles to."""

from __future__ import annotations

from dataclasses import dataclass


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
