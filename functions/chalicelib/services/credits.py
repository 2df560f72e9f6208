"""The person's credit record: cycles and progress, the ledger, exports, history, pending imports.

Progress is drawn from per-person aggregates (db.credits_repo) kept in the same transaction as
every credit write, so `GET /api/me/cycles` is the session's GetItem plus one Query. When the
person's specialties or admission dates change, the aggregates are rebuilt from the records
(bounded by that person's record count, and rare).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from typing import Any

from pynamodb.exceptions import PynamoDBException

from ..db import credits_repo, dashboard_repo
from ..db.audit_repo import history as audit_history
from ..db.models import CreditRecord, PendingCredit, Specialist
from ..db.transactions import Transaction
from ..domain.catalog import CREDIT_KINDS, KINDS_SHORT
from ..domain.cycles import (
    Admission,
    Credit,
    Cycle,
    Standing,
    Tally,
    allocate,
    basis,
    cycles_for,
    eligible_cycles,
    not_counted_reason,
    progress,
    standing_of,
    tally_from_totals,
)
from ..domain.dates import ru_date, today_msk, utcnow
from ..domain.rules import rule_book
from ..domain.specialties import specialty_name
from ..errors import Conflict, DomainError, InvalidInput, NotFound

log = logging.getLogger("nmo.credits")

SOURCES = {
    "provider_import": "данные провайдера ДПП ПК / ИОМ",
    "code": "индивидуальный код подтверждения",
    "correction": "исправление администратором",
    "application": "заявление, принятое после проверки",
}
PLACED_BY_PERSON = "person"
MAX_WRITE_ATTEMPTS = 4
# A credit write also moves the person's dashboard placement, guarded by its version, so writes
# for one person run one at a time: each round at least one of them wins, and a burst (a
# provider's import while codes are redeemed) needs as many rounds as writes at once.
MAX_CONTENDED_ROUNDS = 16


def person_cycles(person: Specialist) -> list[Cycle]:
    admissions = []
    for record in person.specialties or []:
        try:
            admitted = dt.date.fromisoformat(record.admitted_on)
        except (TypeError, ValueError):
            log.warning("specialist has an unreadable admission date; cycle skipped")
            continue
        admissions.append(Admission(record.code, admitted, record.rule_set, record.pace))
    return cycles_for(admissions, rule_book())


def eligible_of(record: CreditRecord | PendingCredit) -> list[str]:
    """The specialties a record may count for (older records know only their own)."""
    if isinstance(record, PendingCredit):
        return [str(c) for c in record.candidate_specialties or []] or [record.specialty]
    return [str(c) for c in record.eligible_specialties or []] or [record.specialty]


def bucket_for(cycles: list[Cycle], specialty: str, kind: str, completed_on: str) -> Any:
    """The aggregate bucket a credit bumps, or None when it counts in no current cycle."""
    credit = Credit(kind, 0.0, dt.date.fromisoformat(completed_on), specialty)
    for cycle in cycles:
        year = cycle.counts(credit)
        if year is not None:
            return credit_bucket(cycle, year)
    return None


def credit_bucket(cycle: Cycle, year: int) -> credits_repo.Bucket:
    return credits_repo.Bucket(cycle.specialty, cycle.starts.isoformat(), year)


def tallies_of(cycles: list[Cycle], items: list[Any]) -> dict[str, Tally]:
    """Per specialty, the tally of its current cycle from stored aggregate items."""
    by_cycle: dict[tuple[str, str], dict[int, dict[str, float]]] = {}
    for item in items:
        parsed = credits_repo.parse_bucket_key(item.bucket)
        if parsed is None:
            continue
        specialty, start, year = parsed
        by_cycle.setdefault((specialty, start), {})[year] = {
            kind: float(getattr(item, kind) or 0) for kind in CREDIT_KINDS
        }
    return {
        c.specialty: tally_from_totals(c, by_cycle.get((c.specialty, c.starts.isoformat()), {}))
        for c in cycles
    }


def standings(cycles: list[Cycle], items: list[Any]) -> dict[str, Standing]:
    tallies = tallies_of(cycles, items)
    return {c.specialty: standing_of(c, tallies[c.specialty]) for c in cycles}


def place(record: CreditRecord, cycles: list[Cycle], current: dict[str, Standing]) -> None:
    """Allocate a new record to a cycle (sets `specialty`): where it closes most of what is
    missing. A record fitting no cycle keeps an own specialty (or the first accredited one) and
    is shown as «не засчитано» with the reason."""
    candidates = eligible_of(record)
    record.eligible_specialties = candidates  # type: ignore[assignment]
    day = dt.date.fromisoformat(record.completed_on)
    chosen = allocate(
        cycles,
        current,
        kind=record.kind,
        hours=float(record.hours),
        completed_on=day,
        specialties=candidates,
    )
    if chosen is not None:
        record.specialty = chosen.specialty
        return
    own = {c.specialty for c in cycles}
    record.specialty = next((s for s in candidates if s in own), candidates[0])


# --- aggregates ------------------------------------------------------------------------------


def rebuild_totals(person: Specialist) -> None:
    """Recompute a person's aggregates from their records for their current cycles."""
    for _ in range(credits_repo.MAX_REBUILD_ATTEMPTS):
        fresh = _reload(person)
        cycles = person_cycles(fresh)
        items = credits_repo.totals(fresh.oid)
        seq = credits_repo.summary_seq(items)
        buckets: dict[str, dict[str, float]] = {}
        for record in _reallocated(credits_repo.all_records(fresh.oid), cycles):
            bucket = bucket_for(cycles, record.specialty, record.kind, record.completed_on)
            if bucket is None or record.kind not in CREDIT_KINDS:
                continue
            key = credits_repo.bucket_key(bucket.specialty, bucket.cycle_start, bucket.year)
            per = buckets.setdefault(key, {"records": 0.0})
            per[record.kind] = per.get(record.kind, 0.0) + float(record.hours)
            per["records"] += 1
        stale = [i.bucket for i in items if credits_repo.parse_bucket_key(i.bucket) is not None]
        if credits_repo.replace_totals(
            fresh.oid, basis=basis(cycles), expected_seq=seq, stale=stale, buckets=buckets
        ):
            # Too many items to join the rebuild's own transaction: the counters follow in
            # theirs (a lag is caught up by the next change or `nmo stats rebuild`).
            _sync_dashboard(fresh)
            return
    raise Conflict(
        "Запись о баллах сейчас обновляется. Повторите через несколько секунд.", code="busy"
    )


