"""Credit records and their per-person aggregates: the one place that builds their keys.

Every credit write is one transaction (db/transactions.py): the record (put if absent), the aggregate bucket of its
cycle year (ADD), the person's summary (seq +1, guarded by the cycle basis), the audit entry, and
whatever the caller adds (the redeemed code, the deleted pending row).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import PutError, UpdateError

from ..domain.dates import utcnow
from ..domain.numbers import plain_number
from . import cursors
from .audit_repo import new_entry
from .connection import ensure_bound
from .models import CreditRecord, CreditTotal, PendingCredit, SnilsOwner
from .transactions import MAX_ACTIONS, Cancelled, Transaction, Write

SUMMARY = "summary"
BUCKET_PREFIX = "cycle#"
PLAN_PREFIX = "plan#"
PAGE_SIZE = 50
# A rebuild commits only if no credit was written meanwhile (the summary's `seq`); each failed
# round means at least one write landed, so a burst of writes for one person (codes redeemed at
# once while the specialties change) needs as many rounds as writes. Bursts beyond this are
# answered «busy» and the caller retries.
MAX_REBUILD_ATTEMPTS = 16


def _now() -> dt.datetime:
    return utcnow()


def person_subject(oid: str) -> str:
    """The audit subject of a person's credit record."""
    return f"person#{oid}"


def bucket_key(specialty: str, cycle_start: str, year: int) -> str:
    return f"{BUCKET_PREFIX}{specialty}#{cycle_start}#{year:02d}"


def plan_key(specialty: str, element_id: str) -> str:
    return f"{PLAN_PREFIX}{specialty}#{element_id}"


def parse_bucket_key(bucket: str) -> tuple[str, str, int] | None:
    if not bucket.startswith(BUCKET_PREFIX):
        return None
    specialty, start, year = bucket[len(BUCKET_PREFIX) :].split("#")
    return specialty, start, int(year)


def new_record_id(completed_on: str, token: str | None = None) -> str:
    """`YYYY-MM-DD#<id>`: sorts by completion date. A deterministic token makes imports idempotent."""
    return f"{completed_on}#{token or secrets.token_hex(8)}"


def import_token(*parts: str) -> str:
    return "imp-" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:20]


@dataclass(frozen=True)
class Bucket:
    """Where a credit counts: a cycle year of one specialty (None when it counts nowhere)."""

    specialty: str
    cycle_start: str
    year: int


@dataclass(frozen=True)
class CreditWrite:
    """Why a credit write was cancelled, read from the cancellation reasons (never guessed)."""

    record_exists: bool = False
    basis_changed: bool = False
    extra_failed: bool = False
    plan_changed: bool = False  # a planned item it completes was removed meanwhile
    dashboard_changed: bool = False  # the person's dashboard placement moved meanwhile


def _add_to_bucket(
    tx: Any, oid: str, key: str, kind: str, hours: Any, records: int, now: dt.datetime
) -> None:
    """Inside a credit write: move one (specialty, cycle, year) total by hours and records."""
    tx.update(
        CreditTotal(oid, key),
        [
            getattr(CreditTotal, kind).add(hours),
            CreditTotal.records.add(records),
            CreditTotal.updated_at.set(now),
        ],
        name="bucket",
    )


def _bump_summary(tx: Any, oid: str, basis: str, now: dt.datetime) -> None:
    """Inside a credit write: count the change, guarded by the cycle basis the totals were
    computed for (a concurrent change of specialties fails the write instead of mixing bases)."""
    tx.update(
        CreditTotal(oid, SUMMARY),
        [
            CreditTotal.seq.add(1),
            CreditTotal.basis.set(basis),
            CreditTotal.updated_at.set(now),
        ],
        condition=CreditTotal.basis.does_not_exist() | (CreditTotal.basis == basis),
        name="summary",
    )


