"""Catalog storage: elements by id, published elements by specialty or overall, organizer's own."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from typing import Any

from pynamodb.exceptions import DoesNotExist
from pynamodb.transactions import TransactWrite

from ..domain.catalog import catalog_sort_key
from .connection import connection, ensure_bound
from .models import CatalogElement, SpecialtyListing

PAGE_LIMIT_MAX = 200


def encode_cursor(last_key: dict[str, Any] | None) -> str | None:
    if not last_key:
        return None
    return base64.urlsafe_b64encode(json.dumps(last_key, separators=(",", ":")).encode()).decode()


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    """Raises ValueError on anything that is not a cursor we issued."""
    if not cursor:
        return None
    data = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii") + b"==="))
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise ValueError("bad cursor")
    return data


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
    entries) are saved in the same transaction.
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
    with TransactWrite(connection=connection()) as tx:
        tx.save(element, condition=condition)
        for item in extra:
            tx.save(item)
        for listing in new_listings:
            tx.save(listing)
        for specialty, sort_key in old_keys - new_keys:
            tx.delete(SpecialtyListing(specialty=specialty, sort_key=sort_key))


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
    if specialty:
        cond = _range_condition(SpecialtyListing.sort_key, low, high)
        flt = (SpecialtyListing.kind == kind) if kind else None
        result = SpecialtyListing.query(
            specialty, cond, filter_condition=flt, limit=limit, last_evaluated_key=cursor
        )
    else:
        cond = _range_condition(CatalogElement.by_status.sort_key, low, high)  # type: ignore[attr-defined]
        flt = (CatalogElement.kind == kind) if kind else None
        result = CatalogElement.by_status.query(
            "published", cond, filter_condition=flt, limit=limit, last_evaluated_key=cursor
        )
    items = list(result)
    return items, result.last_evaluated_key


def _range_condition(attr: Any, low: str | None, high: str | None) -> Any:
    if low and high:
        return attr.between(low, high)
    if low:
        return attr >= low
    if high:
        return attr <= high
    return None


def iter_published() -> Iterable[CatalogElement]:
    """Every published element (site build: a batch job, not a request path)."""
    ensure_bound()
    yield from CatalogElement.by_status.query("published")