def _reallocated(records: Iterable[CreditRecord], cycles: list[Cycle]) -> list[CreditRecord]:
    """Records as they should be allocated for the current cycles: one that no longer fits its
    cycle (specialties or dates changed) moves to another eligible cycle, if any. Each move is
    written alone, guarded by the record's old specialty; the caller then rebuilds the totals."""
    records = list(records)
    tallies = {c.specialty: Tally() for c in cycles}
    homeless = []
    for record in records:
        bucket = bucket_for(cycles, record.specialty, record.kind, record.completed_on)
        if bucket is None:
            homeless.append(record)
        else:
            tallies[bucket.specialty].add(bucket.year, record.kind, float(record.hours))
    for record in homeless:
        if not eligible_cycles(
            cycles, eligible_of(record), dt.date.fromisoformat(record.completed_on)
        ):
            continue
        old = record.specialty
        place(record, cycles, {c.specialty: standing_of(c, tallies[c.specialty]) for c in cycles})
        if record.specialty == old or not credits_repo.reassign(record, old):
            record.specialty = old
            continue
        bucket = bucket_for(cycles, record.specialty, record.kind, record.completed_on)
        if bucket is not None:
            tallies[bucket.specialty].add(bucket.year, record.kind, float(record.hours))
    return records


def _sync_dashboard(person: Specialist) -> None:
    from . import dashboard_counters

    dashboard_counters.sync(person)


def _reload(person: Specialist) -> Specialist:
    from ..db import people_repo

    return people_repo.get_specialist(person.oid) or person


def current_totals(person: Specialist, cycles: list[Cycle]) -> list[Any]:
    """The person's aggregate and plan items, rebuilt first if computed for other cycles."""
    items = credits_repo.totals(person.oid)
    summary = next((i for i in items if i.bucket == credits_repo.SUMMARY), None)
    if summary is not None and summary.basis != basis(cycles):
        # Specialties changed since the aggregates were computed (or a rebuild was interrupted).
        rebuild_totals(person)
        items = credits_repo.totals(person.oid)
    return items


def cycles_view(person: Specialist, today: dt.date | None = None) -> list[dict[str, Any]]:
    today = today or today_msk()
    cycles = person_cycles(person)
    tallies = tallies_of(cycles, current_totals(person, cycles))
    views = []
    for cycle in cycles:
        view = progress(cycle, tallies[cycle.specialty], today)
        view["specialty_name"] = specialty_name(cycle.specialty)
        views.append(view)
    return views


# --- writing credits -------------------------------------------------------------------------


