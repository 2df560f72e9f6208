"""Event storage for organizers and moderators: read, list by organizer or status, and write a
changed event with its audit entry in one transaction, guarded against concurrent changes.

Whole-item writes go through `catalog_repo.save_element` (it keeps the specialty listings and the
event's seats in step). The guard compares the version, so a write prepared from a stale read
fails and the caller re-reads and retries; registrations never change the event item itself.
"""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from . import catalog_repo, reads, registrations_repo
from .connection import ensure_bound
from .models import AuditEntry, CatalogElement, EventSeats
from .transactions import Cancelled, conflicted

LIST_LIMIT = 100


CONFLICT_ATTEMPTS = 4


class StaleEvent(Exception):
    """The event changed between the read and the write: re-read and decide again."""


def _may_name_an_event(event_id: str) -> bool:
    # Event ids are short: a longer one names nothing and is not looked up.
    return bool(event_id) and len(event_id) <= 64


def get_event(event_id: str) -> CatalogElement | None:
    """A consistent read (decisions are made on it); None for unknown or non-event ids."""
    ensure_bound()
    if not _may_name_an_event(event_id):
        return None
    try:
        element = CatalogElement.get(event_id, consistent_read=True)
    except DoesNotExist:
        return None
    return registrations_repo.only_event(element)


def unchanged_since(previous: CatalogElement) -> Any:
    """The condition that the stored event is still the one `previous` was read as. (Its seat
    counters are not in it: they live in the event's seats, which a write of the event never
    overwrites — registrations_repo.seats_follow.)"""
    return CatalogElement.version == previous.version


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
            # The element's version changed, or its seats refuse the capacity (fewer than
            # taken meanwhile): either way the caller decides again on a fresh read.
            raise StaleEvent from err
        except TransactWriteError as err:
            # Two catalog changes at once both bump the one catalog-version item: DynamoDB
            # cancels one with TransactionConflict. Nothing was written; the same write again
            # is safe (its condition still guards against a real change).
            if conflicted(err) and attempt + 1 < CONFLICT_ATTEMPTS:
                continue
            raise


def get_event_and_seats(event_id: str) -> tuple[CatalogElement | None, EventSeats]:
    """`get_event` with the event's seats, in one consistent BatchGetItem."""
    if not _may_name_an_event(event_id):
        return None, registrations_repo.no_seats(event_id)
    element, seats = reads.one_each(
        [registrations_repo.event_wanted(event_id), registrations_repo.seats_wanted(event_id)]
    )
    # Only events have seats: a program's id finds none.
    return registrations_repo.only_event(element), seats or registrations_repo.no_seats(event_id)


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
