"""The cabinet under 709н through the API: one status and sentence per cycle, records allocated by
date across specialties and moved by the person, and the individual learning plan."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
from chalicelib.db import catalog_repo, codes_repo
from chalicelib.db.models import CatalogElement, CreditRecord, EventDay, Specialist
from chalicelib.domain.dates import today_msk
from chalicelib.services import credits
from openpyxl import load_workbook

from tests.people import login_headers, make_person

TODAY = today_msk()


def _years_ago(years: float) -> str:
    return (TODAY - dt.timedelta(days=round(365.25 * years))).isoformat()


def _days(n: int) -> str:
    return (TODAY + dt.timedelta(days=n)).isoformat()


def _element(
    element_id: str,
    kind: str,
    hours: int,
    *,
    specialties: tuple[str, ...] = ("76",),
    starts: str | None = None,
    ends: str | None = None,
    status: str = "published",
) -> CatalogElement:
    now = dt.datetime.now(dt.UTC)
    days = []
    if kind == "event" and starts:
        days = [
            EventDay(
                date=starts,
                starts_at=f"{starts}T10:00:00+03:00",
                ends_at=f"{starts}T16:00:00+03:00",
                hours=hours,
            )
        ]
    element = CatalogElement(
        element_id=element_id,
        kind=kind,
        status=status,
        sort_key=f"{starts or '9999-12-31'}#{element_id}",
        title=f"Элемент {element_id}",
        hours=hours,
        specialties=list(specialties),
        starts_on=starts,
        ends_on=ends or starts,
        days=days,
        format="in_person" if kind == "event" else "online",
        address="г. Ярославль, ул. Революционная, 5" if kind == "event" else None,
        organizer_id="org-1",
        created_key=f"{now.isoformat()}#{element_id}",
        organizer_name="ЯГМУ",
        created_at=now,
        updated_at=now,
    )
    catalog_repo.save_element(element)
    return element


def _credit(
    person: Specialist,
    token: str,
    kind: str,
    hours: float,
    completed_on: str,
    eligible: list[str],
    element_id: str | None = None,
) -> CreditRecord:
    record = CreditRecord(
        oid=person.oid,
        record_id=f"{completed_on}#{token}",
        kind=kind,
        title=f"Программа {token}",
        hours=hours,
        completed_on=completed_on,
        specialty=eligible[0],
        eligible_specialties=eligible,
        source="provider_import",
        document=f"УД-{token}",
        element_id=element_id,
        created_at=dt.datetime.now(dt.UTC),
    )
    assert credits.write_credit(person, record, actor="admin-cli", action="credit_imported") is None
    return record


def _get(client: Any, path: str, headers: dict[str, Any]) -> Any:
    r = client.http.get(path, headers=headers)
    assert r.status_code == 200, r.body
    return json.loads(r.body)


def _post(client: Any, path: str, body: Any, headers: dict[str, Any]) -> Any:
    return client.http.post(path, headers=headers, body=json.dumps(body))


@pytest.fixture
def therapist(client: Any) -> Specialist:
    # Accredited 4½ years ago: the portfolio window is open now.
    return make_person("1000000101", specialties=[("76", _years_ago(4.5))])


# --- one status and one sentence per cycle ----------------------------------------------------


def test_a_cycle_in_its_window_missing_only_dpp_pk_reads_as_one_sentence(
    client: Any, therapist: Specialist
) -> None:
    _credit(therapist, "a", "dpp_pk", 34, _years_ago(3), ["76"])
    for i in range(13):
        _credit(therapist, f"m{i}", "iom", 6, _years_ago(2 + i / 100), ["76"])
    (cycle,) = _get(client, "/api/me/cycles", login_headers(therapist))["items"]
    assert cycle["rule_set"] == "periodic-accreditation-2023"
    assert cycle["status"] == "window_open"
    assert cycle["earned"] == {"total": 106, "dpp_pk": 34, "other": 72, "other_over_limit": 6}
    assert cycle["missing"] == {"total": 38, "dpp_pk": 38, "any": 0}
    expires = dt.date.fromisoformat(cycle["expires"]).strftime("%d.%m.%Y")
    assert cycle["summary"] == (
        f"Окно подачи портфолио открыто до {expires}. Не хватает 38 ч ДПП ПК; остальное выполнено."
    )


def test_the_250_norm_is_a_pace_a_person_may_switch_on_never_the_requirement(
    client: Any, therapist: Specialist
) -> None:
    headers = login_headers(therapist)
    admitted = therapist.specialties[0].admitted_on
    r = client.http.put(
        "/api/me/specialties",
        headers=headers,
        body=json.dumps(
            {"specialties": [{"code": "76", "admitted_on": admitted, "pace": "nmo-250"}]}
        ),
    )
    assert r.status_code == 200, r.body
    (cycle,) = _get(client, "/api/me/cycles", headers)["items"]
    assert cycle["rule_set"] == "periodic-accreditation-2023"
    assert cycle["required"]["total"] == 144
    assert cycle["pace"]["yearly"] == 50 and cycle["pace"]["keeping"] is False
    refused = client.http.put(
        "/api/me/specialties",
        headers=headers,
        body=json.dumps(
            {"specialties": [{"code": "76", "admitted_on": admitted, "rule_set": "nmo-250"}]}
        ),
    )
    assert refused.status_code == 400
    assert json.loads(refused.body)["error"]["field"] == "specialties[0].rule_set"


# --- allocation across specialties, moving a record ---------------------------------------------


def test_a_record_for_two_specialties_counts_in_the_cycle_that_contains_its_date(
    client: Any,
) -> None:
    # Therapy's cycle ended long ago; cardiology's runs now. The element is accredited for both,
    # listing therapy first: it must still count, in cardiology.
    person = make_person("1000000102", specialties=[("76", "2015-01-10"), ("49", _years_ago(2))])
    _credit(person, "x", "dpp_pk", 36, _years_ago(1), ["76", "49"])
    headers = login_headers(person)
    cycles = {c["specialty"]: c for c in _get(client, "/api/me/cycles", headers)["items"]}
    assert cycles["49"]["earned"]["dpp_pk"] == 36
    (line,) = _get(client, "/api/me/credits", headers)["items"]
    assert line["specialty"] == "49" and line["counted"] is True
    assert line["not_counted_reason"] is None


def test_a_record_that_fits_no_cycle_is_shown_as_not_counted_with_the_reason(
    client: Any, therapist: Specialist
) -> None:
    _credit(therapist, "old", "iom", 4, "2015-05-05", ["76"])
    (line,) = _get(client, "/api/me/credits", login_headers(therapist))["items"]
    assert line["counted"] is False
    assert (
        "не засчитано" in line["not_counted_reason"] and "05.05.2015" in line["not_counted_reason"]
    )


def test_the_person_moves_a_record_to_another_eligible_cycle_and_both_totals_follow(
    client: Any,
) -> None:
    person = make_person("1000000103", specialties=[("76", _years_ago(3)), ("49", _years_ago(2))])
    record = _credit(person, "both", "dpp_pk", 36, _years_ago(1), ["76", "49"])
    headers = login_headers(person)
    (line,) = _get(client, "/api/me/credits", headers)["items"]
    other = "49" if line["specialty"] == "76" else "76"
    assert [m["specialty"] for m in line["movable_to"]] == [other]
    path = f"/api/me/credits/{record.record_id.replace('#', '%23')}/cycle"
    r = client.http.put(path, headers=headers, body=json.dumps({"specialty": other}))
    assert r.status_code == 200, r.body
    assert json.loads(r.body)["specialty"] == other
    cycles = {c["specialty"]: c for c in _get(client, "/api/me/cycles", headers)["items"]}
    assert cycles[other]["earned"]["dpp_pk"] == 36
    assert cycles[line["specialty"]]["earned"]["dpp_pk"] == 0
    history = _get(client, "/api/me/history", headers)["items"]
    assert history[0]["action"] == "credit_moved" and history[0]["actor"] == "вы"
    # A specialty the element was not accredited for is refused, and nothing changes.
    bad = client.http.put(path, headers=headers, body=json.dumps({"specialty": "1"}))
    assert bad.status_code == 409
    assert json.loads(bad.body)["error"]["field"] == "specialty"
    again = {c["specialty"]: c for c in _get(client, "/api/me/cycles", headers)["items"]}
    assert again[other]["earned"]["dpp_pk"] == 36


def test_moving_someone_elses_record_is_not_found(client: Any, therapist: Specialist) -> None:
    record = _credit(therapist, "mine", "iom", 2, _years_ago(1), ["76"])
    intruder = make_person("1000000104", specialties=[("76", _years_ago(1))])
    path = f"/api/me/credits/{record.record_id.replace('#', '%23')}/cycle"
    r = client.http.put(path, headers=login_headers(intruder), body=json.dumps({"specialty": "76"}))
    assert r.status_code == 404


# --- the learning plan ---------------------------------------------------------------------------


def test_planning_elements_changes_the_projection_and_warns_about_what_would_not_count(
    client: Any, therapist: Specialist
) -> None:
    headers = login_headers(therapist)
    _element("pk-heart", "dpp_pk", 36, starts=_days(10), ends=_days(40))
    _element("iom-ecg", "iom", 4)
    _element("ev-a", "event", 6, starts=_days(20))
    _element("ev-b", "event", 6, starts=_days(20))
    _element("ev-surgery", "event", 6, specialties=("80",), starts=_days(25))
    _element("ev-past", "event", 6, starts=_days(-5))
    before = _get(client, "/api/me/plan", headers)["cycles"][0]
    assert before["items"] == [] and before["uncovered"]["total"] == 144

    r = _post(client, "/api/me/plan", {"element_id": "pk-heart", "specialty": "76"}, headers)
    assert r.status_code == 201, r.body
    cycle = json.loads(r.body)["cycles"][0]
    assert cycle["planned"]["dpp_pk"] == 36
    assert cycle["projected"]["dpp_pk"] == 36
    assert cycle["uncovered"] == {"total": 108, "dpp_pk": 36, "any": 72}
    again = _post(client, "/api/me/plan", {"element_id": "pk-heart", "specialty": "76"}, headers)
    assert again.status_code == 200 and len(json.loads(again.body)["cycles"][0]["items"]) == 1

    for element_id in ("iom-ecg", "ev-a", "ev-b", "ev-surgery", "ev-past"):
        r = _post(client, "/api/me/plan", {"element_id": element_id, "specialty": "76"}, headers)
        assert r.status_code == 201, r.body
    cycle = _get(client, "/api/me/plan", headers)["cycles"][0]
    warnings = {i["element_id"]: {w["code"] for w in i["warnings"]} for i in cycle["items"]}
    assert warnings["ev-a"] == {"same_day"} and warnings["ev-b"] == {"same_day"}
    assert warnings["ev-surgery"] == {"not_accredited"}
    assert warnings["ev-past"] == {"past"}
    assert warnings["pk-heart"] == set() and warnings["iom-ecg"] == set()
    # Only what can still count in this cycle is projected: 4 + 6 + 6, not the other two events.
    assert cycle["planned"] == {"dpp_pk": 36, "other": 16}
    assert cycle["summary"].startswith("С планом к ")

    r = client.http.delete("/api/me/plan/ev-b", headers=headers)
    assert r.status_code == 200
    cycle = json.loads(r.body)["cycles"][0]
    assert "ev-b" not in {i["element_id"] for i in cycle["items"]}
    assert cycle["planned"]["other"] == 10
    assert client.http.delete("/api/me/plan/ev-b", headers=headers).status_code == 404


def test_an_element_ending_after_the_cycle_or_too_close_to_the_deadline_is_flagged(
    client: Any,
) -> None:
    # The document expires in 20 days.
    admitted = (dt.date.fromisoformat(_days(20)).replace(year=TODAY.year + 20 - 25)).isoformat()
    person = make_person("1000000105", specialties=[("76", admitted)])
    headers = login_headers(person)
    _element("pk-late", "dpp_pk", 36, starts=_days(-3), ends=_days(60))
    _element("pk-close", "dpp_pk", 18, starts=_days(-3), ends=_days(10))
    for element_id in ("pk-late", "pk-close"):
        assert (
            _post(
                client, "/api/me/plan", {"element_id": element_id, "specialty": "76"}, headers
            ).status_code
            == 201
        )
    cycle = _get(client, "/api/me/plan", headers)["cycles"][0]
    warnings = {i["element_id"]: {w["code"] for w in i["warnings"]} for i in cycle["items"]}
    assert warnings["pk-late"] == {"after_cycle"}
    assert warnings["pk-close"] == {"after_portfolio_deadline"}
    assert cycle["planned"]["dpp_pk"] == 18


def test_plan_refuses_what_it_cannot_hold_with_a_russian_message_naming_the_field(
    client: Any, therapist: Specialist
) -> None:
    headers = login_headers(therapist)
    _element("pk-draft", "dpp_pk", 36, status="draft")
    cases = [
        ({"element_id": "нет-такого", "specialty": "76"}, 404, "element_id"),
        ({"element_id": "pk-draft", "specialty": "76"}, 404, "element_id"),
        ({"element_id": "pk-draft", "specialty": "49"}, 400, "specialty"),
        ({"element_id": "", "specialty": "76"}, 400, "element_id"),
        ({"element_id": {"$ne": 1}, "specialty": "76"}, 400, "element_id"),
        ({"element_id": "pk-draft"}, 400, "specialty"),
    ]
    for body, status, field in cases:
        r = _post(client, "/api/me/plan", body, headers)
        assert r.status_code == status, (body, r.body)
        error = json.loads(r.body)["error"]
        assert error["field"] == field and any("а" <= ch <= "я" for ch in error["message"])
    assert _get(client, "/api/me/plan", headers)["count"] == 0


def test_a_planned_event_is_ticked_off_when_its_code_is_redeemed(
    client: Any, therapist: Specialist
) -> None:
    headers = login_headers(therapist)
    _element("ev-done", "event", 6, starts=_days(3))
    assert (
        _post(
            client, "/api/me/plan", {"element_id": "ev-done", "specialty": "76"}, headers
        ).status_code
        == 201
    )
    code = codes_repo.issue(
        event_id="ev-done",
        day=_days(-1),
        specialty="76",
        hours=6,
        title="Элемент ev-done",
        issued_to=therapist.oid,
        expires_on=_days(90),
    ).code
    r = _post(client, "/api/me/credits/codes", {"code": code}, headers)
    assert r.status_code == 201, r.body
    (item,) = _get(client, "/api/me/plan", headers)["cycles"][0]["items"]
    assert item["done"] is True and item["warnings"] == []
    cycle = _get(client, "/api/me/plan", headers)["cycles"][0]
    assert cycle["earned"]["other"] == 6 and cycle["planned"]["other"] == 0


def test_suggestions_leave_out_what_is_planned_and_put_the_missing_kind_first(
    client: Any, therapist: Specialist
) -> None:
    headers = login_headers(therapist)
    _element("pk-soon", "dpp_pk", 36, starts=_days(5), ends=_days(20))
    _element("pk-later", "dpp_pk", 72, starts=_days(30), ends=_days(60))
    _element("iom-x", "iom", 4)
    _element("ev-x", "event", 6, starts=_days(2))
    body = _get(client, "/api/me/plan/suggestions?specialty=76", headers)
    ids = [i["id"] for i in body["items"]]
    assert ids[:2] == ["pk-soon", "pk-later"]  # ДПП ПК missing: programmes first, soonest first
    assert set(ids) == {"pk-soon", "pk-later", "iom-x", "ev-x"}
    _post(client, "/api/me/plan", {"element_id": "pk-soon", "specialty": "76"}, headers)
    ids = [i["id"] for i in _get(client, "/api/me/plan/suggestions?specialty=76", headers)["items"]]
    assert "pk-soon" not in ids
    bad = client.http.get("/api/me/plan/suggestions?specialty=49", headers=headers)
    assert bad.status_code == 400


def test_the_plan_exports_as_a_spreadsheet_and_its_events_as_one_calendar(
    client: Any, therapist: Specialist
) -> None:
    headers = login_headers(therapist)
    _element("pk-heart", "dpp_pk", 36, starts=_days(10), ends=_days(40))
    _element("ev-one", "event", 6, starts=_days(20))
    _element("ev-two", "event", 6, starts=_days(21))
    for element_id in ("pk-heart", "ev-one", "ev-two"):
        _post(client, "/api/me/plan", {"element_id": element_id, "specialty": "76"}, headers)
    r = client.http.get("/api/me/plan/export?format=xlsx", headers={**headers, "Accept": "*/*"})
    assert r.status_code == 200, r.body
    book = load_workbook(io.BytesIO(r.body))
    sheet = book["План"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref
    assert [c.value for c in sheet[1]][:3] == ["Специальность", "Вид", "Название"]
    starts = [row[4] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert all(isinstance(v, dt.datetime) for v in starts)
    assert sheet.cell(row=2, column=5).number_format == "DD.MM.YYYY"
    assert book["Прогноз"].cell(row=2, column=9).value.startswith("С планом")
    ics = client.http.get("/api/me/plan/export?format=ics", headers=headers)
    assert ics.status_code == 200
    text = ics.body.decode() if isinstance(ics.body, bytes) else ics.body
    assert text.count("BEGIN:VEVENT") == 2 and "pk-heart" not in text
    assert client.http.get("/api/me/plan/export?format=pdf", headers=headers).status_code == 400


def test_plan_and_cycles_cost_two_storage_calls_whatever_the_record_count(
    client: Any, therapist: Specialist
) -> None:
    from chalicelib.db.connection import call_counter

    headers = login_headers(therapist)
    _element("pk-heart", "dpp_pk", 36, starts=_days(10), ends=_days(40))
    _post(client, "/api/me/plan", {"element_id": "pk-heart", "specialty": "76"}, headers)
    for n in (1, 30):
        for i in range(n):
            _credit(therapist, f"r{n}-{i}", "iom", 1, _years_ago(1 + i / 400), ["76"])
        for path in ("/api/me/plan", "/api/me/cycles"):
            call_counter.clear()
            _get(client, path, headers)
            assert sum(call_counter.values()) <= 2, (path, dict(call_counter))