def write_credit(
    person: Specialist,
    record: CreditRecord,
    *,
    actor: str,
    action: str,
    extra: Callable[[Transaction], None] | None = None,
) -> credits_repo.CreditWrite | None:
    """Write one credit with its aggregates; retries after rebuilding when specialties moved.

    Returns None on success, or the failed condition (record already there, or the caller's own).
    """
    from . import dashboard_counters

    current = person
    rebuilds = contended = 0
    while rebuilds < MAX_WRITE_ATTEMPTS and contended < MAX_CONTENDED_ROUNDS:
        cycles = person_cycles(current)
        # The totals are read for every write now: the dashboard counters move by the change of
        # the cycle's standing (services/dashboard_counters.py), along with the plan and the
        # choice among several cycles.
        items = credits_repo.totals(current.oid)
        placed = dashboard_repo.placement_of(current.oid)
        orgs = dashboard_counters.employers_counted(current)
        place(record, cycles, standings(cycles, items))
        planned = [
            i.bucket
            for i in credits_repo.plan_items(items)
            if i.element_id == record.element_id and not i.done_record
        ]
        bucket = bucket_for(cycles, record.specialty, record.kind, record.completed_on)
        after = tallies_of(cycles, items)
        if bucket is not None and record.kind in CREDIT_KINDS:
            after[bucket.specialty].add(bucket.year, record.kind, float(record.hours))
        placement = dashboard_counters.placement(cycles, after, orgs)

        def with_plan(
            tx: Transaction,
            planned: list[str] = planned,
            placed: dashboard_repo.Placement = placed,
            placement: dashboard_repo.Placement = placement,
        ) -> None:
            if extra:
                extra(tx)
            for bucket_key in planned:
                credits_repo.mark_plan_done(tx, record.oid, bucket_key, record.record_id)
            if placed.version is None or not placed.same_as(placement):
                dashboard_repo.add_moves(tx, record.oid, placed, placement)

        outcome = credits_repo.add_credit(
            record, bucket=bucket, basis=basis(cycles), actor=actor, action=action, extra=with_plan
        )
        if outcome is None:
            return None
        if outcome.record_exists or outcome.extra_failed:
            return outcome
        if (outcome.dashboard_changed or outcome.plan_changed) and not outcome.basis_changed:
            # Another write moved the person's counters, or a planned item went away meanwhile:
            # read again.
            contended += 1
            continue
        rebuilds += 1
        rebuild_totals(current)
        current = _reload(current)
    raise Conflict(
        "Запись о баллах сейчас обновляется. Повторите через несколько секунд.", code="busy"
    )


def apply_pending_credits(person: Specialist) -> int:
    """Move provider rows kept for this person's СНИЛС into their record (at login); idempotent.

    Returns how many credits were added. Each row moves in one transaction that also deletes it,
    so two logins at once cannot credit a row twice.
    """
    if not person.snils:
        return 0
    added = 0
    for pending in credits_repo.pending_for(person.snils):
        record = CreditRecord(
            oid=person.oid,
            record_id=pending.record_id,
            kind=pending.kind,
            title=pending.title,
            hours=pending.hours,
            completed_on=pending.completed_on,
            specialty=pending.specialty,
            eligible_specialties=eligible_of(pending),
            source="provider_import",
            document=pending.document,
            element_id=pending.element_id,
            created_at=utcnow(),
        )

        def delete_pending(tx: Transaction, item: PendingCredit = pending) -> None:
            tx.delete(item, condition=PendingCredit.record_id.exists(), name="extra")

        try:
            outcome = write_credit(
                person, record, actor="system", action="credit_imported", extra=delete_pending
            )
            if outcome is None:
                added += 1
            elif outcome.record_exists:
                # Already credited (an earlier login got there first): drop the leftover row.
                credits_repo.delete_pending(pending)
        except (DomainError, PynamoDBException) as exc:
            # Login must not fail over this: the row stays and is retried at the next login.
            log.warning("pending credit not applied yet: %s", type(exc).__name__)
    return added


