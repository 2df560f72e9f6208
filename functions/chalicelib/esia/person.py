"""The person record from `/rs/prns/{oid}`, checked and turned into what the portal stores."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ..domain.identifiers import IdentifierError, normalize_snils
from ..domain.text import clean_text
from ..errors import InvalidInput


class PersonRecordRejected(Exception):
    """The record lacks something the portal needs; `field` names it (never its value)."""

    def __init__(self, field: str):
        super().__init__(field)
        self.field = field


@dataclass(frozen=True)
class EsiaPerson:
    oid: str
    snils: str  # digits only
    last_name: str
    first_name: str
    middle_name: str | None
    birth_date: str | None  # ISO
    gender: str | None  # M | F
    trusted: bool

    def identity_fields(self) -> dict[str, Any]:
        return {
            "snils": self.snils,
            "last_name": self.last_name,
            "first_name": self.first_name,
            "middle_name": self.middle_name,
            "birth_date": self.birth_date,
            "gender": self.gender,
        }


def _name(record: dict[str, Any], key: str, *, required: bool) -> str | None:
    try:
        value = clean_text(record.get(key), field=key, label=key, max_length=100, required=required)
    except InvalidInput as exc:
        raise PersonRecordRejected(key) from exc
    return value or None


def parse_person(oid: str, record: dict[str, Any]) -> EsiaPerson:
    """A checked person, or PersonRecordRejected naming the first unusable field."""
    raw_snils = record.get("snils")
    if not isinstance(raw_snils, str) or not raw_snils.strip():
        raise PersonRecordRejected("snils")
    try:
        snils = normalize_snils(raw_snils)
    except IdentifierError as exc:
        raise PersonRecordRejected("snils") from exc
    last_name = _name(record, "lastName", required=True)
    first_name = _name(record, "firstName", required=True)
    middle_name = _name(record, "middleName", required=False)
    birth_date = None
    if record.get("birthDate"):
        try:
            birth_date = (
                dt.datetime.strptime(str(record["birthDate"]), "%d.%m.%Y").date().isoformat()
            )
        except ValueError as exc:
            raise PersonRecordRejected("birthDate") from exc
    gender = record.get("gender") if record.get("gender") in ("M", "F") else None
    return EsiaPerson(
        oid=oid,
        snils=snils,
        last_name=last_name or "",
        first_name=first_name or "",
        middle_name=middle_name,
        birth_date=birth_date,
        gender=gender,
        trusted=record.get("trusted") is True,
    )
