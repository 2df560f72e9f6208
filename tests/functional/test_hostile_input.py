"""Every route against hostile input: garbage bodies, wrong types, broken Unicode, huge values,
foreign ids. Whatever arrives, the answer is a 4xx in the error shape (or a success), never a 5xx."""

from __future__ import annotations

import json
import re

import pytest

from tests.people import login_headers, make_person

HOSTILE_BODIES: list[bytes] = [
    b"",
    b"{not json",
    b"[]",
    b"null",
    b'"string"',
    b"\xff\xfe\x00",
    b'{"code": "\\ud800"}',
    json.dumps({"title": "<script>alert(1)</script>", "capacity": "много"}).encode(),
    json.dumps({"records": "not a list", "decision": ["publish"], "egisz": "yes"}).encode(),
    json.dumps({"code": None, "specialty": {"$ne": 1}, "format": 1e308}).encode(),
    json.dumps({"title": "x" * 200_000}).encode(),
    ("[" * 5000 + "]" * 5000).encode(),
    json.dumps({"days": [{"date": "2026-02-30", "starts_at": "вчера", "hours": -1}]}).encode(),
    json.dumps({"records": [{"registration_id": {"a": 1}, "day": 5, "minutes": "∞"}]}).encode(),
    json.dumps({"specialties": [{"code": "76", "admitted_on": "0000-00-00"}] * 50}).encode(),
]

HOSTILE_IDS = ["x" * 600, "../../etc/passwd", "%00", "ev-<script>", "ев-кириллица", "1 OR 1=1"]

HOSTILE_QUERIES = [
    "specialty=%00&kind=<b>&from=2026-13-45&to=zzz&cursor=!!!&limit=-1",
    "cursor=eyJhIjp7fX0%3D&q=" + "я" * 300,
    "format=exe&status=deleted",
]


@pytest.fixture
def everyone(client, esia):
    """A person holding every role, with ЕСИА configured (logout builds its URL)."""
    person = make_person(
        "9000000001",
        roles=["specialist", "organizer", "moderator", "admin"],
        specialties=[("76", "2023-01-10")],
        organization_id="org-hostile",
    )
    return login_headers(person)


def _routes():
    from app import app

    for path, methods in sorted(app.routes.items()):
        for method in sorted(methods):
            yield method, path


def _fill(path: str, value: str) -> str:
    return re.sub(r"{\w+}", value, path)


def _assert_not_5xx(resp, what: str) -> None:
    assert resp.status_code < 500, f"{what} → {resp.status_code}: {resp.body[:300]!r}"
    if resp.status_code >= 400 and resp.headers.get("content-type", "").startswith(
        "application/json"
    ):
        error = json.loads(resp.body)["error"]
        assert error["message"] and error["code"], what


def test_no_route_answers_hostile_bodies_with_a_server_error(client, everyone):
    for method, path in _routes():
        if method not in ("POST", "PUT", "DELETE", "PATCH"):
            continue
        url = _fill(path, "ev-nonexistent")
        for body in HOSTILE_BODIES:
            resp = client.http.request(method, url, body=body, headers=everyone)
            _assert_not_5xx(resp, f"{method} {url} body={body[:40]!r}")


def test_no_route_answers_hostile_ids_or_queries_with_a_server_error(client, everyone):
    for method, path in _routes():
        for ident in HOSTILE_IDS if "{" in path else ["-"]:
            for query in HOSTILE_QUERIES:
                url = _fill(path, ident) + "?" + query
                body = b"{}" if method in ("POST", "PUT", "PATCH") else None
                resp = client.http.request(method, url, body=body, headers=everyone)
                _assert_not_5xx(resp, f"{method} {url[:120]}")


def test_forged_or_garbled_session_cookies_are_401_not_500(client):
    for cookie in (
        "nmo_session=",
        "nmo_session=abc.def",
        "nmo_session=" + "A" * 5000,
        "nmo_session=eyJvaWQiOiIxIn0.AAAA",
        "nmo_session=\u00ff\u00fe",
    ):
        resp = client.http.get("/api/me", headers={"Cookie": cookie})
        assert resp.status_code == 401, cookie


def test_chalice_own_refusals_come_back_in_the_contract_shape_in_russian(client):
    from tests.people import login_headers, make_person

    headers = login_headers(make_person("1000000777", specialties=[("76", "2023-03-15")]))
    media = client.http.post(
        "/api/me/plan", headers={**headers, "Content-Type": "text/plain"}, body="x"
    )
    assert media.status_code == 415
    assert media.json_body["error"]["code"] == "unsupported_media_type"
    assert "JSON" in media.json_body["error"]["message"]
    method = client.http.request("PATCH", "/api/me/plan", headers=headers)
    assert method.status_code == 405 and "Allow" in method.headers
    assert method.json_body["error"]["code"] == "method_not_allowed"
    binary = client.http.get(
        "/api/me/credits/export?format=xlsx", headers={**headers, "Accept": "application/json"}
    )
    assert binary.status_code == 406
    assert binary.json_body["error"]["code"] == "not_acceptable"
