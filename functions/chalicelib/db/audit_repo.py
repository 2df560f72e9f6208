"""The audit log: append-only entries per subject, newest last."""

from __future__ import annotations

import secrets
from typing import Any

from ..domain.dates import utcnow
from .connection import ensure_bound
from .models import AuditEntry


def new_entry(
    subject: str, actor: str, action: str, before: Any = None, after: Any = None
) -> AuditEntry:
    """An entry ready to save alone or inside a TransactWrite (`tx.save(entry)`)."""
    now = utcnow()
    return AuditEntry(
        subject=subject,
        entry_id=f"{now.isoformat()}#{secrets.token_hex(4)}",
        actor=actor,
        action=action,
        before=before,
        after=after,
        at=now,
    )


def append(subject: str, actor: str, action: str, before: Any = None, after: Any = None) -> None:
    ensure_bound()
    new_entry(subject, actor, action, before, after).save()


def history(subject: str, *, limit: int = 100, newest_first: bool = True) -> list[AuditEntry]:
    """One Query, bounded by `limit`."""
    ensure_bound()
    return list(AuditEntry.query(subject, scan_index_forward=not newest_first, limit=limit))
