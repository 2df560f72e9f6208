"""Applications storage: the one place that builds their ids, keys and queries.

Every change of state is one transaction: the application (condition: the status and version the
decision was made on), its audit entry under `application#<id>`, and — for an accepted claim —
the credit write of db/credits_repo (the caller passes `extend` as the credit's `extra` hook), so
two reviewers deciding at once give exactly one decision.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from typing import Any

from pynamodb.exceptions import DoesNotExist

from .audit_repo import history
from .connection import ensure_bound
from .models import Application, AuditEntry
from .transactions import Transaction

LIST_LIMIT = 100
HISTORY_LIMIT = 50


def application_id(oid: str, request_id: str) -> str:
    """Deterministic per person and form submission: the same «Подать» twice is one item."""
    digest = hashlib.sha256(f"application\x1f{oid}\x1f{request_id}".encode()).hexdigest()
    return f"app-{digest[:20]}"


def subject(application_id: str) -> str:
    """The audit subject of an application's steps."""
    return f"application#{application_id}"


def filed_key(filed_at: dt.datetime, application_id: str) -> str:
    return f"{filed_at.isoformat()}#{application_id}"


def get(application_id: str) -> Application | None:
    ensure_bound()
    if not application_id.startswith("app-") or len(application_id) > 40:
        return None
    try:
        return Application.get(application_id, consistent_read=True)
    except DoesNotExist:
        return None


def create(application: Application, audits: Iterable[AuditEntry]) -> bool:
    """Put a new application with its audit entries; False when that id is already filed."""
    tx = Transaction()
    tx.put(application, condition=Application.application_id.does_not_exist(), name="application")
    for entry in audits:
        tx.put(entry, name="audit")
    return tx.committed()


def _unchanged(previous: Application) -> Any:
    return (Application.status == previous.status) & (
        Application.version == int(previous.version or 0)
    )


def extend(tx: Transaction, previous: Application, actions: list[Any], audit: AuditEntry) -> None:
    """Inside a transaction: move the application on, guarded by what the decision read."""
    tx.update(
        Application(previous.application_id),
        [*actions, Application.version.set(int(previous.version or 0) + 1)],
        condition=_unchanged(previous),
        name="extra",
    )
    tx.put(audit, name="audit")


def change(previous: Application, actions: list[Any], audit: AuditEntry) -> bool:
    """A change of state without a credit; False when someone else changed it first."""
    tx = Transaction()
    extend(tx, previous, actions, audit)
    return tx.committed()


def steps(application_id: str) -> list[AuditEntry]:
    """The application's steps, oldest first (one Query)."""
    return history(subject(application_id), limit=HISTORY_LIMIT, newest_first=False)


def of_applicant(oid: str, *, limit: int = LIST_LIMIT) -> list[Application]:
    ensure_bound()
    return list(Application.by_applicant.query(oid, scan_index_forward=False, limit=limit))


def _range(low: str | None, high: str | None) -> Any:
    if low and high:
        return Application.filed_key.between(low, high + "\uffff")
    if low:
        return Application.filed_key >= low
    if high:
        return Application.filed_key <= high + "\uffff"
    return None


def of_reviewer(
    reviewer: str, *, since: str | None = None, until: str | None = None, limit: int = LIST_LIMIT
) -> list[Application]:
    """Applications routed to one reviewer (an organization or the moderators), newest first."""
    ensure_bound()
    return list(
        Application.by_reviewer.query(
            reviewer, _range(since, until), scan_index_forward=False, limit=limit
        )
    )


def with_status(
    status: str,
    *,
    since: str | None = None,
    until: str | None = None,
    kind: str | None = None,
    organization_id: str | None = None,
    limit: int = LIST_LIMIT,
) -> list[Application]:
    """One status in a filing period (dates, ISO), other filters applied by DynamoDB."""
    ensure_bound()
    condition: Any = None
    if kind:
        condition = Application.kind == kind
    if organization_id:
        by_org = Application.organization_id == organization_id
        condition = by_org if condition is None else condition & by_org
    return list(
        Application.by_status.query(
            status,
            _range(since, until),
            filter_condition=condition,
            scan_index_forward=False,
            limit=limit,
        )
    )


def count_with_status(status: str) -> int:
    """How many applications have a status (one Query with Select=COUNT, paged by DynamoDB)."""
    ensure_bound()
    return int(Application.by_status.count(status))