def correct_credit(
    person: Specialist,
    record_id: str,
    *,
    hours: float | None = None,
    completed_on: str | None = None,
    specialty: str | None = None,
    delete: bool = False,
    reason: str,
    actor: str = "admin-cli",
    extra: Callable[[Transaction], None] | None = None,
) -> dict[str, Any] | None:
    """An operator's correction of one record (wrong hours, date or specialty), or its removal.

    The record, both aggregate buckets and the audit entry change in one transaction; returns the
    corrected record's view (None when removed).
    """
    from ..domain.specialties import is_known_specialty

    if not reason.strip():
        raise InvalidInput("Укажите причину исправления.", field="reason")
    current = person
    for _ in range(MAX_WRITE_ATTEMPTS):
        old = credits_repo.get_record(current.oid, record_id)
        if old is None:
            raise NotFound("Запись не найдена.", field="record_id")
        new: CreditRecord | None = None
        if not delete:
            new_hours = float(old.hours) if hours is None else float(hours)
            if not 0 < new_hours <= 1000:
                raise InvalidInput("Часы — положительное число не больше 1000.", field="hours")
            new_date = old.completed_on
            if completed_on is not None:
                try:
                    new_date = dt.date.fromisoformat(completed_on).isoformat()
                except ValueError as exc:
                    raise InvalidInput(
                        "Дата завершения — в формате ГГГГ-ММ-ДД.", field="completed_on"
                    ) from exc
            new_specialty = specialty or old.specialty
            if not is_known_specialty(new_specialty):
                raise InvalidInput("Специальность не из справочника V021.", field="specialty")
            token = old.record_id.split("#", 1)[1]
            new = CreditRecord(
                oid=old.oid,
                record_id=credits_repo.new_record_id(new_date, token),
                kind=old.kind,
                title=old.title,
                hours=new_hours,
                completed_on=new_date,
                specialty=new_specialty,
                source=old.source,
                document=old.document,
                element_id=old.element_id,
                created_at=old.created_at,
            )
        cycles = person_cycles(current)
        outcome = credits_repo.change_credit(
            old,
            new,
            old_bucket=bucket_for(cycles, old.specialty, old.kind, old.completed_on),
            new_bucket=bucket_for(cycles, new.specialty, new.kind, new.completed_on)
            if new is not None
            else None,
            basis=basis(cycles),
            actor=actor,
            action="credit_deleted" if delete else "credit_corrected",
            reason=reason.strip(),
            extra=extra,
        )
        if outcome is None:
            _sync_dashboard(current)
            return credit_item(new) if new is not None else None
        if outcome.extra_failed:
            raise Conflict(
                "Исправление уже не нужно: условие вызывающего изменилось.", code="stale"
            )
        if outcome.basis_changed:
            rebuild_totals(current)
            current = _reload(current)
        # else the record changed under us: read it again and retry
    raise Conflict(
        "Запись о баллах сейчас обновляется. Повторите через несколько секунд.", code="busy"
    )


# --- reading ---------------------------------------------------------------------------------


def list_credits(person: Specialist, params: dict[str, str]) -> dict[str, Any]:
    specialty = params.get("specialty") or None
    if specialty is not None and specialty not in {s.code for s in person.specialties or []}:
        raise InvalidInput("Такой специальности нет в вашем профиле.", field="specialty")
    cursor = None
    if params.get("cursor"):
        try:
            cursor = credits_repo.decode_cursor(params["cursor"], person.oid)
        except ValueError as exc:
            raise InvalidInput("Неверный курсор страницы.", field="cursor") from exc
    items, last = credits_repo.page(person.oid, specialty=specialty, cursor=cursor)
    cycles = person_cycles(person)
    return {
        "items": [credit_item(r, cycles) for r in items],
        "cursor": credits_repo.encode_cursor(last),
    }


def credit_item(record: CreditRecord, cycles: list[Cycle] | None = None) -> dict[str, Any]:
    """A ledger line; with the person's cycles, also whether and where it counts, and which
    other cycles it could be moved to."""
    view = credits_repo.credit_view(record)
    view["kind_name"] = KINDS_SHORT.get(record.kind, record.kind)
    view["specialty_name"] = specialty_name(record.specialty)
    view["source_name"] = SOURCES.get(record.source, record.source)
    if cycles is not None:
        day = dt.date.fromisoformat(record.completed_on)
        reason = not_counted_reason(cycles, record.specialty, eligible_of(record), day)
        view["counted"] = reason is None
        view["not_counted_reason"] = reason
        view["movable_to"] = [
            {"specialty": c.specialty, "name": specialty_name(c.specialty)}
            for c in eligible_cycles(cycles, eligible_of(record), day)
            if c.specialty != record.specialty or reason is not None
        ]
    return view


