"""The session after login: `GET /api/me`, forged and expired cookies, CSRF, logout here and at ЕСИА."""

from __future__ import annotations

import time
import urllib.parse
from typing import Any

import pytest
from chalicelib.services import sessions
from chalicelib.settings import reset_settings

from tests.esia_support import DOCTOR, Browser, set_cookie_values


def logged_in(client: Any) -> Browser:
    browser = Browser(client)
    assert browser.login(DOCTOR).headers["Location"] == "/cabinet/"
    return browser


def test_me_without_a_session_says_to_log_in(client: Any, esia: Any) -> None:
    response = client.http.get("/api/me")
    assert response.status_code == 401
    assert "Войдите через Госуслуги" in response.json_body["error"]["message"]


def test_a_forged_session_cookie_is_refused(client: Any, esia: Any) -> None:
    browser = logged_in(client)
    body, signature = browser.cookies["nmo_session"].split(".")
    claims = sessions.decode_cookie_value(browser.cookies["nmo_session"])
    assert claims is not None
    # the same cookie claiming to be someone else, signature kept
    other = sessions.SessionClaims("1000000002", claims.sid, claims.expires_at)
    forged_body = sessions.encode_cookie_value(other).split(".")[0]
    for value in (f"{forged_body}.{signature}", f"{body}.{signature[:-2]}xx", "garbage", ""):
        response = client.http.get("/api/me", headers={"Cookie": f"nmo_session={value}"})
        assert response.status_code == 401, value


def test_an_expired_session_cookie_is_refused(client: Any, esia: Any) -> None:
    browser = logged_in(client)
    claims = sessions.decode_cookie_value(browser.cookies["nmo_session"])
    assert claims is not None
    expired = sessions.SessionClaims(claims.oid, claims.sid, int(time.time()) - 1)
    response = client.http.get("/api/me", headers=sessions.session_cookie_header(expired))
    assert response.status_code == 401


def test_logout_needs_the_csrf_token(client: Any, esia: Any) -> None:
    browser = logged_in(client)
    assert browser.post("/api/auth/logout").status_code == 403
    wrong = browser.post("/api/auth/logout", headers={"X-CSRF-Token": "nope"})
    assert wrong.status_code == 403
    assert browser.get("/api/me").status_code == 200


def test_logout_ends_the_session_here_and_points_to_esia_logout(client: Any, esia: Any) -> None:
    browser = logged_in(client)
    old_cookie = browser.cookies["nmo_session"]
    csrf = browser.get("/api/me").json_body["csrf_token"]
    response = browser.post("/api/auth/logout", headers={"X-CSRF-Token": csrf})
    assert response.status_code == 200
    url = response.json_body["logout_url"]
    assert url.startswith(f"{esia.url}/idp/ext/Logout?")
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(url).query) == {
        "client_id": ["NMOPORTAL"],
        "redirect_url": ["http://127.0.0.1:8000/"],
    }
    cleared = set_cookie_values(response.headers)
    assert any(c.startswith("nmo_session=;") and "Max-Age=0" in c for c in cleared)
    # even a copy of the old cookie no longer works
    again = client.http.get("/api/me", headers={"Cookie": f"nmo_session={old_cookie}"})
    assert again.status_code == 401
    # and ЕСИА's logout sends the browser back to the portal
    from tests.esia_support import http_request

    status, headers, _ = http_request(url)
    assert status == 302 and headers["Location"] == "http://127.0.0.1:8000/"


def test_logging_out_one_browser_keeps_the_other_logged_in(client: Any, esia: Any) -> None:
    laptop, phone = logged_in(client), logged_in(client)
    csrf = laptop.get("/api/me").json_body["csrf_token"]
    laptop.post("/api/auth/logout", headers={"X-CSRF-Token": csrf})
    assert laptop.get("/api/me").status_code == 401
    assert phone.get("/api/me").status_code == 200


def test_a_csrf_token_of_one_session_does_not_work_for_another(client: Any, esia: Any) -> None:
    first, second = logged_in(client), logged_in(client)
    csrf_of_first = first.get("/api/me").json_body["csrf_token"]
    response = second.post("/api/auth/logout", headers={"X-CSRF-Token": csrf_of_first})
    assert response.status_code == 403


def test_cookies_are_secure_outside_plain_http_localhost(
    client: Any, esia: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NMO_PUBLIC_URL", "https://nmo.example.ru")
    reset_settings()
    response = client.http.get("/api/auth/esia/login")
    assert response.status_code == 302
    (login_cookie,) = set_cookie_values(response.headers)
    assert "Secure" in login_cookie and "HttpOnly" in login_cookie
    assert "Path=/api/auth/esia/;" in login_cookie
    redirect_uri = urllib.parse.parse_qs(urllib.parse.urlsplit(response.headers["Location"]).query)[
        "redirect_uri"
    ]
    assert redirect_uri == ["https://nmo.example.ru/api/auth/esia/callback"]


def test_the_login_redirect_carries_every_v2_ac_parameter(client: Any, esia: Any) -> None:
    response = client.http.get("/api/auth/esia/login")
    parts = urllib.parse.urlsplit(response.headers["Location"])
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{esia.url}/aas/oauth2/v2/ac"
    params = urllib.parse.parse_qs(parts.query)
    assert set(params) == {
        "client_id", "client_secret", "client_certificate_hash", "redirect_uri", "scope",
        "response_type", "state", "access_type", "timestamp",
    }  # fmt: skip
    assert params["response_type"] == ["code"] and params["access_type"] == ["online"]
    assert len(params["client_certificate_hash"][0]) == 64
    assert response.headers["Cache-Control"] == "no-store"
