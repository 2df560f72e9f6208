"""The local origin: static site and /api/* on one origin, as the CDN routes them."""

from __future__ import annotations

from pathlib import Path

import pytest
from nmo_cli.devserver import PortalOrigin
from nmo_cli.site_build import DEFAULT_CSP
from werkzeug.test import Client


@pytest.fixture
def origin(dynamodb, tmp_path: Path) -> Client:
    from app import app

    site = tmp_path / "site"
    (site / "catalog").mkdir(parents=True)
    (site / "index.html").write_text("<h1>Каталог НМО</h1>", encoding="utf-8")
    (site / "catalog" / "index.html").write_text("<h1>Каталог</h1>", encoding="utf-8")
    (site / "404.html").write_text("<h1>Страница не найдена</h1>", encoding="utf-8")
    (site / "event.ics").write_text("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("не отдавать", encoding="utf-8")
    return Client(PortalOrigin(site, app, max_body=1024, csp=DEFAULT_CSP))


def test_site_pages_are_served_with_security_headers(origin):
    resp = origin.get("/")
    assert resp.status_code == 200
    assert "Каталог НМО" in resp.get_data(as_text=True)
    assert resp.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


def test_directory_without_slash_redirects_and_ics_is_a_calendar(origin):
    assert origin.get("/catalog").status_code == 301
    assert origin.get("/catalog").headers["Location"].endswith("/catalog/")
    assert origin.get("/event.ics").headers["Content-Type"].startswith("text/calendar")


def test_paths_outside_the_site_are_not_served(origin):
    for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/catalog/../../secret.txt"):
        resp = origin.get(path)
        assert resp.status_code == 404
        assert "не отдавать" not in resp.get_data(as_text=True)


def test_api_is_routed_into_the_chalice_app_on_the_same_origin(origin):
    resp = origin.get("/api/health")
    assert resp.status_code == 200
    assert resp.json == {"status": "ok"}
    resp = origin.get("/api/catalog/elements?specialty=76")
    assert resp.status_code == 200
    assert resp.json["specialty"]["code"] == "76"


def test_unknown_api_path_is_a_404_in_the_error_shape(origin):
    resp = origin.get("/api/nope")
    assert resp.status_code == 404
    assert resp.json["error"]["code"] == "not_found"


def test_oversized_body_is_refused_before_it_is_read(origin):
    resp = origin.post("/api/health", data=b"x" * 5000, content_type="application/json")
    assert resp.status_code == 413
    assert resp.json["error"]["code"] == "payload_too_large"


def test_wrong_method_media_type_and_accept_answer_in_the_contract_shape(origin):
    wrong_method = origin.delete("/api/catalog/elements")
    assert wrong_method.status_code == 405
    assert wrong_method.json["error"]["code"] == "method_not_allowed"
    assert "GET" in wrong_method.json["error"]["message"]
    assert "Code" not in wrong_method.json
    assert wrong_method.headers["Content-Security-Policy"]


def test_a_nul_byte_or_a_crash_never_shows_werkzeug_and_keeps_the_security_headers(origin):
    for path in ("/%00/x", "/api/%00/x", "/catalog/%00"):
        resp = origin.get(path)
        assert resp.status_code == 404, path
        assert "Werkzeug" not in resp.get_data(as_text=True)
        assert resp.headers["X-Content-Type-Options"] == "nosniff"


def test_the_local_server_does_not_announce_its_make():
    from nmo_cli.devserver import QuietHandler

    assert QuietHandler.version_string(object.__new__(QuietHandler)) == "nmo-portal"
