"""Each person sees only their own record: every /api/me* route tried with another person's session."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from chalicelib.db import codes_repo, credits_repo
from chalicelib.services.sessions import COOKIE_NAME

from tests.people import login_headers, make_person

SECRET_TITLE = "Закрытый семинар Ивановой"


def _me_routes() -> list[tuple[str, str]]:
    from app import app

    return sorted(
        (path, method)
        for path, methods in app.routes.items()
        if path.startswith("/api/me")
        for method in methods
    )


def test_no_me_route_shows_one_persons_record_to_another(client: Any) -> None:
    owner = make_person(
        "1000000011", specialties=[("76", "2023-03-15")], name=("Секретова", "Анна", "Ивановна")
    )
    other = make_person(
        "1000000012", specialties=[("76", "2023-03-15")], name=("Другой", "Пётр", "Петрович")
    )
    code = codes_repo.issue(
        event_id="ev-x",
        day="2024-05-20",
        specialty="76",
        hours=6,
        title=SECRET_TITLE,
        issued_to=owner.oid,
        expires_on="2099-12-31",
    ).code
    own = login_headers(owner)
    assert (
        client.http.post(
            "/api/me/credits/codes", headers=own, body=json.dumps({"code": code})
        ).status_code
        == 201
    )
    record_id = json.loads(client.http.get("/api/me/credits", headers=own).body)["items"][0]["id"]
    owner_cursor = credits_repo.encode_cursor(
        {"oid": {"S": owner.oid}, "record_id": {"S": record_id}}
    )

    headers = login_headers(other)
    routes = _me_routes()
    assert ("/api/me/cycles", "GET") in routes and ("/api/me/credits/codes", "POST") in routes
    secrets_of_owner = [SECRET_TITLE, owner.oid, "Секретова", record_id, code]
    for path, method in routes:
        # Every id of the owner's we know goes in: as a query, a cursor and body fields.
        url = re.sub(r"\{[^}]+\}", owner.oid, path)
        url += f"?oid={owner.oid}&specialty=76&cursor={owner_cursor}&format=json"
        body = json.dumps(
            {
                "oid": owner.oid,
                "code": code,
                "egisz": True,
                "record_id": record_id,
                "specialties": [{"code": "76", "admitted_on": "2022-01-01"}],
            }
        )
        r = client.http.request(method, url, headers=headers, body=body if method != "GET" else b"")
        text = r.body.decode("utf-8", "replace") if isinstance(r.body, bytes) else str(r.body)
        for secret in secrets_of_owner:
            assert secret not in text, f"{method} {path} leaked {secret!r}"
    # The owner's record is untouched by all of that.
    owner_cycles = json.loads(client.http.get("/api/me/cycles", headers=own).body)["items"]
    assert owner_cycles[0]["earned"]["total"] == 6 and owner_cycles[0]["starts"] == "2023-03-15"


def test_forged_session_cookie_for_another_person_gets_401_on_every_me_route(client: Any) -> None:
    owner = make_person("1000000011", specialties=[("76", "2023-03-15")])
    headers = login_headers(owner)
    value = headers["Cookie"].split("=", 1)[1]
    _payload, signature = value.split(".", 1)
    forged_payload = (
        base64.urlsafe_b64encode(
            json.dumps({"oid": "1000000012", "sid": "x", "exp": 4102444800}).encode()
        )
        .decode()
        .rstrip("=")
    )
    forged = {**headers, "Cookie": f"{COOKIE_NAME}={forged_payload}.{signature}"}
    for path, method in _me_routes():
        r = client.http.request(
            method, path, headers=forged, body=b"{}" if method != "GET" else b""
        )
        assert r.status_code in (401, 403), (method, path, r.status_code)
