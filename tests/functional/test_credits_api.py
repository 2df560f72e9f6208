"""The cabinet API: cycles, the ledger, code redemption, exports, history, consent, specialties."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import pytest
from chalicelib.db import codes_repo, connection
from chalicelib.db.models import ConfirmationCode, Specialist
from chalicelib.domain.codes import format_code, new_code
from openpyxl import load_workbook

from tests.people import login_headers, make_person

ADMITTED = "2023-03-15"


def _code(specialty: str = "76", *, issued_to: str | None = None, hours: int = 6, **kw: Any) -> str:
    item = codes_repo.issue(
        event_id=kw.get("event_id", "ev-1"),
        day=kw.get("day", "2024-05-20"),
        specialty=specialty,
        hours=hours,
        title=kw.get("title", "Конференция «Кардиология 2024», день 1"),
        issued_to=issued_to,
        expires_on=kw.get("expires_on", "2099-12-31"),
    )
    return item.code


def _redeem(client: Any, headers: dict[str, Any], code: str) -> Any:
    return client.http.post(
        "/api/me/credits/codes", headers=headers, body=json.dumps({"code": code})
    )


@pytest.fixture
def doctor(client: Any) -> Specialist:
    return make_person("1000000001", specialties=[("76", ADMITTED)])


def test_cycles_show_the_five_year_cycle_with_nothing_earned_yet(
    client: Any, doctor: Specialist
) -> None:
    r = client.http.get("/api/me/cycles", headers=login_headers(doctor))
    assert r.status_code == 200
    (cycle,) = json.loads(r.body)["items"]
    assert cycle["specialty"] == "76" and cycle["starts"] == ADMITTED
    assert cycle["ends"] == "2028-03-15" and cycle["expires"] == "2028-03-15"
    assert cycle["earned"]["total"] == 0
    assert cycle["missing"]["total"] == cycle["required"]["total"]
    assert cycle["portfolio_window_opens"] == "2027-03-15"
    assert len(cycle["by_year"]) == 5


def test_redeemed_code_adds_its_hours_to_the_cycle_and_ledger(
    client: Any, doctor: Specialist
) -> None:
    headers = login_headers(doctor)
    code = _code(issued_to=doctor.oid)
    r = _redeem(client, headers, format_code(code).lower())
    assert r.status_code == 201, r.body
    credit = json.loads(r.body)["credit"]
    assert credit["hours"] == 6 and credit["source"] == "code" and credit["kind"] == "event"
    cycle = json.loads(client.http.get("/api/me/cycles", headers=headers).body)["items"][0]
    assert cycle["earned"]["total"] == 6
    assert cycle["by_year"][1]["earned"] == 6  # 20.05.2024 is in the second cycle year
    listing = json.loads(client.http.get("/api/me/credits", headers=headers).body)
    assert [c["document"] for c in listing["items"]] == [format_code(code)]


def test_code_redeemed_twice_gives_one_credit_and_a_409(client: Any, doctor: Specialist) -> None:
    headers = login_headers(doctor)
    code = _code()
    assert _redeem(client, headers, code).status_code == 201
    again = _redeem(client, headers, code)
    assert again.status_code == 409
    assert "уже зачтён вам" in json.loads(again.body)["error"]["message"]
    other = make_person("1000000002", specialties=[("76", ADMITTED)])
    assert _redeem(client, login_headers(other), code).status_code == 409
    cycle = json.loads(client.http.get("/api/me/cycles", headers=headers).body)["items"][0]
    assert cycle["earned"]["total"] == 6


def test_code_issued_to_someone_else_looks_unknown(client: Any, doctor: Specialist) -> None:
    other = make_person("1000000002", specialties=[("76", ADMITTED)])
    code = _code(issued_to=other.oid)
    r = _redeem(client, login_headers(doctor), code)
    assert r.status_code == 404
    unknown = _redeem(client, login_headers(doctor), new_code())
    assert json.loads(r.body)["error"]["message"] == json.loads(unknown.body)["error"]["message"]
    assert _redeem(client, login_headers(other), code).status_code == 201


def test_expired_code_is_410_and_wrong_specialty_is_422(client: Any, doctor: Specialist) -> None:
    headers = login_headers(doctor)
    assert _redeem(client, headers, _code(expires_on="2020-01-01")).status_code == 410
    r = _redeem(client, headers, _code(specialty="49"))
    assert r.status_code == 422
    assert "нет среди ваших циклов" in json.loads(r.body)["error"]["message"]


def test_typo_in_a_code_gets_its_own_message(client: Any, doctor: Specialist) -> None:
    code = _code()
    typo = code[:5] + ("A" if code[5] != "A" else "B") + code[6:]
    r = _redeem(client, login_headers(doctor), typo)
    assert r.status_code == 400
    err = json.loads(r.body)["error"]
    assert err["code"] == "code_typo" and err["field"] == "code" and "опечатка" in err["message"]


def test_eleventh_wrong_code_in_an_hour_is_refused_with_retry_after(
    client: Any, doctor: Specialist
) -> None:
    headers = login_headers(doctor)
    for _ in range(10):
        assert _redeem(client, headers, new_code()).status_code == 404
    blocked = _redeem(client, headers, _code())
    assert blocked.status_code == 429
    assert 0 < int(blocked.headers["Retry-After"]) <= 3600
    # Another person is not affected.
    other = make_person("1000000002", specialties=[("76", ADMITTED)])
    assert _redeem(client, login_headers(other), _code()).status_code == 201


def test_code_redemption_needs_csrf_and_a_session(client: Any, doctor: Specialist) -> None:
    headers = login_headers(doctor)
    del headers["X-CSRF-Token"]
    assert _redeem(client, headers, _code()).status_code == 403
    assert _redeem(client, {"Content-Type": "application/json"}, _code()).status_code == 401


def test_export_csv_opens_in_russian_excel_and_defuses_formulas(
    client: Any, doctor: Specialist
) -> None:
    headers = login_headers(doctor)
    _redeem(client, headers, _code(title='=HYPERLINK("http://evil")'))
    r = client.http.get("/api/me/credits/export?format=csv", headers=headers)
    assert r.status_code == 200
    assert "attachment" in r.headers["Content-Disposition"]
    raw = r.body if isinstance(r.body, bytes) else r.body.encode("utf-8")
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Дата завершения"
    assert rows[1][2].startswith("'=HYPERLINK")


def test_export_xlsx_and_json_hold_the_whole_record(client: Any, doctor: Specialist) -> None:
    headers = login_headers(doctor)
    _redeem(client, headers, _code())
    r = client.http.get("/api/me/credits/export?format=xlsx", headers={**headers, "Accept": "*/*"})
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(r.body))
    sheet = book["Зачтённые элементы"]
    assert sheet.cell(row=2, column=4).value == 6
    # A real date cell shown ДД.ММ.ГГГГ, a frozen header with a filter, widths set.
    assert isinstance(sheet.cell(row=2, column=1).value, dt.datetime)
    assert sheet.cell(row=2, column=1).number_format == "DD.MM.YYYY"
    for name in book.sheetnames:
        assert book[name].freeze_panes == "A2" and book[name].auto_filter.ref
        assert book[name].column_dimensions["A"].width > 8
    data = json.loads(client.http.get("/api/me/credits/export?format=json", headers=headers).body)
    assert len(data["credits"]) == 1 and data["cycles"][0]["earned"]["total"] == 6
    bad = client.http.get("/api/me/credits/export?format=pdf", headers=headers)
    assert bad.status_code == 400 and json.loads(bad.body)["error"]["field"] == "format"


def test_history_lists_every_change_to_the_record(client: Any, doctor: Specialist) -> None:
    headers = login_headers(doctor)
    _redeem(client, headers, _code())
    client.http.put("/api/me/consent", headers=headers, body=json.dumps({"egisz": True}))
    items = json.loads(client.http.get("/api/me/history", headers=headers).body)["items"]
    assert [i["action"] for i in items] == ["consent_changed", "credit_code_redeemed"]
    assert items[1]["actor"] == "вы"
    assert items[1]["after"]["hours"] == 6


def test_consent_can_be_given_and_withdrawn(client: Any, doctor: Specialist) -> None:
    headers = login_headers(doctor)
    r = client.http.put("/api/me/consent", headers=headers, body=json.dumps({"egisz": True}))
    assert r.status_code == 200 and json.loads(r.body)["egisz"] is True
    assert Specialist.get(doctor.oid).consent_egisz is True
    client.http.put("/api/me/consent", headers=headers, body=json.dumps({"egisz": False}))
    assert Specialist.get(doctor.oid).consent_egisz is False
    bad = client.http.put("/api/me/consent", headers=headers, body=json.dumps({"egisz": "да"}))
    assert bad.status_code == 400 and json.loads(bad.body)["error"]["field"] == "egisz"


def test_changing_the_admission_date_moves_the_cycle_and_recounts_hours(
    client: Any, doctor: Specialist
) -> None:
    headers = login_headers(doctor)
    _redeem(client, headers, _code(day="2024-05-20"))
    body = {"specialties": [{"code": "76", "admitted_on": "2024-06-01"}]}
    r = client.http.put("/api/me/specialties", headers=headers, body=json.dumps(body))
    assert r.status_code == 200, r.body
    (cycle,) = json.loads(r.body)["cycles"]
    assert cycle["starts"] == "2024-06-01" and cycle["earned"]["total"] == 0
    body = {"specialties": [{"code": "76", "admitted_on": "2022-01-10"}]}
    client.http.put("/api/me/specialties", headers=headers, body=json.dumps(body))
    cycle = json.loads(client.http.get("/api/me/cycles", headers=headers).body)["items"][0]
    assert cycle["earned"]["total"] == 6 and cycle["by_year"][2]["earned"] == 6


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        ({"code": "9999", "admitted_on": "2023-01-01"}, "specialties[0].code"),
        ({"code": "76", "admitted_on": "01.01.2023"}, "specialties[0].admitted_on"),
        ({"code": "76", "admitted_on": "2999-01-01"}, "specialties[0].admitted_on"),
        ({"code": "76", "admitted_on": "2023-01-01", "rule_set": "x"}, "specialties[0].rule_set"),
        (
            {"code": "76", "admitted_on": "2023-01-01", "document_number": "\ud800"},
            "specialties[0].document_number",
        ),
    ],
)
def test_bad_specialty_entries_are_refused_naming_the_field(
    client: Any, doctor: Specialist, entry: dict[str, Any], field: str
) -> None:
    headers = login_headers(doctor)
    r = client.http.put(
        "/api/me/specialties", headers=headers, body=json.dumps({"specialties": [entry]})
    )
    assert r.status_code == 400
    assert json.loads(r.body)["error"]["field"] == field
    assert Specialist.get(doctor.oid).specialties[0].admitted_on == ADMITTED


def test_specialty_must_fit_the_education_level(client: Any) -> None:
    nurse = make_person("1000000003", education_level="secondary")
    headers = login_headers(nurse)
    r = client.http.put(
        "/api/me/specialties",
        headers=headers,
        body=json.dumps({"specialties": [{"code": "76", "admitted_on": "2023-01-01"}]}),
    )
    assert r.status_code == 400 and "уровню образования" in json.loads(r.body)["error"]["message"]


def test_credits_listing_pages_with_a_cursor_that_cannot_reach_another_person(
    client: Any, doctor: Specialist
) -> None:
    from chalicelib.db import credits_repo

    headers = login_headers(doctor)
    for day in range(1, 4):
        _redeem(client, headers, _code(day=f"2024-05-0{day}"))
    r = client.http.get("/api/me/credits", headers=headers)
    assert len(json.loads(r.body)["items"]) == 3
    forged = credits_repo.encode_cursor({"oid": {"S": "1000000002"}, "record_id": {"S": "x"}})
    bad = client.http.get(f"/api/me/credits?cursor={forged}", headers=headers)
    assert bad.status_code == 400 and json.loads(bad.body)["error"]["field"] == "cursor"
    garbage = client.http.get("/api/me/credits?cursor=%%%", headers=headers)
    assert garbage.status_code == 400


def test_cycles_cost_two_dynamodb_calls_whatever_the_record_count(
    client: Any, doctor: Specialist
) -> None:
    headers = login_headers(doctor)
    for day in range(1, 6):
        _redeem(client, headers, _code(day=f"2024-06-0{day}"))
    connection.call_counter.clear()
    r = client.http.get("/api/me/cycles", headers=headers)
    assert r.status_code == 200
    assert sum(connection.call_counter.values()) == 2
    connection.call_counter.clear()
    client.http.get("/api/me/credits", headers=headers)
    assert connection.call_counter["Query"] == 1


def test_code_is_marked_redeemed_by_the_person(client: Any, doctor: Specialist) -> None:
    code = _code()
    _redeem(client, login_headers(doctor), code)
    item = ConfirmationCode.get(code)
    assert item.redeemed_by == doctor.oid and item.record_id is not None


def test_real_codes_do_not_use_up_the_wrong_attempt_allowance(
    client: Any, doctor: Specialist
) -> None:
    headers = login_headers(doctor)
    for _ in range(9):
        assert _redeem(client, headers, new_code()).status_code == 404
    assert _redeem(client, headers, _code()).status_code == 201
    assert _redeem(client, headers, _code(expires_on="2020-01-01")).status_code == 410
    assert _redeem(client, headers, new_code()).status_code == 404  # the 10th wrong one
    assert _redeem(client, headers, new_code()).status_code == 429


def test_malformed_input_is_a_400_naming_the_code_field(client: Any, doctor: Specialist) -> None:
    headers = login_headers(doctor)
    for body in ({"code": 123}, {"code": "<script>"}, {}, {"code": "ABCD"}):
        r = client.http.post("/api/me/credits/codes", headers=headers, body=json.dumps(body))
        assert r.status_code == 400
        assert json.loads(r.body)["error"]["field"] == "code"
    r = client.http.post("/api/me/credits/codes", headers=headers, body=b"\xff\xfe")
    assert r.status_code == 400


def test_history_names_other_areas_changes_in_russian(client: Any, doctor: Specialist) -> None:
    from chalicelib.db import audit_repo

    audit_repo.append(f"person#{doctor.oid}", doctor.oid, "esia.profile_updated", after={})
    audit_repo.append(f"person#{doctor.oid}", "admin-cli", "role.grant.organizer", after={})
    items = json.loads(client.http.get("/api/me/history", headers=login_headers(doctor)).body)
    texts = [i["action_text"] for i in items["items"]]
    assert "Обновлены данные из Госуслуг" in texts
    assert "Выдана роль «организатор»" in texts
    assert all(i["actor"] in ("вы", "администратор портала") for i in items["items"])
