"""The sitemap stays within the protocol's limits and, split into parts, a new page changes only
the part it falls in (what publishing one event then uploads)."""

from __future__ import annotations

from pathlib import Path

from tests.site_catalog import sitemap

BASE = "https://nmo.example/"


def _urls(n: int) -> list[sitemap.Url]:
    return [sitemap.Url(f"{BASE}catalog/e/ev-{i:08d}/", "2026-11-01") for i in range(n)]


def test_a_small_site_has_one_sitemap_file(tmp_path: Path) -> None:
    assert sitemap.write(tmp_path, _urls(10), base_url=BASE) == 1
    text = (tmp_path / "sitemap.xml").read_text(encoding="utf-8")
    assert text.count("<url>") == 10 and "<sitemapindex" not in text
    assert "<url><loc>https://nmo.example/catalog/e/ev-00000003/</loc>" in text


def test_parts_respect_the_url_and_the_byte_limits() -> None:
    urls = _urls(300)
    every = sorted(sitemap._entry(u) for u in urls)
    by_count = sitemap.split(urls, max_urls=40)
    by_size = sitemap.split(urls, max_bytes=4000)
    for parts in (by_count, by_size):
        assert sorted(e for p in parts for e in p) == every  # each URL exactly once
    assert all(len(p) <= 40 for p in by_count)
    assert all(len(sitemap._urlset(p).encode()) <= 4000 for p in by_size)
    # Small parts on purpose (publishing cost): about part_urls each, a power of two of them.
    aimed = sitemap.split(urls, part_urls=50)
    assert len(aimed) == 8 and sum(map(len, aimed)) == 300


def test_a_new_page_changes_one_part_only(tmp_path: Path) -> None:
    before, after = tmp_path / "before", tmp_path / "after"
    before.mkdir()
    after.mkdir()
    urls = _urls(1000)
    sitemap.write(before, urls, base_url=BASE, part_urls=100)
    sitemap.write(after, [*urls, sitemap.Url(f"{BASE}catalog/e/ev-new/")], base_url=BASE,
                  part_urls=100)  # fmt: skip
    names = sorted(p.name for p in before.iterdir())
    assert names == sorted(p.name for p in after.iterdir()) and len(names) > 2
    changed = [n for n in names if (before / n).read_bytes() != (after / n).read_bytes()]
    assert len(changed) == 1 and changed[0] != "sitemap.xml"
    index = (after / "sitemap.xml").read_text(encoding="utf-8")
    assert index.count("<sitemap><loc>https://nmo.example/sitemap-") == len(names) - 1