def add_credit(
    record: CreditRecord,
    *,
    bucket: Bucket | None,
    basis: str,
    actor: str,
    action: str,
    extra: Callable[[Transaction], None] | None = None,
) -> CreditWrite | None:
    """Write one credit atomically; None on success, else which condition failed.

    `extra(tx)` adds the caller's own items (named "extra", or "plan" for plan items).
    """
    now = _now()
    audit = new_entry(
        person_subject(record.oid),
        actor,
        action,
        before=None,
        after=credit_view(record),
    )
    tx = Transaction()
    if extra:
        extra(tx)
    tx.put(record, condition=CreditRecord.record_id.does_not_exist(), name="record")
    if bucket is not None:
        key = bucket_key(bucket.specialty, bucket.cycle_start, bucket.year)
        _add_to_bucket(tx, record.oid, key, record.kind, record.hours, 1, now)
    _bump_summary(tx, record.oid, basis, now)
    tx.put(audit, name="audit")
    try:
        tx.commit()
    except Cancelled as err:
        return CreditWrite(
            record_exists="record" in err.failed,
            basis_changed="summary" in err.failed,
            extra_failed="extra" in err.failed,
            plan_changed="plan" in err.failed,
            dashboard_changed="dashboard" in err.failed,
        )
    return None


def credit_view(record: CreditRecord) -> dict[str, Any]:
    return {
        "id": record.record_id,
        "kind": record.kind,
        "title": record.title,
        "hours": plain_number(record.hours),
        "completed_on": record.completed_on,
        "specialty": record.specialty,
        "eligible_specialties": [str(s) for s in record.eligible_specialties or []]
        or [record.specialty],
        "source": record.source,
        "document": record.document,
    }


def totals(oid: str) -> list[CreditTotal]:
    """Every aggregate and plan item of a person: one Query (a few dozen small items at most:
    cycle years × specialties, plus the plan, which is capped)."""
    ensure_bound()
    return list(CreditTotal.query(oid, consistent_read=True))


def summary_seq(items: list[CreditTotal]) -> int | None:
    for item in items:
        if item.bucket == SUMMARY:
            # A summary a rebuild created before any credit has no `seq` yet: the guard must
            # then be "still absent", never "== 0" (which can never hold).
            return None if item.seq is None else int(item.seq)
    return None


def replace_totals(
    oid: str,
    *,
    basis: str,
    expected_seq: int | None,
    stale: list[str],
    buckets: dict[str, dict[str, float]],
) -> bool:
    """Swap a person's buckets for recomputed ones, only if no credit was written meanwhile.

    Returns False when `seq` moved (a credit arrived during the rebuild): the caller recomputes.

    A person with several specialties has more buckets than one transaction takes (six a cycle;
    MAX_ACTIONS is 25), so the swap is written in parts. Each part is guarded by the summary's
    `seq`, so a credit written meanwhile stops the remaining parts; the last part sets the
    summary's `basis`, which is the commit point: until then readers see the old basis and
    rebuild themselves, and a credit write for the new basis fails its basis condition and
    retries after a rebuild. Every part puts recomputed values, so an interrupted rebuild, or two
    at once, converge on the same items.
    """
    ensure_bound()
    now = _now()
    guard: Any = (
        CreditTotal.seq.does_not_exist()
        if expected_seq is None
        else CreditTotal.seq == expected_seq
    )
    writes: list[Write] = [("delete", CreditTotal(oid, key)) for key in stale if key not in buckets]
    writes += [
        (
            "put",
            CreditTotal(
                oid,
                key,
                dpp_pk=hours.get("dpp_pk", 0),
                iom=hours.get("iom", 0),
                event=hours.get("event", 0),
                records=hours.get("records", 0),
                updated_at=now,
            ),
        )
        for key, hours in buckets.items()
    ]
    per_part = MAX_ACTIONS - 1  # one action of each part guards (or, last, updates) the summary
    while len(writes) > per_part:
        part, writes = writes[:per_part], writes[per_part:]
        tx = Transaction()
        tx.check(CreditTotal, oid, SUMMARY, condition=guard, name="summary")
        tx.write_all(part)
        if not tx.committed():
            return False
    tx = Transaction()
    tx.update(
        CreditTotal(oid, SUMMARY),
        [CreditTotal.basis.set(basis), CreditTotal.updated_at.set(now)],
        condition=guard,
        name="summary",
    )
    tx.write_all(writes)
    return tx.committed()


def all_records(oid: str) -> Iterator[CreditRecord]:
    """Every record of a person, oldest first (export and rebuilds; paginated by PynamoDB)."""
    ensure_bound()
    return iter(CreditRecord.query(oid, consistent_read=True))


