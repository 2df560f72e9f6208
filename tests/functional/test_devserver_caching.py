"""The local origin compresses text and sets cache lifetimes as the CDN does: hashed bundles for a
year, pages revalidated (304 when unchanged), API answers never stored."""

from __future__ import annotations

import gzip
from pathlib import Path

import brotli
import pytest
from nmo_cli.devserver import PortalOrigin
from nmo_cli.site_build import DEFAULT_CSP
from werkzeug.test import Client

PAGE = "<h1>Каталог НМО</h1>" + "<p>Программы повышения квалификации по терапии.</p>" * 200
BUNDLE = "var nmo = 1;\n" * 2000


@pytest.fixture
def origin(dynamodb, tmp_path: Path) -> Client:
    from app import app

    site = tmp_path / "site"
    (site / "assets" / "javascripts").mkdir(parents=True)
    (site / "index.html").write_text(PAGE, encoding="utf-8")
    (site / "assets" / "javascripts" / "bundle.a5f9d56c.min.js").write_text(BUNDLE)
    (site / "assets" / "javascripts" / "portal.js").write_text(BUNDLE)
    (site / "404.html").write_text("<h1>Страница не найдена</h1>" + " " * 2000, encoding="utf-8")
    return Client(PortalOrigin(site, app, max_body=1024, csp=DEFAULT_CSP))


def test_pages_come_brotli_or_gzip_compressed_as_the_browser_accepts(origin):
    br = origin.get("/", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert br.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in br.headers["Vary"]
    assert brotli.decompress(br.get_data()).decode() == PAGE
    assert int(br.headers["Content-Length"]) == len(br.get_data()) < len(PAGE.encode()) / 5

    gz = origin.get("/", headers={"Accept-Encoding": "gzip"})
    assert gz.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(gz.get_data()).decode() == PAGE

    plain = origin.get("/", headers={"Accept-Encoding": "br;q=0, identity"})
    assert "Content-Encoding" not in plain.headers
    assert plain.get_data(as_text=True) == PAGE


def test_hashed_bundles_are_immutable_and_pages_and_plain_assets_revalidate(origin):
    bundle = origin.get("/assets/javascripts/bundle.a5f9d56c.min.js")
    assert bundle.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    for path in ("/", "/assets/javascripts/portal.js"):
        assert origin.get(path).headers["Cache-Control"] == "no-cache"


def test_an_unchanged_page_is_revalidated_with_a_304_and_no_body(origin):
    first = origin.get("/", headers={"Accept-Encoding": "br"})
    again = origin.get(
        "/", headers={"Accept-Encoding": "br", "If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304
    assert again.get_data() == b""
    # Another encoding is another representation: no 304 for it.
    other = origin.get(
        "/", headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]}
    )
    assert other.status_code == 200


def test_api_answers_are_never_stored_and_large_ones_are_compressed(origin):
    health = origin.get("/api/health")
    assert health.headers["Cache-Control"] == "no-store"
    listing = origin.get("/api/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert listing.status_code == 200
    assert listing.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(listing.get_data()).startswith(b"{")


def test_the_404_page_is_compressed_too_and_keeps_its_status(origin):
    resp = origin.get("/nope/", headers={"Accept-Encoding": "br"})
    assert resp.status_code == 404
    assert "Страница не найдена" in brotli.decompress(resp.get_data()).decode()
