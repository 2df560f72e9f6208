"""Catalog storage: elements by id, published elements by specialty or overall, organizer's own."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pynamodb.exceptions import DoesNotExist

from ..domain.catalog import PUBLIC_STATUSES, catalog_sort_key
from . import cursors, registrations_repo
from .connection import ensure_bound
from .models import CatalogElement, CatalogVersion, SpecialtyListing
from .transactions import MAX_ACTIONS, Transaction, Write

PAGE_LIMIT_MAX = 200
PUBLISHED = "published"  # the CatalogVersion item counting changes to the published catalog


def encode_cursor(last_key: dict[str, Any] | None) -> str | None:
    return cursors.encode(last_key)


def decode_cursor(cursor: str | None, *, specialty: str | None = None) -> dict[str, Any] | None:
    """A start key of the catalog listing: by specialty (the listing table) or by status (the
    index). ValueError on anything else; the date range is checked by `query_published`."""
    if specialty:
        return cursors.decode(
            cursor, keys={"specialty", "sort_key"}, fixed={"specialty": specialty}
        )
    return cursors.decode(
        cursor, keys={"status", "sort_key", "element_id"}, fixed={"status": "published"}
    )


def get_element(element_id: str) -> CatalogElement | None:
    ensure_bound()
    try:
        return CatalogElement.get(element_id)
    except DoesNotExist:
        return None


def listing_for(element: CatalogElement, specialty: Any) -> SpecialtyListing:
    return SpecialtyListing(
        specialty=specialty,
        sort_key=catalog_sort_key(element.starts_on, element.element_id),
        element_id=element.element_id,
        kind=element.kind,
        title=element.title,
        hours=element.hours,
        starts_on=element.starts_on,
        ends_on=element.ends_on,
        format=element.format,
        city=element.city,
        organizer_name=element.organizer_name,
    )


def save_element(
    element: CatalogElement,
    previous: CatalogElement | None = None,
    *,
    condition: Any = None,
    extra: Iterable[Any] = (),
) -> None:
    """Write an element and keep its per-specialty listings in step, in one transaction.

    Published elements are listed under each of their specialties; anything else is not listed.
    `condition` guards the element's write (e.g. an unchanged version); `extra` items (audit
    entries) are saved in the same transaction, and so are an event's seats (its status and
    capacity: registrations_repo.seats_follow). A write that touches the published catalog
    (publishing, editing or withdrawing a published element) bumps the catalog version in the
    same transaction, so a reader never sees the new version without the change.
    """
    ensure_bound()
    old_keys = set()
    if previous is not None and previous.status == "published":
        old_keys = {
            (s, catalog_sort_key(previous.starts_on, previous.element_id))
            for s in previous.specialties
        }
    new_listings = (
        [listing_for(element, s) for s in element.specialties]
        if element.status == "published"
        else []
    )
    new_keys = {(x.specialty, x.sort_key) for x in new_listings}
    # Withdrawn listings first, so they go in the element's own transaction whenever they fit.
    listing_writes: list[Write] = [
        ("delete", SpecialtyListing(specialty=specialty, sort_key=sort_key))
        for specialty, sort_key in sorted(old_keys - new_keys)
    ] + [("put", listing) for listing in new_listings]
    tx = Transaction()
    tx.put(element, condition=condition, name="element")
    for item in extra:
        tx.put(item)
    if element.status == "published" or (previous is not None and previous.status == "published"):
        tx.update(CatalogVersion(name=PUBLISHED), [CatalogVersion.version.add(1)])
    if element.kind == "event":
        registrations_repo.seats_follow(tx, element)
    first, rest = listing_writes[: tx.room], listing_writes[tx.room :]
    tx.write_all(first)
    tx.commit()
    _write_remaining_listings(element, rest)


def _write_remaining_listings(element: CatalogElement, writes: list[Write]) -> None:
    """Listings that did not fit the element's own transaction (an element may have up to 50
    specialties; MAX_ACTIONS is 25), in parts each guarded by the element still being the
    version just written: a newer edit that wins meanwhile writes its own listings, and this one
    stops instead of overwriting them. The element itself, its audit and the catalog version are
    always committed together; only a crash between parts (a window of milliseconds, for an
    element with more than about 20 specialties) leaves some listings out of step with it."""
    per_part = MAX_ACTIONS - 1
    for start in range(0, len(writes), per_part):
        tx = Transaction()
        tx.check(
            CatalogElement,
            element.element_id,
            condition=CatalogElement.version == element.version,
            name="element",
        )
        tx.write_all(writes[start : start + per_part])
        if not tx.committed():
            return


def bump_published_version() -> None:
    """One more change to the published catalog (bulk writes that are not one transaction call
    this after their last write)."""
    ensure_bound()
    CatalogVersion(name=PUBLISHED).update(actions=[CatalogVersion.version.add(1)])


def published_version() -> int:
    """How many changes the published catalog has had: one consistent GetItem of one small item."""
    ensure_bound()
    try:
        item = CatalogVersion.get(PUBLISHED, consistent_read=True)
    except DoesNotExist:
        return 0
    return int(item.version or 0)


def query_published(
    *,
    specialty: str | None,
    kind: str | None,
    date_from: str | None,
    date_to: str | None,
    limit: int,
    cursor: dict[str, Any] | None,
) -> tuple[list[Any], dict[str, Any] | None]:
    """One Query: by specialty from the listing table, otherwise from the status index."""
    ensure_bound()
    low = f"{date_from}" if date_from else None
    high = f"{date_to}#\uffff" if date_to else None
    if cursor is not None:
        partition = {"specialty": specialty} if specialty else {"status": "published"}
        _check_cursor(cursor, partition, low, high, with_element_id=not specialty)
    if specialty:
        cond = _range_condition(SpecialtyListing.sort_key, low, high)
        flt = (SpecialtyListing.kind == kind) if kind else None
        result = SpecialtyListing.query(
            specialty, cond, filter_condition=flt, limit=limit, last_evaluated_key=cursor
        )
    else:
        # The index's range key is the element's own `sort_key` attribute; reading it through the
        # index instance (`by_status.sort_key`) fails in PynamoDB at query time.
        cond = _range_condition(CatalogElement.sort_key, low, high)
        flt = (CatalogElement.kind == kind) if kind else None
        result = CatalogElement.by_status.query(
            "published", cond, filter_condition=flt, limit=limit, last_evaluated_key=cursor
        )
    items = list(result)
    return items, result.last_evaluated_key


def _check_cursor(
    cursor: dict[str, Any],
    partition: dict[str, str],
    low: str | None,
    high: str | None,
    *,
    with_element_id: bool,
) -> None:
    """Beyond its shape (cursors.decode): the start key must lie inside this query's date range
    and, on the index, belong to its element. DynamoDB refuses anything else with a
    ValidationException (moto does not always), which would surface as a 500. Raises ValueError."""
    values = {name: typed["S"] for name, typed in cursor.items()}
    if any(values.get(name) != value for name, value in partition.items()):
        raise ValueError("cursor of another query")
    if (low and values["sort_key"] < low) or (high and values["sort_key"] > high):
        raise ValueError("cursor outside the range")
    if with_element_id and not values["sort_key"].endswith("#" + values["element_id"]):
        raise ValueError("cursor element")


def _range_condition(attr: Any, low: str | None, high: str | None) -> Any:
    if low and high:
        return attr.between(low, high)
    if low:
        return attr >= low
    if high:
        return attr <= high
    return None


def iter_public() -> Iterable[CatalogElement]:
    """Every element the public site shows (site build: a batch job, not a request path)."""
    ensure_bound()
    for status in sorted(PUBLIC_STATUSES):
        yield from CatalogElement.by_status.query(status)


def iter_published() -> Iterable[CatalogElement]:
    """Every published element (site build: a batch job, not a request path)."""
    ensure_bound()
    yield from CatalogElement.by_status.query("published")