def encode_cursor(last_key: dict[str, Any] | None) -> str | None:
    return cursors.encode(last_key)


def decode_cursor(cursor: str, oid: str) -> dict[str, Any]:
    """A cursor of this person's own listing, or ValueError (another person's keys included)."""
    data = cursors.decode(cursor, keys={"oid", "record_id"}, fixed={"oid": oid})
    if data is None:
        raise ValueError("empty cursor")
    return data


def page(
    oid: str, *, specialty: str | None, cursor: dict[str, Any] | None, limit: int = PAGE_SIZE
) -> tuple[list[CreditRecord], dict[str, Any] | None]:
    """Newest first; one Query per page (a specialty filter may make a page shorter)."""
    ensure_bound()
    result = CreditRecord.query(
        oid,
        scan_index_forward=False,
        last_evaluated_key=cursor,
        filter_condition=(CreditRecord.specialty == specialty) if specialty else None,
        page_size=limit,
    )
    # Exactly one Query: take the first page as DynamoDB returns it, even if a filter shortened it.
    try:
        raw = next(result.page_iter)
    except StopIteration:
        return [], None
    items = [CreditRecord.from_raw_data(item) for item in raw.get("Items", [])]
    return items, result.page_iter.last_evaluated_key


def pending_for(snils: str) -> list[PendingCredit]:
    ensure_bound()
    return list(PendingCredit.query(snils, consistent_read=True))


def save_pending(item: PendingCredit) -> bool:
    """Keep a provider row for someone not logged in yet; False when it is already kept."""
    ensure_bound()
    audit = new_entry(
        f"snils-pending#{hashlib.sha256(item.snils.encode()).hexdigest()[:16]}",
        "admin-cli",
        "credit_pending",
        after={"record_id": item.record_id, "title": item.title, "hours": plain_number(item.hours)},
    )
    return _put_new_with_audit(item, PendingCredit.record_id.does_not_exist(), audit)


def _put_new_with_audit(item: Any, absent: Any, audit: Any) -> bool:
    """Put `item` if absent, with its audit entry, atomically; False when it is already there."""
    tx = Transaction()
    tx.put(item, condition=absent, name="item")
    tx.put(audit, name="audit")
    return tx.committed()


def record_exists(oid: str, record_id: str) -> bool:
    ensure_bound()
    try:
        CreditRecord.get(oid, record_id, attributes_to_get=["record_id"])
    except CreditRecord.DoesNotExist:
        return False
    return True


def delete_pending(item: PendingCredit) -> None:
    ensure_bound()
    item.delete()


def owner_of(snils: str) -> str | None:
    """The oid that owns a СНИЛС (people who have logged in), else None."""
    ensure_bound()
    try:
        return str(SnilsOwner.get(snils, consistent_read=True).oid)
    except SnilsOwner.DoesNotExist:
        return None


def get_record(oid: str, record_id: str) -> CreditRecord | None:
    ensure_bound()
    try:
        return CreditRecord.get(oid, record_id, consistent_read=True)
    except CreditRecord.DoesNotExist:
        return None


