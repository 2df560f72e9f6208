"""`nmo site build` reads the published catalog from DynamoDB (no JSON-lines file)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from chalicelib.db import catalog_repo
from chalicelib.db.models import CatalogElement, EventDay
from chalicelib.domain.catalog import catalog_sort_key
from nmo_cli.cli import main

from tests.site_catalog import catalog_index


def _element(element_id: str, status: str, title: str) -> CatalogElement:
    now = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)
    return CatalogElement(
        element_id=element_id,
        kind="event",
        status=status,
        sort_key=catalog_sort_key("2026-12-03", element_id),
        title=title,
        description="Разбор клинических случаев.",
        specialties=["25"],
        hours=6,
        starts_on="2026-12-03",
        ends_on="2026-12-03",
        days=[
            EventDay(
                date="2026-12-03",
                starts_at="2026-12-03T10:00:00+03:00",
                ends_at="2026-12-03T16:00:00+03:00",
                hours=6,
            )
        ],
        format="in_person",
        city="Ярославль",
        address="ул. Свободы, 1",
        organizer_id="org-1",
        organizer_name="Областная больница",
        created_key=f"{now.isoformat()}#{element_id}",
        capacity=30,
        created_at=now,
        updated_at=now,
    )


def test_site_build_shows_published_elements_from_dynamodb_and_hides_the_rest(
    dynamodb: None, tmp_path: Path
) -> None:
    catalog_repo.save_element(_element("ev-ddbpub000001", "published", "Школа кардиолога"))
    catalog_repo.save_element(_element("ev-ddbrev000001", "on_review", "На рассмотрении"))
    catalog_repo.save_element(_element("ev-ddbrej000001", "rejected", "Отклонённое"))

    assert main(["site", "build", "--out", str(tmp_path / "site")]) == 0

    site = tmp_path / "site"
    page = (site / "catalog" / "e" / "ev-ddbpub000001" / "index.html").read_text(encoding="utf-8")
    assert "Школа кардиолога" in page and "Областная больница" in page
    _, parts = catalog_index(site)
    assert [row[0] for part in parts for row in part["elements"]] == ["ev-ddbpub000001"]
    assert not (site / "catalog" / "e" / "ev-ddbrev000001").exists()
    assert not (site / "catalog" / "e" / "ev-ddbrej000001").exists()
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    assert "/catalog/e/ev-ddbpub000001/</loc><lastmod>2026-11-01</lastmod>" in sitemap  # changed


def test_a_year_9999_element_is_skipped_and_later_publications_still_appear(
    dynamodb: None, tmp_path: Path
) -> None:
    hostile = _element("ev-year9999001", "published", "Конгресс в 9999 году")
    hostile.starts_on = hostile.ends_on = "9999-12-31"
    hostile.sort_key = catalog_sort_key("9999-12-31", hostile.element_id)
    hostile.days = [
        EventDay(
            date="9999-12-31",
            starts_at="9999-12-31T10:00:00+03:00",
            ends_at="9999-12-31T16:00:00+03:00",
            hours=6,
        )
    ]
    catalog_repo.save_element(hostile)  # stored before the API bounded dates
    assert main(["site", "build", "--out", str(tmp_path / "first")]) == 0
    catalog_repo.save_element(_element("ev-later000001", "published", "Опубликовано позже"))
    assert main(["site", "build", "--out", str(tmp_path / "second")]) == 0
    site = tmp_path / "second"
    assert (site / "catalog" / "e" / "ev-later000001" / "index.html").exists()
    assert not (site / "catalog" / "e" / "ev-year9999001").exists()
    months = {p.name for p in (site / "catalog" / "calendar").iterdir() if p.is_dir()}
    assert "9999-12" not in months
