"""After the event the organizer records minutes per day; everyone over the threshold gets a code
in the cabinet, once, which they redeem through the credits endpoint."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from tests.events_support import moderator, organizer, post, published_event, specialist


@pytest.fixture
def finished_event(client, monkeypatch):
    """A two-day event (6 h and 5 h) with three confirmed people and one in line, after it ended."""
    from chalicelib.services import attendance

    org = organizer()
    event_id = published_event(client, org, moderator(), capacity=3)
    people = {
        "ann": specialist("ann", name=("Антонова", "Анна", "Ивановна")),
        "bob": specialist("bob", name=("Борисов", "Борис", "Борисович")),
        "cat": specialist("cat", name=("=HYPERLINK(1)", "Катя", "")),
        "dan": specialist("dan", name=("Данилов", "Даниил", "")),
    }
    ids = {}
    for key, headers in people.items():
        ids[key] = post(client, f"/api/events/{event_id}/registrations", {}, headers).json_body[
            "id"
        ]
    after = dt.datetime.now(dt.UTC) + dt.timedelta(days=40)
    monkeypatch.setattr(attendance, "utcnow", lambda: after)
    days = client.http.get(f"/api/events/{event_id}").json_body["days"]
    return {"org": org, "event_id": event_id, "people": people, "ids": ids, "days": days}


def _attend(client, ev, records):
    return post(
        client,
        f"/api/organizer/events/{ev['event_id']}/attendance",
        {"records": records},
        ev["org"],
    )


def test_codes_go_only_to_those_over_the_threshold_scaled_by_day_hours(client, finished_event):
    ev = finished_event
    day1, day2 = ev["days"][0]["date"], ev["days"][1]["date"]  # 6 h, then 5 h
    resp = _attend(
        client,
        ev,
        [
            {"registration_id": ev["ids"]["ann"], "day": day1, "minutes": 270},
            {"registration_id": ev["ids"]["bob"], "day": day1, "minutes": 269},
            {"registration_id": ev["ids"]["ann"], "day": day2, "minutes": 225},  # 270 × 5/6
            {"registration_id": ev["ids"]["bob"], "day": day2, "minutes": 224},
        ],
    )
    assert resp.status_code == 200, resp.json_body
    assert resp.json_body["issued"] == 2
    assert [i["required_minutes"] for i in resp.json_body["items"]] == [270, 270, 225, 225]
    ann = client.http.get("/api/me/registrations", headers=ev["people"]["ann"]).json_body["items"]
    bob = client.http.get("/api/me/registrations", headers=ev["people"]["bob"]).json_body["items"]
    assert [c["day"] for c in ann[0]["codes"]] == [day1, day2]
    # The validity is rule data (event_rules.json code_valid_days) and shown beside each code.
    from chalicelib.domain.events import rules

    valid = dt.timedelta(days=rules()["code_valid_days"])
    assert [c["expires_on"] for c in ann[0]["codes"]] == [
        (dt.date.fromisoformat(d) + valid).isoformat() for d in (day1, day2)
    ]
    assert bob[0]["codes"] == []


def test_reposting_attendance_issues_no_second_code(client, finished_event):
    from chalicelib.db.models import ConfirmationCode

    ev = finished_event
    day1 = ev["days"][0]["date"]
    record = {"registration_id": ev["ids"]["ann"], "day": day1, "minutes": 300}
    assert _attend(client, ev, [record]).json_body["issued"] == 1
    again = _attend(client, ev, [{**record, "minutes": 310}])
    assert again.json_body["issued"] == 0
    assert again.json_body["items"][0]["code_issued"] is True
    codes = list(ConfirmationCode.by_holder.query("ann"))
    assert len(codes) == 1
    assert (codes[0].day, codes[0].specialty, float(codes[0].hours)) == (day1, "76", 6.0)


def test_issued_code_is_redeemed_through_the_cabinet(client, finished_event, monkeypatch):
    ev = finished_event
    day1 = ev["days"][0]["date"]
    _attend(client, ev, [{"registration_id": ev["ids"]["ann"], "day": day1, "minutes": 300}])
    ann = ev["people"]["ann"]
    code = client.http.get("/api/me/registrations", headers=ann).json_body["items"][0]["codes"][0]
    resp = post(client, "/api/me/credits/codes", {"code": code["code"]}, ann)
    assert resp.status_code == 201, resp.json_body
    again = post(client, "/api/me/credits/codes", {"code": code["code"]}, ann)
    assert again.status_code == 409
    stolen = post(client, "/api/me/credits/codes", {"code": code["code"]}, ev["people"]["bob"])
    assert stolen.status_code in (404, 409)


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({"registration_id": "r-unknown", "minutes": 300}, "records[0].registration_id"),
        ({"registration_id": "DAN", "minutes": 300}, "records[0].registration_id"),
        ({"registration_id": "ANN", "minutes": -1}, "records[0].minutes"),
        ({"registration_id": "ANN", "minutes": 361}, "records[0].minutes"),
        ({"registration_id": "ANN", "minutes": "300"}, "records[0].minutes"),
        ({"registration_id": "ANN", "minutes": 300, "day": "2001-01-01"}, "records[0].day"),
    ],
)
def test_bad_attendance_rows_are_named_and_nothing_is_issued(client, finished_event, record, field):
    from chalicelib.db.models import ConfirmationCode

    ev = finished_event
    ids = {"ANN": ev["ids"]["ann"], "DAN": ev["ids"]["dan"]}  # dan is on the waiting list
    row = {"day": ev["days"][0]["date"], **record}
    row["registration_id"] = ids.get(row["registration_id"], row["registration_id"])
    good = {"registration_id": ev["ids"]["bob"], "day": ev["days"][0]["date"], "minutes": 300}
    resp = _attend(client, ev, [row, good])
    assert resp.status_code == 400
    assert resp.json_body["error"]["field"] == field
    assert list(ConfirmationCode.by_holder.query("bob")) == []


def test_attendance_cannot_be_recorded_before_the_day_ends(client, finished_event, monkeypatch):
    from chalicelib.services import attendance

    ev = finished_event
    monkeypatch.setattr(attendance, "utcnow", lambda: dt.datetime.now(dt.UTC))
    resp = _attend(
        client,
        ev,
        [{"registration_id": ev["ids"]["ann"], "day": ev["days"][0]["date"], "minutes": 300}],
    )
    assert resp.status_code == 400
    assert resp.json_body["error"]["field"] == "records[0].day"


def test_participant_list_has_names_but_no_snils_in_every_format(client, finished_event):
    from chalicelib.db.models import Specialist
    from openpyxl import load_workbook

    ev = finished_event
    base = f"/api/organizer/events/{ev['event_id']}/registrations"
    snils = Specialist.get("ann").snils
    listed = client.http.get(base, headers=ev["org"]).json_body["items"]
    assert [p["full_name"].split()[0] for p in listed] == [
        "Антонова",
        "Борисов",
        "=HYPERLINK(1)",
        "Данилов",
    ]
    assert [(p["status"], p["position"]) for p in listed][-1] == ("waitlisted", 1)
    text = client.http.get(base + "?format=csv", headers=ev["org"]).body.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[1][2] == "Антонова Анна Ивановна"
    assert rows[3][2].startswith("'=")  # not a formula in Excel
    xlsx = client.http.get(base + "?format=xlsx", headers={**ev["org"], "Accept": "*/*"}).body
    sheet = load_workbook(io.BytesIO(xlsx)).active
    assert sheet.cell(row=2, column=3).value == "Антонова Анна Ивановна"
    assert sheet.cell(row=4, column=3).value.startswith("=HYPERLINK")  # stored as text…
    assert sheet.cell(row=4, column=3).data_type == "s"  # …never as a formula
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref
    for blob in (str(listed), text, str(list(sheet.values))):
        assert snils not in blob
        assert snils[:3] + "-" not in blob
    bad = client.http.get(base + "?format=pdf", headers=ev["org"])
    assert (bad.status_code, bad.json_body["error"]["field"]) == (400, "format")
