"""The compact catalog index the browser filters and searches: ids, titles, specialties, dates,
hours and Snowball stems (as numbers into a shared stem list, which keeps 20,000 elements small)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from . import stemming
from .source import CatalogEntry

KIND_ORDER = ("dpp_pk", "iom", "event")
FORMAT_ORDER = ("in_person", "online")


class StemTable:
    def __init__(self) -> None:
        self.ids: dict[str, int] = {}

    def refs(self, text: str) -> list[int]:
        return [self.ids.setdefault(s, len(self.ids)) for s in stemming.stems(text)]

    def as_list(self) -> list[str]:
        return list(self.ids)


def build_index(
    entries: Iterable[CatalogEntry],
    specialty_names: dict[str, str],
    pages: Iterable[tuple[str, str, str]],
) -> dict[str, Any]:
    """`pages`: (url, title, plain text) of help and other hand-written pages."""
    table = StemTable()
    cities: dict[str, int] = {}
    rows = []
    for e in entries:
        rows.append(
            [
                e.id,
                e.title,
                KIND_ORDER.index(e.kind),
                FORMAT_ORDER.index(e.format) if e.format else -1,
                cities.setdefault(e.city, len(cities)) if e.city else -1,
                list(e.specialties),
                e.starts_on or "",
                e.ends_on or "",
                round(e.hours, 2) if e.hours % 1 else int(e.hours),
                table.refs(e.title),
            ]
        )
    specialties = {code: [name, table.refs(name)] for code, name in sorted(specialty_names.items())}
    page_rows = [[url, title, table.refs(title + " " + text)] for url, title, text in pages]
    return {
        "v": 1,
        "fields": [
            "id",
            "title",
            "kind",
            "format",
            "city",
            "specialties",
            "starts_on",
            "ends_on",
            "hours",
            "stems",
        ],
        "kinds": list(KIND_ORDER),
        "formats": list(FORMAT_ORDER),
        "cities": list(cities),
        "specialties": specialties,
        "stems": table.as_list(),
        "elements": rows,
        "pages": page_rows,
    }


def dump(index: dict[str, Any]) -> str:
    """Compact UTF-8 JSON with <, > and & escaped: the file stays inert even if served or embedded
    as HTML by mistake (organizer titles may contain markup, shown as text by the scripts)."""
    text = json.dumps(index, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
