"""Redeeming an individual confirmation code: once, atomically, only by the right person.

One transaction marks the code redeemed (conditional), puts the credit, bumps the aggregate and
writes the audit entry, so two redemptions racing for one code give exactly one credit.

Guessing is limited per person per hour: every attempt first takes a slot in an AttemptCounter
with a conditional ADD (`attempts < 10`), so even parallel requests cannot look up more than ten
codes; the slot is given back when the attempt turns out not to be a guess (the code exists and
is the person's: redeemed now, already theirs, expired, or of another specialty). Typos and
unknown codes keep it; the eleventh gets 429 with Retry-After until the hour ends.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..db import codes_repo, dashboard_repo
from ..db.models import ConfirmationCode, CreditRecord, Specialist
from ..db.transactions import Transaction
from ..domain.codes import format_code, has_valid_check, normalize_code
from ..domain.dates import ru_date, today_msk, utcnow
from ..domain.specialties import specialty_name
from ..errors import Conflict, Gone, InvalidInput, NotFound, TooManyAttempts, Unprocessable
from . import credits

MAX_WRONG_PER_WINDOW = 10
WINDOW_SECONDS = 3600
_NOT_FOUND = "Код не найден. Проверьте, что он введён полностью и без ошибок."


def _take_slot(oid: str, now: dt.datetime) -> str:
    window = int(now.timestamp()) // WINDOW_SECONDS
    key = f"code#{oid}#{window}"
    window_end = (window + 1) * WINDOW_SECONDS
    if not codes_repo.take_attempt(key, limit=MAX_WRONG_PER_WINDOW, expires_at=window_end):
        raise TooManyAttempts(
            "Слишком много неверных кодов подряд. Попробуйте снова позже.",
            retry_after=window_end - int(now.timestamp()),
            field="code",
        )
    return key


def redeem(person: Specialist, body: dict[str, Any]) -> dict[str, Any]:
    now = utcnow()
    code = normalize_code(body.get("code"))  # malformed input is not a guess: no slot taken
    slot = _take_slot(person.oid, now)
    guess = True
    try:
        if not has_valid_check(code):
            raise InvalidInput(
                "В коде опечатка: контрольный символ не сходится. Сверьте код символ за символом.",
                field="code",
                code="code_typo",
            )
        item = codes_repo.get_code(code)
        if item is None or (item.issued_to and item.issued_to != person.oid):
            # A code issued to someone else is reported exactly like an unknown one.
            raise NotFound(_NOT_FOUND, field="code")
        if item.redeemed_at is None or item.redeemed_by == person.oid:
            guess = False
        _refuse_redeemed(item, person)
        _check_usable(item, person)
        result = _credit(item, person, now)
        guess = False
        return result
    finally:
        if not guess:
            codes_repo.give_back_attempt(slot)


def _check_usable(item: ConfirmationCode, person: Specialist) -> None:
    if item.expires_on < today_msk().isoformat():
        raise Gone(
            f"Срок действия кода истёк {ru_date(item.expires_on)}. Обратитесь к организатору.",
            field="code",
        )
    own = {s.code for s in person.specialties or []}
    if item.specialty not in own:
        raise Unprocessable(
            f"Код выдан по специальности «{specialty_name(item.specialty)}», а её нет среди "
            "ваших циклов. Добавьте специальность в профиль или обратитесь к организатору.",
            field="code",
            code="wrong_specialty",
        )


def _credit(item: ConfirmationCode, person: Specialist, now: dt.datetime) -> dict[str, Any]:
    record = CreditRecord(
        oid=person.oid,
        # Deterministic: a second write of the same code's credit collides instead of duplicating.
        record_id=f"{item.day}#code-{item.code}",
        kind="event",
        title=item.title,
        hours=item.hours,
        completed_on=item.day,
        specialty=item.specialty,
        source="code",
        document=format_code(item.code),
        element_id=item.event_id,
        created_at=now,
    )

    def mark_redeemed(tx: Transaction) -> None:
        tx.update(
            item,
            [
                ConfirmationCode.redeemed_at.set(now),
                ConfirmationCode.redeemed_by.set(person.oid),
                ConfirmationCode.record_id.set(record.record_id),
            ],
            condition=ConfirmationCode.redeemed_at.does_not_exist(),
            name="extra",
        )
        dashboard_repo.count_code_redeemed(tx, str(item.event_id))

    outcome = credits.write_credit(
        person, record, actor=person.oid, action="credit_code_redeemed", extra=mark_redeemed
    )
    if outcome is not None:
        # Someone redeemed it between our read and our write: report who won, as on a re-read.
        fresh = codes_repo.get_code(item.code)
        if fresh is not None:
            _refuse_redeemed(fresh, person)
        raise Conflict("Код уже использован.", field="code", code="code_redeemed")
    return {
        "credit": credits.credit_item(record),
        "counts_in_cycle": credits.bucket_for(
            credits.person_cycles(person), record.specialty, record.kind, record.completed_on
        )
        is not None,
    }


def _refuse_redeemed(item: ConfirmationCode, person: Specialist) -> None:
    if item.redeemed_at is None:
        return
    if item.redeemed_by == person.oid:
        raise Conflict(
            f"Этот код уже зачтён вам {ru_date(item.redeemed_at.date())}.",
            field="code",
            code="code_redeemed",
        )
    raise Conflict("Код уже использован.", field="code", code="code_redeemed")
