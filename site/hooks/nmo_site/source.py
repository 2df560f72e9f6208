"""Where the catalog comes from at build time: the published catalog in DynamoDB, or a JSON-lines
file of the same records (benchmarks, tests). Both paths end in `entry_from_record`."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from chalicelib.domain.catalog import PUBLIC_STATUSES

from . import safe_text

_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
_KINDS = ("dpp_pk", "iom", "event")
_FORMATS = ("in_person", "online")


@dataclass(frozen=True)
class EventDay:
    date: str
    starts_at: str  # ISO datetime with offset
    ends_at: str
    hours: float


@dataclass(frozen=True)
class CatalogEntry:
    """One published element, cleaned: every text field is valid Unicode, nothing is trusted."""

    id: str
    kind: str
    title: str
    description: str
    program: str
    specialties: tuple[str, ...]
    hours: float
    starts_on: str | None
    ends_on: str | None
    format: str | None
    city: str
    address: str
    url: str | None
    contact: str
    organizer_name: str
    capacity: int | None
    days: tuple[EventDay, ...] = field(default=())
    updated_at: str | None = None  # ISO datetime with offset, when the element last changed

    @property
    def is_event(self) -> bool:
        return self.kind == "event"


class BadRecord(ValueError):
    """A catalog record the site cannot show (logged and skipped, never rendered half-way)."""


# Dates a catalog can show: stored data older than the API's date bounds may hold year 1 or
# 9999, and one such element must be skipped, never stop the whole build (the month calendar of
# December 9999 needs January 10000).
_YEARS = range(2000, 2101)


def _iso_date(value: Any) -> str | None:
    if value in (None, ""):
        return None
    try:
        day = dt.date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise BadRecord(f"bad date {value!r}") from exc
    if day.year not in _YEARS:
        raise BadRecord(f"date out of range {value!r}")
    return day.isoformat()


def _iso_datetime(value: Any) -> str:
    try:
        parsed = dt.datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise BadRecord(f"bad datetime {value!r}") from exc
    if parsed.tzinfo is None:
        raise BadRecord("datetime without offset")
    if parsed.year not in _YEARS:
        raise BadRecord(f"datetime out of range {value!r}")
    return parsed.isoformat()


def _number(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise BadRecord(f"bad number {value!r}") from exc
    if not 0 <= number < 100000:
        raise BadRecord(f"number out of range {value!r}")
    return number


def entry_from_record(record: dict[str, Any]) -> CatalogEntry | None:
    """A record (plain dict) → an entry; None when it is not published. Raises BadRecord."""
    if record.get("status", "published") not in PUBLIC_STATUSES:
        return None
    element_id = str(record.get("id") or record.get("element_id") or "")
    if not _ID.fullmatch(element_id):
        raise BadRecord("bad element id")
    kind = str(record.get("kind"))
    if kind not in _KINDS:
        raise BadRecord(f"bad kind {kind!r}")
    fmt = record.get("format")
    fmt = str(fmt) if fmt in _FORMATS else None
    days = tuple(
        EventDay(
            date=_iso_date(d.get("date")) or "",
            starts_at=_iso_datetime(d.get("starts_at")),
            ends_at=_iso_datetime(d.get("ends_at")),
            hours=_number(d.get("hours", 0)),
        )
        for d in (record.get("days") or [])
    )
    capacity = record.get("capacity")
    return CatalogEntry(
        id=element_id,
        kind=kind,
        title=safe_text.clean(record.get("title"), 500) or "Без названия",
        description=safe_text.clean(record.get("description")),
        program=safe_text.clean(record.get("program")),
        specialties=tuple(
            dict.fromkeys(safe_text.clean(s, 16) for s in record.get("specialties") or [])
        ),
        hours=_number(record.get("hours", 0)),
        starts_on=_iso_date(record.get("starts_on")),
        ends_on=_iso_date(record.get("ends_on")),
        format=fmt,
        city=safe_text.clean(record.get("city"), 200),
        address=safe_text.clean(record.get("address"), 500),
        url=safe_text.safe_link(record.get("url")),
        contact=safe_text.clean(record.get("contact"), 500),
        organizer_name=safe_text.clean(record.get("organizer_name"), 500),
        capacity=int(_number(capacity)) if capacity not in (None, "") else None,
        days=days,
        updated_at=_iso_datetime(record["updated_at"]) if record.get("updated_at") else None,
    )


def record_from_model(element: Any) -> dict[str, Any]:
    """A CatalogElement (PynamoDB) as the plain record the JSON-lines file also holds."""
    return {
        "id": element.element_id,
        "kind": element.kind,
        "status": element.status,
        "title": element.title,
        "description": element.description,
        "program": element.program,
        "specialties": list(element.specialties or []),
        "hours": element.hours,
        "starts_on": element.starts_on,
        "ends_on": element.ends_on,
        "days": [
            {"date": d.date, "starts_at": d.starts_at, "ends_at": d.ends_at, "hours": d.hours}
            for d in (element.days or [])
        ],
        "format": element.format,
        "city": element.city,
        "address": element.address,
        "url": element.url,
        "contact": element.contact,
        "organizer_name": element.organizer_name,
        "capacity": element.capacity,
        "updated_at": element.updated_at.isoformat() if element.updated_at else None,
    }


def records_from_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line, parse_float=Decimal)


def records_from_dynamodb() -> Iterator[dict[str, Any]]:
    from chalicelib.db import catalog_repo  # imported late: only builds from DynamoDB need boto

    for element in catalog_repo.iter_public():
        yield record_from_model(element)


def load_entries(records: Iterable[dict[str, Any]], log: Any) -> list[CatalogEntry]:
    """Published entries in catalog order (dated first by start date, then undated), bad ones
    skipped with a warning naming the element."""
    entries: list[CatalogEntry] = []
    seen: set[str] = set()
    for record in records:
        try:
            entry = entry_from_record(record)
        except (BadRecord, AttributeError, TypeError) as exc:
            log.warning("catalog element %r skipped: %s", str(record.get("id"))[:64], exc)
            continue
        if entry is None or entry.id in seen:
            continue
        seen.add(entry.id)
        entries.append(entry)
    entries.sort(key=lambda e: (e.starts_on or "9999-12-31", e.id))
    return entries
