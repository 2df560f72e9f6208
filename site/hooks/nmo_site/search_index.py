"""The compact catalog index the browser filters and searches: ids, titles, specialties, dates,
hours and Snowball stems.

Two levels, so that publishing one event does not re-upload the whole index (4 MB at 20,000
elements): catalog/index.json (the head: kinds, formats, specialties, help pages, the parts'
names) and parts of about PART_ELEMENTS elements each, an element's part chosen by a hash of its
id over a power-of-two number of parts (it stays put from build to build; the parts are re-cut only
when the catalog doubles). Each part is self-contained (its own stem and city lists, as numbers
into them) and named by its content's hash, so it is cached for good and a new build's parts never
overwrite the ones pages already loaded."""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Iterable, Sequence
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


FIELDS = ["id", "title", "kind", "format", "city", "specialties", "starts_on", "ends_on", "hours",
          "stems"]  # fmt: skip
PART_ELEMENTS = 1000


def part_count(elements: int, per_part: int = PART_ELEMENTS) -> int:
    count = 1
    while count * per_part < elements:
        count *= 2
    return count


def build_part(entries: Iterable[CatalogEntry]) -> dict[str, Any]:
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
    return {"v": 2, "stems": table.as_list(), "cities": list(cities), "elements": rows}


def build_index(
    entries: Sequence[CatalogEntry],
    specialty_names: dict[str, str],
    pages: Iterable[tuple[str, str, str]],
    *,
    per_part: int = PART_ELEMENTS,
) -> tuple[dict[str, Any], dict[str, str]]:
    """(the head, {file name under catalog/index/: part text}). `pages`: (url, title, plain
    text) of help and other hand-written pages. Entries keep their catalog order in each part."""
    count = part_count(len(entries), per_part)
    grouped: list[list[CatalogEntry]] = [[] for _ in range(count)]
    for e in entries:
        grouped[zlib.crc32(e.id.encode("utf-8")) % count].append(e)
    parts: dict[str, str] = {}
    for n, group in enumerate(grouped):
        text = dump(build_part(group))
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
        parts[f"{n}.{digest}.json"] = text
    head = {
        "v": 2,
        "fields": FIELDS,
        "kinds": list(KIND_ORDER),
        "formats": list(FORMAT_ORDER),
        "specialties": {
            code: [name, stemming.stems(name)] for code, name in sorted(specialty_names.items())
        },
        "pages": [
            [url, title, sorted(set(stemming.stems(title + " " + text)))]
            for url, title, text in pages
        ],
        "parts": [f"/catalog/index/{name}" for name in parts],
    }
    return head, parts


def dump(index: dict[str, Any]) -> str:
    """Compact UTF-8 JSON with <, > and & escaped: the file stays inert even if served or embedded
    as HTML by mistake (organizer titles may contain markup, shown as text by the scripts)."""
    text = json.dumps(index, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
