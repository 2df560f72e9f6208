"""Events finish after their last day: a scheduled step moves them to `finished`; a finished (or
simply ended) event cannot be cancelled, and its public page says it is over."""

from __future__ import annotations

import datetime as dt

from chalicelib.services import organizer_events as events_service
from chalicelib.services.lifecycle import finish_ended_events

from tests.events_support import moderator, organizer, post, published_event, specialist

LATER = dt.datetime.now(dt.UTC) + dt.timedelta(days=60)  # after every test event's last day


def test_an_event_is_finished_after_its_last_day_and_only_once(client):
    org = organizer()
    event_id = published_event(client, org, moderator())
    reader = specialist("s-1")
    post(client, f"/api/events/{event_id}/registrations", {}, reader)
    assert finish_ended_events() == 0  # still ahead today
    assert client.http.get(f"/api/events/{event_id}").json_body["phase"] == "upcoming"
    assert finish_ended_events(LATER) == 1
    assert finish_ended_events(LATER) == 0
    public = client.http.get(f"/api/events/{event_id}").json_body
    assert public["status"] == "finished" and public["phase"] == "finished"
    assert public["registration_open"] is False
    own = client.http.get(f"/api/organizer/events/{event_id}", headers=org).json_body
    assert own["status"] == "finished"
    # The attendee's registration stays (attendance and codes come after the event).
    mine = client.http.get("/api/me/registrations", headers=reader).json_body["items"]
    assert mine[0]["status"] == "confirmed" and mine[0]["can_cancel"] is False


def test_a_finished_event_cannot_be_cancelled(client):
    org = organizer()
    event_id = published_event(client, org, moderator())
    finish_ended_events(LATER)
    r = post(client, f"/api/organizer/events/{event_id}/cancel", {"reason": "Лектор заболел"}, org)
    assert r.status_code == 409
    assert r.json_body["error"]["code"] == "event_finished"
    assert "завершилось" in r.json_body["error"]["message"]


def test_an_ended_event_cannot_be_cancelled_even_before_the_schedule_finishes_it(
    client, monkeypatch
):
    org = organizer()
    event_id = published_event(client, org, moderator())
    monkeypatch.setattr(events_service, "utcnow", lambda: LATER)
    r = post(client, f"/api/organizer/events/{event_id}/cancel", {"reason": "Поздно"}, org)
    assert r.status_code == 409 and r.json_body["error"]["code"] == "event_finished"
    assert client.http.get(f"/api/events/{event_id}").json_body["status"] == "published"


def test_the_organizer_view_says_which_days_take_attendance(client, monkeypatch):
    org = organizer()
    event_id = published_event(client, org, moderator())
    view = client.http.get(f"/api/organizer/events/{event_id}", headers=org).json_body
    assert view["attendance_days"] == []
    monkeypatch.setattr(events_service, "utcnow", lambda: LATER)
    later = client.http.get(f"/api/organizer/events/{event_id}", headers=org).json_body
    assert later["attendance_days"] == [d["date"] for d in later["days"]]


def test_the_api_calendar_drops_organizer_markup(client):
    title = "Школа <script>alert(1)</script><img src=x onerror=alert(2)> «ЭКГ»; день, ночь"
    event_id = published_event(client, organizer(), moderator(), title=title)
    body = client.http.get(f"/api/events/{event_id}/calendar.ics").body
    text = body.decode() if isinstance(body, bytes) else body
    unfolded = text.replace("\r\n ", "")
    assert "<" not in unfolded and ">" not in unfolded and "onerror" not in unfolded
    assert "SUMMARY:Школа alert(1) «ЭКГ»\\; день\\, ночь (день 1)" in unfolded


def test_a_transaction_conflict_on_the_catalog_version_is_retried_not_a_500(client, monkeypatch):
    from chalicelib.db import catalog_repo
    from pynamodb.exceptions import CancellationReason, TransactWriteError

    class Conflicted(TransactWriteError):
        @property
        def cancellation_reasons(self):
            return [None, CancellationReason(code="TransactionConflict")]

    real = catalog_repo.save_element
    calls = []

    def first_conflicts(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise Conflicted("another catalog change at the same moment")
        return real(*args, **kwargs)

    org = organizer()
    event_id = published_event(client, org, moderator())
    monkeypatch.setattr(catalog_repo, "save_element", first_conflicts)
    r = post(client, f"/api/organizer/events/{event_id}/cancel", {"reason": "Зал закрыт"}, org)
    assert r.status_code == 200, r.json_body
    assert len(calls) == 2
    assert client.http.get(f"/api/events/{event_id}").json_body["status"] == "cancelled"
