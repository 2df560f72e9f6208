"""The sitemap (sitemaps.org protocol): one file while the site is small, a sitemap index over
parts once it is not. A file may hold at most 50,000 URLs and 50 MB; parts are also kept small
(`part_urls`) so that publishing one new event rewrites one part of a few dozen KB, not a 2 MB
file. A URL's part is a hash of the URL over a power-of-two number of parts: it stays in the same
part from build to build, and the parts are re-cut only when the catalog doubles.

lastmod: an element's last change; other pages have none (MkDocs' own sitemap stamped every URL
with the build date, which changed every file on every build)."""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape
from pathlib import Path

MAX_URLS = 50_000  # per file, the protocol's limit
MAX_BYTES = 50 * 1024 * 1024  # per file, uncompressed, the protocol's limit
PART_URLS = 2_000  # what a part aims at (publishing cost), well under the limits
_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
_HEAD = f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{_NS}">\n'
_TAIL = "</urlset>\n"


@dataclass(frozen=True)
class Url:
    loc: str  # absolute
    lastmod: str | None = None  # YYYY-MM-DD


def _entry(url: Url) -> str:
    lastmod = f"<lastmod>{url.lastmod}</lastmod>" if url.lastmod else ""
    return f"<url><loc>{escape(url.loc)}</loc>{lastmod}</url>\n"


def _fits(entries: list[str], max_urls: int, max_bytes: int) -> bool:
    size = len(_HEAD) + len(_TAIL) + sum(len(e.encode("utf-8")) for e in entries)
    return len(entries) <= max_urls and size <= max_bytes


def _urlset(entries: Iterable[str]) -> str:
    return _HEAD + "".join(entries) + _TAIL


def split(
    urls: Iterable[Url],
    *,
    max_urls: int = MAX_URLS,
    max_bytes: int = MAX_BYTES,
    part_urls: int = PART_URLS,
) -> list[list[str]]:
    """The URL entries of each file, in URL order: one list when everything fits one file."""
    entries = {u.loc: _entry(u) for u in urls}
    ordered = [entries[loc] for loc in sorted(entries)]
    limit = min(max_urls, part_urls)
    if _fits(ordered, limit, max_bytes):
        return [ordered]
    count = 2
    while count < len(ordered) / limit:
        count *= 2
    while True:
        parts: list[list[str]] = [[] for _ in range(count)]
        for loc in sorted(entries):
            parts[zlib.crc32(loc.encode("utf-8")) % count].append(entries[loc])
        if all(_fits(p, max_urls, max_bytes) for p in parts) or count >= len(ordered):
            return parts
        count *= 2


def write(
    site_dir: Path,
    urls: Iterable[Url],
    *,
    base_url: str,
    max_urls: int = MAX_URLS,
    max_bytes: int = MAX_BYTES,
    part_urls: int = PART_URLS,
) -> int:
    """Write sitemap.xml (and sitemap-N.xml parts behind it when needed); returns how many files
    hold URLs."""
    parts = split(urls, max_urls=max_urls, max_bytes=max_bytes, part_urls=part_urls)
    if len(parts) == 1:
        (site_dir / "sitemap.xml").write_text(_urlset(parts[0]), encoding="utf-8")
        return 1
    base = base_url if base_url.endswith("/") else base_url + "/"
    index = [f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{_NS}">\n']
    width = len(str(len(parts) - 1))
    for n, part in enumerate(parts):
        name = f"sitemap-{n:0{width}d}.xml"
        (site_dir / name).write_text(_urlset(part), encoding="utf-8")
        index.append(f"<sitemap><loc>{escape(base + name)}</loc></sitemap>\n")
    index.append("</sitemapindex>\n")
    (site_dir / "sitemap.xml").write_text("".join(index), encoding="utf-8")
    return len(parts)