def move_credit(person: Specialist, record_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """The person moves one of their records to another eligible cycle (audited; the totals of
    both cycles change in the same transaction as the record)."""
    target = body.get("specialty")
    if not isinstance(target, str) or not target.strip():
        raise InvalidInput("Укажите специальность цикла (код V021).", field="specialty")
    target = target.strip()
    current = person
    for _ in range(MAX_WRITE_ATTEMPTS):
        old = credits_repo.get_record(current.oid, record_id)
        if old is None:
            raise NotFound("Запись не найдена.", field="id")
        cycles = person_cycles(current)
        day = dt.date.fromisoformat(old.completed_on)
        eligible = eligible_cycles(cycles, eligible_of(old), day)
        cycle = next((c for c in eligible if c.specialty == target), None)
        if cycle is None:
            raise Conflict(
                _not_movable(target, old, cycles), field="specialty", code="not_eligible"
            )
        if target == old.specialty:
            return credit_item(old, cycles)
        new = CreditRecord(
            **{**old.attribute_values, "specialty": target, "placed_by": PLACED_BY_PERSON}
        )
        outcome = credits_repo.change_credit(
            old,
            new,
            old_bucket=bucket_for(cycles, old.specialty, old.kind, old.completed_on),
            new_bucket=bucket_for(cycles, new.specialty, new.kind, new.completed_on),
            basis=basis(cycles),
            actor=current.oid,
            action="credit_moved",
            reason=f"перенесено в цикл «{specialty_name(target)}»",
        )
        if outcome is None:
            _sync_dashboard(current)
            return credit_item(new, cycles)
        if outcome.basis_changed:
            rebuild_totals(current)
            current = _reload(current)
    raise Conflict(
        "Запись о баллах сейчас обновляется. Повторите через несколько секунд.", code="busy"
    )


def _not_movable(target: str, record: CreditRecord, cycles: list[Cycle]) -> str:
    own = {c.specialty: c for c in cycles}
    if target not in own:
        return "Такой специальности нет в вашем профиле."
    if target not in eligible_of(record):
        return f"Элемент не аккредитован по специальности «{specialty_name(target)}»."
    cycle = own[target]
    return (
        f"Дата завершения {ru_date(record.completed_on)} вне цикла «{specialty_name(target)}» "
        f"({ru_date(cycle.starts)}–{ru_date(cycle.ends)})."
    )


def all_credits(person: Specialist) -> list[dict[str, Any]]:
    """The whole record, newest first (exports)."""
    cycles = person_cycles(person)
    items = [credit_item(r, cycles) for r in credits_repo.all_records(person.oid)]
    items.sort(key=lambda v: v["id"], reverse=True)
    return items


_ACTIONS = {
    "credit_imported": "Зачтён элемент из данных провайдера",
    "credit_code_redeemed": "Зачтён код подтверждения",
    "credit_corrected": "Запись исправлена",
    "credit_deleted": "Запись удалена",
    "credit_moved": "Запись перенесена в другой цикл",
    "plan_item_added": "Элемент добавлен в план обучения",
    "plan_item_removed": "Элемент убран из плана обучения",
    "specialties_changed": "Изменены специальности",
    "consent_changed": "Изменено согласие на передачу данных в ЕГИСЗ",
    "application_filed": "Подано заявление",
    "application_appealed": "Подана жалоба на отказ по заявлению",
    "credit_application_accepted": "Зачтено по принятому заявлению",
    "employer_sharing_changed": "Изменено, видит ли работодатель ваш статус",
    # Entries other areas write about the same person (login, roles): the history shows them too.
    "esia.profile_created": "Создана учётная запись по данным Госуслуг",
    "esia.profile_updated": "Обновлены данные из Госуслуг",
}
_ACTION_PREFIXES = {
    "role.grant.": "Выдана роль",
    "role.revoke.": "Снята роль",
}


def _action_text(action: str) -> str:
    if action in _ACTIONS:
        return _ACTIONS[action]
    for prefix, text in _ACTION_PREFIXES.items():
        if action.startswith(prefix):
            return f"{text} «{_ROLE_NAMES.get(action[len(prefix) :], action[len(prefix) :])}»"
    return "Изменение учётной записи"


_ROLE_NAMES = {
    "specialist": "специалист",
    "organizer": "организатор",
    "moderator": "модератор",
    "admin": "администратор",
    "analyst": "аналитик министерства",
    "employer": "работодатель",
}


def _actor_text(actor: str, oid: str) -> str:
    if actor == oid:
        return "вы"
    if actor == "system":
        return "портал (автоматически)"
    if actor in ("admin-cli", "admin"):
        return "администратор портала"
    return "сотрудник портала"  # never another person's oid


def history_view(person: Specialist) -> dict[str, Any]:
    entries = audit_history(credits_repo.person_subject(person.oid), limit=100)
    return {
        "items": [
            {
                "at": e.at.isoformat(),
                "action": e.action,
                "action_text": _action_text(e.action),
                "actor": _actor_text(e.actor, person.oid),
                "before": e.before,
                "after": e.after,
            }
            for e in entries
        ]
    }
