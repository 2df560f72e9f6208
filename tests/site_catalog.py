"""Test helpers for the catalog site: sample element records and a small-catalog build."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# The hook's own package (site/hooks/nmo_site), importable as MkDocs imports it.
if str(ROOT / "site" / "hooks") not in sys.path:
    sys.path.insert(0, str(ROOT / "site" / "hooks"))

# Re-exported for tests: the hook's modules, imported the way the MkDocs hook imports them.
from nmo_site import safe_text, search_index, sitemap, source, stemming  # noqa: E402

__all__ = [
    "build_site",
    "catalog_index",
    "record",
    "safe_text",
    "search_index",
    "sitemap",
    "source",
    "stemming",
]


def record(element_id: str, **overrides: Any) -> dict[str, Any]:
    """A published event record as the JSON-lines source and DynamoDB both yield it."""
    data: dict[str, Any] = {
        "id": element_id,
        "kind": "event",
        "status": "published",
        "title": "Конференция «Кардиология сегодня»",
        "description": "Для **врачей** и фельдшеров.\n\n- разборы\n- тесты",
        "program": "1. Открытие\n2. Доклады",
        "specialties": ["25"],
        "hours": 6,
        "starts_on": "2026-12-01",
        "ends_on": "2026-12-01",
        "days": [
            {
                "date": "2026-12-01",
                "starts_at": "2026-12-01T10:00:00+03:00",
                "ends_at": "2026-12-01T16:00:00+03:00",
                "hours": 6,
            }
        ],
        "format": "in_person",
        "city": "Ярославль",
        "address": "ул. Революционная, 5",
        "url": "https://example.org/conf",
        "contact": "+7 (4852) 00-00-00",
        "organizer_name": "Областная клиническая больница",
        "capacity": 40,
    }
    data.update(overrides)
    return data


def catalog_index(site: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The built catalog index: its head (catalog/index.json) and the parts it names, in order."""
    head = json.loads((site / "catalog" / "index.json").read_text(encoding="utf-8"))
    parts = [
        json.loads((site / url.lstrip("/")).read_text(encoding="utf-8")) for url in head["parts"]
    ]
    return head, parts


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def build_site(
    tmp: Path,
    records: list[dict[str, Any]],
    config_file: Path | None = None,
    extra: dict[str, Any] | None = None,
) -> Path:
    from nmo_cli.site_build import MKDOCS_YML, build

    jsonl = write_jsonl(tmp / "catalog.jsonl", records)
    return build(
        tmp / "out", catalog_jsonl=jsonl, config_file=config_file or MKDOCS_YML, extra=extra
    )


def sample_catalog() -> list[dict[str, Any]]:
    """Three specialties, three kinds, one draft that must never appear."""
    return [
        record("ev-cardio00001", title="Конференция «Кардиология сегодня»", specialties=["25"]),
        record(
            "ev-surgery0001",
            title="Семинар «Хирургия грыж передней брюшной стенки»",
            specialties=["90"],
            starts_on="2026-12-10",
            ends_on="2026-12-10",
            days=[
                {
                    "date": "2026-12-10",
                    "starts_at": "2026-12-10T09:00:00+03:00",
                    "ends_at": "2026-12-10T15:00:00+03:00",
                    "hours": 6,
                }
            ],
            format="online",
            city=None,
            capacity=300,
        ),
        record(
            "pk-neuro000001",
            kind="dpp_pk",
            title="Неврология: инсульт на догоспитальном этапе",
            specialties=["35", "76"],
            hours=36,
            starts_on="2027-01-11",
            ends_on="2027-01-15",
            days=[],
            capacity=None,
        ),
        record(
            "iom-cardio0002",
            kind="iom",
            title="Фибрилляция предсердий в практике терапевта",
            specialties=["25", "76"],
            hours=3,
            starts_on=None,
            ends_on=None,
            days=[],
            format="online",
            city=None,
            capacity=None,
        ),
        record("ev-draft000001", status="draft", title="Черновик не для показа"),
    ]
