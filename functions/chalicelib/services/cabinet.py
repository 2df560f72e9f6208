"""The person's own profile settings in the cabinet: specialties with admitting documents, consent.

On the federal НМО portal people enter their specialties themselves; here too. A change is one
transaction (the profile, guarded by its version, plus the audit entry; db/people_repo), then the credit
aggregates are rebuilt for the new cycle boundaries.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..db import credits_repo, people_repo
from ..db.audit_repo import new_entry
from ..db.models import Specialist, SpecialtyRecord
from ..domain.cycles import add_months
from ..domain.dates import parse_iso_date, ru_date, today_msk, utcnow
from ..domain.rules import rule_book
from ..domain.specialties import EDUCATION_LEVELS, all_specialties, get_specialty, specialty_name
from ..domain.text import clean_text
from ..errors import Conflict, InvalidInput
from . import credits, reminders

MAX_SPECIALTIES = 5
EARLIEST_ADMISSION = dt.date(1980, 1, 1)
DOCUMENT_KINDS = {"accreditation": "свидетельство об аккредитации", "certificate": "сертификат"}


def specialties_view(person: Specialist) -> list[dict[str, Any]]:
    return [
        {
            "code": s.code,
            "admitted_on": s.admitted_on,
            "document_kind": s.document_kind,
            "document_number": s.document_number,
            "rule_set": s.rule_set,
            "pace": s.pace,
        }
        for s in person.specialties or []
    ]


def specialty_choices() -> list[dict[str, str]]:
    """V021 specialties with their education level (the form offers those of the chosen level)."""
    return [
        {"code": s.code, "name": specialty_name(s.code), "education_level": s.education_level}
        for s in all_specialties()
    ]


def _parse_entry(raw: Any, index: int, level: str) -> SpecialtyRecord:
    prefix = f"specialties[{index}]"
    if not isinstance(raw, dict):
        raise InvalidInput(
            f"Специальность № {index + 1}: ожидается объект с полями code и admitted_on.",
            field=prefix,
        )
    code = str(raw.get("code") or "").strip()
    spec = get_specialty(code) if code else None
    if spec is None:
        raise InvalidInput(
            f"Специальность № {index + 1}: выберите специальность из справочника V021.",
            field=f"{prefix}.code",
        )
    if spec.education_level != level:
        raise InvalidInput(
            f"Специальность «{spec.name}» не соответствует вашему уровню образования "
            f"({EDUCATION_LEVELS[level]}).",
            field=f"{prefix}.code",
        )
    admitted = parse_iso_date(
        raw.get("admitted_on"),
        field=f"{prefix}.admitted_on",
        label="дата выдачи документа о допуске",
    )
    if admitted > today_msk() or admitted < EARLIEST_ADMISSION:
        raise InvalidInput(
            "Дата выдачи документа о допуске не может быть в будущем или раньше 1980 года.",
            field=f"{prefix}.admitted_on",
        )
    kind = raw.get("document_kind") or "accreditation"
    if kind not in DOCUMENT_KINDS:
        raise InvalidInput(
            "Вид документа: accreditation (свидетельство об аккредитации) или certificate "
            "(сертификат).",
            field=f"{prefix}.document_kind",
        )
    number = clean_text(
        raw.get("document_number"),
        field=f"{prefix}.document_number",
        label="номер документа",
        max_length=50,
        required=False,
    )
    book = rule_book()
    rule_set = raw.get("rule_set") or None
    if rule_set is not None:
        chosen = book.get(str(rule_set))
        if chosen is None:
            raise InvalidInput("Неизвестный набор правил зачёта.", field=f"{prefix}.rule_set")
        expires = add_months(admitted, 12 * chosen.cycle_years)
        if not chosen.applies_to_expiry(expires):
            allowed = "; ".join(f"«{r.title}»" for r in book.choices_for_expiry(expires))
            raise InvalidInput(
                f"Набор правил «{chosen.title}» не применяется к документу, действующему до "
                f"{ru_date(expires)}. Для него: {allowed}.",
                field=f"{prefix}.rule_set",
            )
    pace = raw.get("pace") or None
    if pace is not None and book.pace(str(pace)) is None:
        raise InvalidInput("Неизвестный темп планирования.", field=f"{prefix}.pace")
    return SpecialtyRecord(
        code=spec.code,
        admitted_on=admitted.isoformat(),
        document_kind=kind,
        document_number=number or None,
        rule_set=rule_set,
        pace=pace,
    )


def update_specialties(person: Specialist, body: dict[str, Any]) -> dict[str, Any]:
    """Replace the person's specialties; returns them with the recomputed cycles."""
    level = body.get("education_level") or person.education_level
    if level not in EDUCATION_LEVELS:
        raise InvalidInput(
            "Укажите уровень образования: higher (высшее), secondary (среднее) или "
            "pharmaceutical (фармацевтическое).",
            field="education_level",
        )
    raw = body.get("specialties")
    if not isinstance(raw, list):
        raise InvalidInput("Поле specialties — список специальностей.", field="specialties")
    if len(raw) > MAX_SPECIALTIES:
        raise InvalidInput(f"Не больше {MAX_SPECIALTIES} специальностей.", field="specialties")
    entries = [_parse_entry(item, i, level) for i, item in enumerate(raw)]
    codes = [e.code for e in entries]
    if len(set(codes)) != len(codes):
        raise InvalidInput(
            "Специальность указана дважды: у каждой специальности один цикл.",
            field="specialties",
        )
    before = specialties_view(person)
    audit = new_entry(
        credits_repo.person_subject(person.oid),
        person.oid,
        "specialties_changed",
        before={"education_level": person.education_level, "specialties": before},
        after={
            "education_level": level,
            "specialties": [
                {
                    "code": e.code,
                    "admitted_on": e.admitted_on,
                    "rule_set": e.rule_set,
                    "pace": e.pace,
                }
                for e in entries
            ],
        },
    )
    if not people_repo.save_specialties(person, entries, level, audit):
        raise Conflict(
            "Профиль изменился в другой вкладке. Обновите страницу и повторите.",
            code="profile_changed",
        )
    previous = Specialist(person.oid, specialties=list(person.specialties or []))
    person.specialties = entries
    person.education_level = level
    credits.rebuild_totals(person)
    # The dated reminders (window, 6/3/1 months) follow the new cycles (issue 16).
    reminders.reschedule(previous, person)
    return {
        "education_level": level,
        "specialties": specialties_view(person),
        "cycles": credits.cycles_view(person),
    }


def set_consent(person: Specialist, body: dict[str, Any]) -> dict[str, Any]:
    """Give or withdraw consent to pass data to ЕГИСЗ (what was sent stays sent)."""
    value = body.get("egisz")
    if not isinstance(value, bool):
        raise InvalidInput("Поле egisz — true или false.", field="egisz")
    before = bool(person.consent_egisz)
    if before != value:
        now = utcnow()
        audit = new_entry(
            credits_repo.person_subject(person.oid),
            person.oid,
            "consent_changed",
            before={"egisz": before},
            after={"egisz": value},
        )
        people_repo.save_consent(person, value, now, audit)
        person.consent_egisz = value
        person.consent_changed_at = now
    changed = person.consent_changed_at
    return {"egisz": value, "changed_at": changed.isoformat() if changed else None}
