"""The events view counts codes on write: issued at attendance, redeemed in the cabinet; seats and
the waiting list come from the event items themselves. Only the analyst sees it."""

from __future__ import annotations

from typing import Any

from tests.events_support import post
from tests.functional.test_attendance import _attend, finished_event  # noqa: F401  (fixture)
from tests.people import login_headers, make_person


def test_events_view_counts_registrations_waiting_list_and_codes(
    client: Any,
    finished_event: Any,  # noqa: F811
) -> None:
    ev = finished_event
    day1 = ev["days"][0]["date"]
    _attend(
        client,
        ev,
        [
            {"registration_id": ev["ids"]["ann"], "day": day1, "minutes": 300},
            {"registration_id": ev["ids"]["bob"], "day": day1, "minutes": 300},
        ],
    )
    ann = ev["people"]["ann"]
    code = client.http.get("/api/me/registrations", headers=ann).json_body["items"][0]["codes"][0]
    assert post(client, "/api/me/credits/codes", {"code": code["code"]}, ann).status_code == 201

    analyst = login_headers(make_person("5000000099", roles=["specialist", "analyst"]))
    view = client.http.get("/api/stats/events", headers=analyst).json_body
    (organizer,) = view["organizers"]
    assert organizer["events"] == 1
    assert organizer["codes_issued"] == 2 and organizer["codes_redeemed"] == 1
    assert organizer["waiting"] >= 1  # dan is on the waiting list
    assert organizer["registrations"] >= 2
    assert 0 < organizer["attendance_rate"] <= 1
    assert {s["id"] for s in view["specialties"]} >= {"76"}
    export = client.http.get("/api/stats/export?view=events", headers={**analyst, "Accept": "*/*"})
    assert export.status_code == 200 and export.body[:2] == b"PK"
    assert client.http.get("/api/stats/events", headers=ann).status_code == 403
