"""The API behind Yandex API Gateway: events shaped as the `cloud_functions` integration sends
them go through `yandex_handler.handler`, for every kind of answer the app gives."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import pytest
from chalice import Response
from chalicelib.db import codes_repo
from chalicelib.db.models import Specialist
from chalicelib.web import PortalApp
from chalicelib.yandex_http import to_chalice_event, to_yandex_response
from openpyxl import load_workbook

from tests.esia_support import DOCTOR, Browser
from tests.people import login_headers, make_person
from tests.yandex_support import YandexClient, function_context, invoke, yandex_event


@pytest.fixture
def doctor(dynamodb: None) -> Specialist:
    return make_person("1000000001", specialties=[("76", "2023-03-15")])


def _code(issued_to: str | None = None) -> str:
    return codes_repo.issue(
        event_id="ev-1",
        day="2024-05-20",
        specialty="76",
        hours=6,
        title="Конференция «Кардиология 2024», день 1",
        issued_to=issued_to,
        expires_on="2099-12-31",
    ).code


def test_public_catalog_answers_json_through_the_gateway(dynamodb: None) -> None:
    r = invoke(yandex_event("GET", "/api/catalog/elements?specialty=76&kind=event"))
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.result["isBase64Encoded"] is False
    assert r.json_body["items"] == []


def test_the_whole_esia_login_runs_through_the_yandex_entry_point(esia: Any) -> None:
    browser = Browser(YandexClient())
    start = browser.get("/api/auth/esia/login?next=/cabinet/")
    assert start.status_code == 302 and "/aas/oauth2/v2/ac?" in start.headers["Location"]
    # Set-Cookie is a list in multiValueHeaders, never folded into one header.
    assert isinstance(start.result["multiValueHeaders"]["Set-Cookie"], list)
    assert "Set-Cookie" not in start.result["headers"]
    landed = browser.back_from_esia(browser.choose_persona(start.headers["Location"], DOCTOR))
    assert landed.status_code == 302 and landed.headers["Location"] == "/cabinet/"
    me = browser.get("/api/me")
    assert me.status_code == 200 and me.json_body["oid"] == DOCTOR


def test_a_redirect_with_several_cookies_keeps_every_set_cookie(settings_env: None) -> None:
    # No portal route sets two cookies today; the translation must still carry any number.
    app = PortalApp(app_name="cookies")

    @app.route("/api/two")
    def two() -> Response:
        cookies = ["a=1; Path=/; HttpOnly", "b=2; Path=/; Max-Age=0"]
        return Response("", status_code=302, headers={"Location": "/x/", "Set-Cookie": cookies})

    event = to_chalice_event(yandex_event("GET", "/api/two"), app.routes, "pilot")
    assert event is not None
    result = to_yandex_response(app(event, function_context()))
    assert result["statusCode"] == 302 and result["headers"]["Location"] == "/x/"
    assert result["multiValueHeaders"]["Set-Cookie"] == [
        "a=1; Path=/; HttpOnly",
        "b=2; Path=/; Max-Age=0",
    ]


def test_the_xlsx_export_comes_back_base64_and_opens_as_a_workbook(doctor: Specialist) -> None:
    headers = login_headers(doctor)
    redeemed = invoke(
        yandex_event("POST", "/api/me/credits/codes", headers, json.dumps({"code": _code()}))
    )
    assert redeemed.status_code == 201, redeemed.body
    r = invoke(yandex_event("GET", "/api/me/credits/export?format=xlsx", headers))
    assert r.status_code == 200
    assert r.result["isBase64Encoded"] is True
    assert r.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert r.body.startswith(b"PK")  # a zip, decoded from the base64 text
    sheet = load_workbook(io.BytesIO(r.body))["Зачтённые элементы"]
    assert sheet.cell(row=2, column=4).value == 6
    # A text download stays text (not base64), byte for byte, BOM included.
    csv_answer = invoke(yandex_event("GET", "/api/me/credits/export?format=csv", headers))
    assert csv_answer.status_code == 200 and csv_answer.result["isBase64Encoded"] is False
    assert csv_answer.body.startswith(b"\xef\xbb\xbf")
    assert "attachment" in csv_answer.headers["Content-Disposition"]


def test_errors_keep_the_contract_shape_and_status(doctor: Specialist) -> None:
    missing = invoke(yandex_event("GET", "/api/events/no-such-event"))
    assert missing.status_code == 404
    assert missing.json_body["error"]["code"] and missing.json_body["error"]["message"]
    anonymous = invoke(yandex_event("GET", "/api/me"))
    assert anonymous.status_code == 401
    headers = {**login_headers(doctor)}
    headers.pop("X-CSRF-Token")
    no_csrf = invoke(yandex_event("PUT", "/api/me/consent", headers, '{"egisz": true}'))
    assert no_csrf.status_code == 403
    wrong_method = invoke(yandex_event("DELETE", "/api/me/cycles", login_headers(doctor)))
    assert wrong_method.status_code == 405
    assert wrong_method.json_body["error"]["code"] == "method_not_allowed"


def test_a_path_the_app_does_not_have_is_a_404_in_the_contract_shape(dynamodb: None) -> None:
    r = invoke(yandex_event("GET", "/api/nothing/here", template="/api/{proxy+}"))
    assert r.status_code == 404 and r.json_body["error"]["code"] == "not_found"


def test_a_greedy_gateway_entry_still_reaches_the_right_route(doctor: Specialist) -> None:
    event = yandex_event(
        "PUT",
        "/api/me/credits/2024-05-20%23x/cycle",
        login_headers(doctor),
        '{"specialty": "76"}',
        template="/api/{proxy+}",
    )
    r = invoke(event)
    # Routed to PUT /api/me/credits/{record_id}/cycle with the id decoded: that record is unknown.
    assert r.status_code == 404, r.body
    assert (
        invoke(
            yandex_event("GET", "/api/me/cycles", login_headers(doctor), template="/api/{proxy+}")
        ).status_code
        == 200
    )


def test_a_json_body_and_a_base64_body_are_read_alike(doctor: Specialist) -> None:
    headers = login_headers(doctor)
    plain = invoke(yandex_event("PUT", "/api/me/consent", headers, '{"egisz": true}'))
    assert plain.status_code == 200
    assert invoke(yandex_event("GET", "/api/me", headers)).json_body["consent"] == {"egisz": True}
    body = json.dumps({"egisz": False}).encode("utf-8")
    encoded = invoke(yandex_event("PUT", "/api/me/consent", headers, body, base64_body=True))
    assert encoded.status_code == 200
    assert invoke(yandex_event("GET", "/api/me", headers)).json_body["consent"] == {"egisz": False}
    code = _code()
    raw = json.dumps({"code": code}, ensure_ascii=False).encode("utf-8")
    redeemed = invoke(yandex_event("POST", "/api/me/credits/codes", headers, raw, base64_body=True))
    assert redeemed.status_code == 201
    broken = invoke(yandex_event("PUT", "/api/me/consent", headers, "{not json"))
    assert broken.status_code == 400 and broken.json_body["error"]["code"] == "invalid_input"


def test_cookies_sent_as_several_headers_are_one_cookie_list(doctor: Specialist) -> None:
    # HTTP/2 browsers may send each cookie in its own header; the single-value map then holds
    # only the last one, so the session must be found in the list.
    headers = login_headers(doctor)
    session_cookie = headers.pop("Cookie")
    event = yandex_event("GET", "/api/me", {**headers, "Cookie": [session_cookie, "theme=dark"]})
    assert event["headers"]["Cookie"] == "theme=dark"
    r = invoke(event)
    assert r.status_code == 200 and r.json_body["oid"] == doctor.oid


def test_repeated_query_parameters_reach_the_app_as_a_list(dynamodb: None) -> None:
    event = yandex_event("GET", "/api/catalog/elements?specialty=76&specialty=31")
    chalice_event = to_chalice_event(event, {"/api/catalog/elements": {}}, "pilot")
    assert chalice_event is not None
    assert chalice_event["multiValueQueryStringParameters"] == {"specialty": ["76", "31"]}
    assert chalice_event["requestContext"]["requestId"] == event["requestContext"]["requestId"]
    assert chalice_event["requestContext"]["resourcePath"] == "/api/catalog/elements"


def test_a_raw_bytes_body_becomes_base64_text() -> None:
    result = to_yandex_response({"statusCode": 200, "headers": {}, "body": b"\x00\xff"})
    assert result["isBase64Encoded"] is True
    assert base64.b64decode(result["body"]) == b"\x00\xff"


def test_the_hourly_timer_trigger_finishes_ended_events(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import datetime as dt

    from chalicelib.services import lifecycle
    from yandex_handler import TIMER_MESSAGE, handler

    from tests.events_support import moderator, organizer, published_event

    event_id = published_event(client, organizer(), moderator())
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=60)
    monkeypatch.setattr(lifecycle, "utcnow", lambda: later)
    timer = {
        "messages": [
            {
                "event_metadata": {
                    "event_id": "a1s41g2n5g0o5p8q1j3m",
                    "event_type": TIMER_MESSAGE,
                    "created_at": "2026-12-01T13:00:00.000Z",
                    "cloud_id": "b1gcloud",
                    "folder_id": "b1gfolder",
                },
                "details": {"trigger_id": "a1sfinishevents", "payload": ""},
            }
        ]
    }
    assert handler(timer, function_context())["statusCode"] == 200
    public = invoke(yandex_event("GET", f"/api/events/{event_id}")).json_body
    assert public["status"] == "finished"


def test_a_template_without_its_parameters_is_matched_from_the_url(doctor: Specialist) -> None:
    event = yandex_event("PUT", "/api/me/credits/r-1/cycle", login_headers(doctor), "{}")
    event["pathParams"] = {}
    chalice_event = to_chalice_event(event, {"/api/me/credits/{record_id}/cycle": {}}, "pilot")
    assert chalice_event is not None
    assert chalice_event["pathParameters"] == {"record_id": "r-1"}
