"""Bulk writes of catalog elements for the admin CLI (demo seed, providers' imports).

New elements go in batches (25 items per BatchWriteItem instead of one transaction each); elements
that already exist go through `catalog_repo.save_element`, which keeps their per-specialty
listings in step. Listings are written before their element, so the element's presence marks a
complete write: a run interrupted in between is finished by the next one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from chalicelib.db import catalog_repo, registrations_repo
from chalicelib.db.connection import ensure_bound
from chalicelib.db.models import CatalogElement, EventDay, EventSeats, SpecialtyListing
from chalicelib.domain.catalog import catalog_sort_key

# Attributes an import may change on an existing element; seats, registrations and history stay.
CONTENT_ATTRIBUTES = (
    "kind",
    "title",
    "description",
    "program",
    "specialties",
    "hours",
    "starts_on",
    "ends_on",
    "format",
    "city",
    "address",
    "url",
    "contact",
    "organizer_id",
    "organizer_name",
    "external_id",
)
_GET_CHUNK = 100  # BatchGetItem's limit

T = TypeVar("T")


@dataclass
class StoreResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: StoreResult) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def element_from_dict(data: dict[str, Any], now: dt.datetime) -> CatalogElement:
    """A new element from the dict shape of `demo_data.generate_elements` and imports."""
    fields = {k: v for k, v in data.items() if k not in ("element_id", "days")}
    return CatalogElement(
        data["element_id"],
        **fields,
        days=[EventDay(**d) for d in data.get("days") or []],
        sort_key=catalog_sort_key(data.get("starts_on"), data["element_id"]),
        created_key=f"{now.isoformat()}#{data['element_id']}",
        created_at=now,
        updated_at=now,
        published_at=now if data["status"] == "published" else None,
    )


def existing_elements(ids: list[str], *, ids_only: bool = False) -> dict[str, CatalogElement]:
    """The stored elements among `ids`; `ids_only` fetches just the keys (existence checks)."""
    ensure_bound()
    found: dict[str, CatalogElement] = {}
    attributes = ["element_id"] if ids_only else None
    for chunk in chunks(dict.fromkeys(ids), _GET_CHUNK):
        for item in CatalogElement.batch_get(chunk, attributes_to_get=attributes):
            found[item.element_id] = item
    return found


def _content(element: CatalogElement) -> tuple[Any, ...]:
    values = []
    for name in CONTENT_ATTRIBUTES:
        value = getattr(element, name)
        if name == "specialties":
            value = tuple(value or ())
        elif name == "hours" and value is not None:
            value = float(value)
        values.append(value)
    return tuple(values)


def _merged(new: CatalogElement, old: CatalogElement) -> CatalogElement:
    """The stored element with the imported content; what happened to it since stays."""
    merged = CatalogElement(
        old.element_id, **{k: v for k, v in old.attribute_values.items() if k != "element_id"}
    )
    for name in CONTENT_ATTRIBUTES:
        setattr(merged, name, getattr(new, name))
    merged.sort_key = new.sort_key
    merged.updated_at = new.updated_at
    merged.version = int(old.version or 0) + 1
    return merged


def store_elements(
    elements: list[CatalogElement],
    *,
    update_existing: bool,
    on_stored: Callable[[int], None] | None = None,
) -> StoreResult:
    """Create the missing elements; with `update_existing`, also bring changed ones up to date.

    Without it existing elements are left exactly as they are (the demo seed must not undo what
    people did with the demo data since: registrations, moderation, edits).
    """
    ensure_bound()
    result = StoreResult()
    existing = existing_elements([e.element_id for e in elements], ids_only=not update_existing)
    fresh = [e for e in elements if e.element_id not in existing]
    with SpecialtyListing.batch_write() as listings:
        for element in fresh:
            if element.status == "published":
                for specialty in dict.fromkeys(element.specialties):
                    listings.save(catalog_repo.listing_for(element, specialty))
    with CatalogElement.batch_write() as batch, EventSeats.batch_write() as seats:
        for element in fresh:
            batch.save(element)
            if element.kind == "event":
                seats.save(registrations_repo.new_seats(element))
    if any(element.status == "published" for element in fresh):
        # Batches are not transactions: the version moves after the last new element is in, so
        # whoever sees it reads the whole import. (Updates below bump it in their transactions.)
        catalog_repo.bump_published_version()
    result.created = len(fresh)
    if on_stored:
        on_stored(len(fresh))
    for element in elements:
        old = existing.get(element.element_id)
        if old is None:
            continue
        if not update_existing or _content(old) == _content(element):
            result.unchanged += 1
        else:
            # Guarded by the version read: an edit made meanwhile fails this run, not silently lost.
            catalog_repo.save_element(
                _merged(element, old),
                previous=old,
                condition=CatalogElement.version == old.version,
            )
            result.updated += 1
        if on_stored:
            on_stored(1)
    return result