def change_credit(
    old: CreditRecord,
    new: CreditRecord | None,
    *,
    old_bucket: Bucket | None,
    new_bucket: Bucket | None,
    basis: str,
    actor: str,
    action: str,
    reason: str,
    extra: Callable[[Transaction], None] | None = None,
) -> CreditWrite | None:
    """Replace (or, with `new=None`, remove) a record and move its hours between buckets, in one
    transaction guarded by the old record being unchanged and the basis being current.
    `extra(tx)` adds the caller's own items (named "extra"), e.g. the decision on an application
    that asked for the correction."""
    ensure_bound()
    now = _now()
    deltas: dict[str, float] = {}
    counts: dict[str, int] = {}
    if old_bucket is not None:
        key = bucket_key(old_bucket.specialty, old_bucket.cycle_start, old_bucket.year)
        deltas[key] = deltas.get(key, 0.0) - float(old.hours)
        counts[key] = counts.get(key, 0) - 1
    if new is not None and new_bucket is not None:
        key = bucket_key(new_bucket.specialty, new_bucket.cycle_start, new_bucket.year)
        deltas[key] = deltas.get(key, 0.0) + float(new.hours)
        counts[key] = counts.get(key, 0) + 1
    unchanged = (
        (CreditRecord.hours == old.hours)
        & (CreditRecord.completed_on == old.completed_on)
        & (CreditRecord.specialty == old.specialty)
    )
    audit = new_entry(
        person_subject(old.oid),
        actor,
        action,
        before=credit_view(old),
        after={**credit_view(new), "reason": reason} if new is not None else {"reason": reason},
    )
    tx = Transaction()
    if extra:
        extra(tx)
    if new is None or new.record_id != old.record_id:
        tx.delete(old, condition=unchanged, name="record")
        if new is not None:
            tx.put(new, condition=CreditRecord.record_id.does_not_exist(), name="record")
    else:
        tx.put(new, condition=unchanged, name="record")
    for key, delta in deltas.items():
        if delta == 0 and counts[key] == 0:
            continue
        _add_to_bucket(tx, old.oid, key, old.kind, delta, counts[key], now)
    _bump_summary(tx, old.oid, basis, now)
    tx.put(audit, name="audit")
    try:
        tx.commit()
    except Cancelled as err:
        return CreditWrite(
            record_exists="record" in err.failed,
            basis_changed="summary" in err.failed,
            extra_failed="extra" in err.failed,
        )
    return None


def reassign(record: CreditRecord, old_specialty: str) -> bool:
    """Move a record to the cycle of `record.specialty` when rebuilding (its old cycle no longer
    holds it); False when the record changed meanwhile. The caller rebuilds the totals."""
    ensure_bound()
    try:
        record.update(
            actions=[CreditRecord.specialty.set(record.specialty)],
            condition=CreditRecord.specialty == old_specialty,
        )
    except PutError:
        return False
    except UpdateError as err:
        if err.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def plan_items(items: list[CreditTotal]) -> list[CreditTotal]:
    return [i for i in items if i.bucket.startswith(PLAN_PREFIX)]


def add_plan_item(item: CreditTotal, *, actor: str) -> bool:
    """Put a plan item unless that element is already planned for that cycle."""
    ensure_bound()
    audit = new_entry(
        person_subject(item.oid),
        actor,
        "plan_item_added",
        after=_plan_audit_view(item),
    )
    return _put_new_with_audit(item, CreditTotal.bucket.does_not_exist(), audit)


def remove_plan_item(item: CreditTotal, *, actor: str) -> None:
    ensure_bound()
    audit = new_entry(
        person_subject(item.oid),
        actor,
        "plan_item_removed",
        before=_plan_audit_view(item),
    )
    with Transaction() as tx:
        tx.delete(CreditTotal(item.oid, item.bucket))
        tx.put(audit)


def mark_plan_done(tx: Transaction, oid: str, bucket: str, record_id: str) -> None:
    """Inside a credit write: the planned element's credit arrived."""
    tx.update(
        CreditTotal(oid, bucket),
        [CreditTotal.done_record.set(record_id)],
        condition=CreditTotal.bucket.exists(),
        name="plan",
    )


def _plan_audit_view(item: CreditTotal) -> dict[str, Any]:
    return {"element_id": item.element_id, "title": item.title, "specialty": _plan_specialty(item)}


def _plan_specialty(item: CreditTotal) -> str:
    return item.bucket[len(PLAN_PREFIX) :].split("#", 1)[0]


def recent_element_ids(oid: str, *, since: str, limit: int = 500) -> set[str]:
    """Catalog elements the person completed since a date: one Query on the record key (which
    starts with the completion date), only the element ids read back."""
    ensure_bound()
    result = CreditRecord.query(
        oid,
        CreditRecord.record_id >= since,
        attributes_to_get=["element_id"],
        limit=limit,
    )
    return {str(r.element_id) for r in result if r.element_id}


def existing_credit(
    oid: str, completed_on: str, *, element_id: str | None, document: str | None
) -> CreditRecord | None:
    """A credit the person already has for that element (or document number) on that date:
    one Query on the records of that day (the record key starts with the date)."""
    ensure_bound()
    for record in CreditRecord.query(
        oid, CreditRecord.record_id.startswith(f"{completed_on}#"), consistent_read=True
    ):
        if element_id and record.element_id == element_id:
            return record
        if document and record.document and record.document.strip() == document.strip():
            return record
    return None
