"""Redeeming an individual confirmation code: once, atomically, only by the right person.

One TransactWrite marks the code redeemed (conditional), puts the credit, bumps the aggregate and
writes the audit entry, so two redemptions racing for one code give exactly one credit. Wrong
codes are counted per person per hour (AttemptCounter with TTL); the 11th gets 429.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pynamodb.transactions import TransactWrite

from ..db import codes_repo
from ..db.models import ConfirmationCode, CreditRecord, Specialist
from ..domain.codes import format_code, has_valid_check, normalize_code
from ..domain.dates import ru_date, utcnow
from ..domain.specialties import specialty_name
from ..errors import Conflict, Gone, InvalidInput, NotFound, TooManyAttempts, Unprocessable
from . import credits

MAX_WRONG_PER_WINDOW = 10
WINDOW_SECONDS = 3600
_NOT_FOUND = "Код не найден. Проверьте, что он введён полностью и без ошибок."


def _attempt_key(oid: str, now: dt.datetime) -> tuple[str, int]:
    window = int(now.timestamp()) // WINDOW_SECONDS
    return f"code#{oid}#{window}", (window + 1) * WINDOW_SECONDS


def _guard(oid: str, now: dt.datetime) -> None:
    key, window_end = _attempt_key(oid, now)
    if codes_repo.wrong_attempts(key) >= MAX_WRONG_PER_WINDOW:
        raise TooManyAttempts(
            "Слишком много неверных кодов подряд. Попробуйте снова позже.",
            retry_after=window_end - int(now.timestamp()),
            field="code",
        )


def _wrong(oid: str, now: dt.datetime) -> None:
    key, window_end = _attempt_key(oid, now)
    codes_repo.count_wrong_attempt(key, expires_at=window_end)


def redeem(person: Specialist, body: dict[str, Any]) -> dict[str, Any]:
    now = utcnow()
    _guard(person.oid, now)
    code = normalize_code(body.get("code"))
    if not has_valid_check(code):
        _wrong(person.oid, now)
        raise InvalidInput(
            "В коде опечатка: контрольный символ не сходится. Сверьте код символ за символом.",
            field="code",
            code="code_typo",
        )
    item = codes_repo.get_code(code)
    if item is None or (item.issued_to and item.issued_to != person.oid):
        # A code issued to someone else is reported exactly like an unknown one.
        _wrong(person.oid, now)
        raise NotFound(_NOT_FOUND, field="code")
    _refuse_redeemed(item, person, now)
    if item.expires_on < credits.today_msk().isoformat():
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
    record = CreditRecord(
        oid=person.oid,
        record_id=credits_repo_record_id(item),
        kind="event",
        title=item.title,
        hours=item.hours,
        completed_on=item.day,
        specialty=item.specialty,
        source="code",
        document=format_code(code),
        element_id=item.event_id,
        created_at=now,
    )

    def mark_redeemed(tx: TransactWrite) -> int:
        tx.update(
            item,
            actions=[
                ConfirmationCode.redeemed_at.set(now),
                ConfirmationCode.redeemed_by.set(person.oid),
                ConfirmationCode.record_id.set(record.record_id),
            ],
            condition=ConfirmationCode.redeemed_at.does_not_exist(),
        )
        return 1

    outcome = credits.write_credit(
        person, record, actor=person.oid, action="credit_code_redeemed", extra=mark_redeemed
    )
    if outcome is not None:
        # Someone redeemed it between our read and our write: report who won, as on a re-read.
        fresh = codes_repo.get_code(code)
        if fresh is not None:
            _refuse_redeemed(fresh, person, now)
        raise Conflict("Код уже использован.", field="code", code="code_redeemed")
    return {
        "credit": credits.credit_item(record),
        "counts_in_cycle": credits.bucket_for(
            credits.person_cycles(person), record.specialty, record.kind, record.completed_on
        )
        is not None,
    }


def credits_repo_record_id(item: ConfirmationCode) -> str:
    # Deterministic: a second write of the same code's credit collides instead of duplicating.
    return f"{item.day}#code-{item.code}"


def _refuse_redeemed(item: ConfirmationCode, person: Specialist, now: dt.datetime) -> None:
    if item.redeemed_at is None:
        return
    if item.redeemed_by == person.oid:
        raise Conflict(
            f"Этот код уже зачтён вам {ru_date(item.redeemed_at.date())}.",
            field="code",
            code="code_redeemed",
        )
    _wrong(person.oid, now)
    raise Conflict("Код уже использован.", field="code", code="code_redeemed")
