"""Event storage for organizers and moderators: read, list by organizer or status, and write a
changed event with its audit entry in one transaction, guarded against concurrent changes.

Whole-item writes go through `catalog_repo.save_element` (it keeps the specialty listings in
step). The guard compares the version and the live seat counters, so a write prepared from a stale
read can never roll back seats taken by registrations in the meantime; the caller re-reads and
retries instead.
"""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from . import catalog_repo
from .connection import ensure_bound
from .models import AuditEntry, CatalogElement
from .transactions import Cancelled, conflicted

LIST_LIMIT = 100


CONFLICT_ATTEMPTS = 4


class StaleEvent(Exception):
    """The event changed between the read and the write: re-read and decide again."""


def get_event(event_id: str) -> CatalogElement | None:
    """A consistent read (decisions are made on it); None for unknown or non-event ids."""
    ensure_bound()
    if not event_id or len(event_id) > 64:
        return None
    try:
        element = CatalogElement.get(event_id, consistent_read=True)
    except DoesNotExist:
        return None
    return element if element.kind == "event" else None


def unchanged_since(previous: CatalogElement) -> Any:
    """The condition that the stored event is still the one `previous` was read as."""
    return (
        (CatalogElement.version == previous.version)
        & (CatalogElement.seats_taken == previous.seats_taken)
        & (CatalogElement.waitlist_seq == previous.waitlist_seq)
        & (CatalogElement.waitlist_length == previous.waitlist_length)
        # The waiting-list counters behind positions (registrations_repo.position); events
        # stored before they existed lack them.
        & _same_count(CatalogElement.waitlist_promoted, previous.waitlist_promoted)
        & _same_count(CatalogElement.waitlist_pending, previous.waitlist_pending)
    )


def _same_count(attribute: Any, value: Any) -> Any:
    if not value:
        return attribute.does_not_exist() | (attribute == 0)
    return attribute == value


def create(element: CatalogElement, audit: AuditEntry) -> None:
    ensure_bound()
    catalog_repo.save_element(
        element, None, condition=CatalogElement.element_id.does_not_exist(), extra=[audit]
    )


def replace(element: CatalogElement, previous: CatalogElement, audit: AuditEntry) -> None:
    """Write `element` (built from `previous` with version + 1) and its audit entry atomically.

    Raises StaleEvent when someone changed the event since `previous` was read.
    """
    ensure_bound()
    for attempt in range(CONFLICT_ATTEMPTS):
        try:
            catalog_repo.save_element(
                element, previous, condition=unchanged_since(previous), extra=[audit]
            )
            return
        except Cancelled as err:
            # Only the element's write carries a condition: a concurrent change of the event.
            raise StaleEvent from err
        except TransactWriteError as err:
            # Two catalog changes at once both bump the one catalog-version item: DynamoDB
            # cancels one with TransactionConflict. Nothing was written; the same write again
            # is safe (its condition still guards against a real change).
            if conflicted(err) and attempt + 1 < CONFLICT_ATTEMPTS:
                continue
            raise


def copy_of(element: CatalogElement) -> CatalogElement:
    """A detached copy to modify while keeping the read as `previous`."""
    return CatalogElement.from_raw_data(element.serialize())


def by_organizer(organizer_id: str, *, limit: int = LIST_LIMIT) -> list[CatalogElement]:
    """One Query on the by-organizer index, newest first."""
    ensure_bound()
    return list(
        CatalogElement.by_organizer.query(organizer_id, scan_index_forward=False, limit=limit)
    )


def by_status(status: str, *, limit: int = LIST_LIMIT) -> list[CatalogElement]:
    """One Query on the by-status index, soonest first."""
    ensure_bound()
    result = CatalogElement.by_status.query(
        status, filter_condition=CatalogElement.kind == "event", limit=limit
    )
    return list(result)


def published_started_by(day: str, *, limit: int) -> list[CatalogElement]:
    """Published events whose first day is on or before `day` (candidates for finishing): one
    Query on the by-status index, oldest first, at most `limit` items read."""
    ensure_bound()
    result = CatalogElement.by_status.query(
        "published",
        CatalogElement.sort_key <= f"{day}#\uffff",
        filter_condition=CatalogElement.kind == "event",
        limit=limit,
    )
    return list(result)
