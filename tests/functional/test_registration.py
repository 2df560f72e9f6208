"""Specialists register for published events: a seat or a numbered place in line, the same
registration on a repeat, promotion when a seat frees, the cabinet list."""

from __future__ import annotations

import json

from tests.events_support import (
    day_at,
    event_body,
    moderator,
    organizer,
    post,
    published_event,
    specialist,
)


def _register(client, event_id, headers, body=None):
    return post(client, f"/api/events/{event_id}/registrations", body or {}, headers)


def _cancel(client, event_id, headers):
    return client.http.delete(f"/api/events/{event_id}/registrations/me", headers=headers)


def _mine(client, headers):
    return client.http.get("/api/me/registrations", headers=headers).json_body["items"]


def test_first_registrant_gets_a_confirmed_seat(client):
    event_id = published_event(client, organizer(), moderator())
    resp = _register(client, event_id, specialist("s-1"))
    assert resp.status_code == 201
    assert resp.json_body["status"] == "confirmed"
    assert resp.json_body["position"] is None
    public = client.http.get(f"/api/events/{event_id}").json_body
    assert public["seats_left"] == 19


def test_full_event_puts_the_next_person_on_the_waiting_list(client):
    event_id = published_event(client, organizer(), moderator(), capacity=2)
    for i in range(2):
        assert _register(client, event_id, specialist(f"s-{i}")).json_body["status"] == "confirmed"
    third = _register(client, event_id, specialist("s-2"))
    fourth = _register(client, event_id, specialist("s-3"))
    assert third.status_code == fourth.status_code == 201
    assert (third.json_body["status"], third.json_body["position"]) == ("waitlisted", 1)
    assert (fourth.json_body["status"], fourth.json_body["position"]) == ("waitlisted", 2)
    public = client.http.get(f"/api/events/{event_id}").json_body
    assert (public["seats_left"], public["waitlist_length"]) == (0, 2)


def test_repeating_a_registration_returns_the_same_one_with_200(client):
    event_id = published_event(client, organizer(), moderator(), capacity=1)
    me = specialist("s-1")
    first = _register(client, event_id, me)
    again = _register(client, event_id, me)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json_body["id"] == first.json_body["id"]
    assert len(_mine(client, me)) == 1
    waiting = specialist("s-2")
    w1 = _register(client, event_id, waiting)
    w2 = _register(client, event_id, waiting)
    assert (w2.status_code, w2.json_body["id"], w2.json_body["position"]) == (
        200,
        w1.json_body["id"],
        1,
    )
    assert client.http.get(f"/api/events/{event_id}").json_body["waitlist_length"] == 1


def test_specialty_the_event_is_not_accredited_for_is_refused_with_403(client):
    event_id = published_event(client, organizer(), moderator(), specialties=["76"])
    resp = _register(client, event_id, specialist("nurse", specialty="1"))
    assert resp.status_code == 403
    assert resp.json_body["error"]["code"] == "specialty_not_accredited"
    assert "специальност" in resp.json_body["error"]["message"]
    assert client.http.get(f"/api/events/{event_id}").json_body["seats_left"] == 20


def test_registration_needs_a_login_and_the_csrf_token(client):
    event_id = published_event(client, organizer(), moderator())
    assert client.http.post(f"/api/events/{event_id}/registrations", body="{}").status_code == 401
    headers = dict(specialist("s-1"))
    headers["X-CSRF-Token"] = "forged"
    assert _register(client, event_id, headers).status_code == 403


def test_unpublished_or_unknown_event_cannot_be_registered_for(client):
    org = organizer()
    draft = post(client, "/api/organizer/events", event_body(), org).json_body["id"]
    me = specialist("s-1")
    assert _register(client, draft, me).status_code == 404
    assert _register(client, "ev-nope", me).status_code == 404


def test_registration_closes_when_the_event_starts(client, monkeypatch):
    import datetime as dt

    from chalicelib.services import registration

    event_id = published_event(client, organizer(), moderator(), days=[day_at(3)])
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=4)
    monkeypatch.setattr(registration, "utcnow", lambda: later)
    resp = _register(client, event_id, specialist("s-1"))
    assert resp.status_code == 409
    assert resp.json_body["error"]["code"] == "registration_closed"


def test_cancelling_a_seat_promotes_the_first_in_line(client):
    event_id = published_event(client, organizer(), moderator(), capacity=1)
    holder, first, second = specialist("s-1"), specialist("s-2"), specialist("s-3")
    for h in (holder, first, second):
        _register(client, event_id, h)
    resp = _cancel(client, event_id, holder)
    assert resp.status_code == 200
    assert resp.json_body["status"] == "cancelled"
    assert _mine(client, first)[0]["status"] == "confirmed"
    assert (_mine(client, second)[0]["status"], _mine(client, second)[0]["position"]) == (
        "waitlisted",
        1,
    )
    public = client.http.get(f"/api/events/{event_id}").json_body
    assert (public["seats_left"], public["waitlist_length"]) == (0, 1)


def test_leaving_the_waiting_list_moves_everyone_behind_up(client):
    event_id = published_event(client, organizer(), moderator(), capacity=1)
    people = [specialist(f"s-{i}") for i in range(4)]
    for h in people:
        _register(client, event_id, h)
    assert _cancel(client, event_id, people[1]).status_code == 200
    positions = [_mine(client, h)[0]["position"] for h in people[2:]]
    assert positions == [1, 2]
    assert _mine(client, people[0])[0]["status"] == "confirmed"


def test_cancelling_without_a_waiting_list_frees_the_seat(client):
    event_id = published_event(client, organizer(), moderator(), capacity=1)
    me = specialist("s-1")
    _register(client, event_id, me)
    _cancel(client, event_id, me)
    assert client.http.get(f"/api/events/{event_id}").json_body["seats_left"] == 1
    assert _cancel(client, event_id, me).status_code == 404
    again = _register(client, event_id, me)
    assert (again.status_code, again.json_body["status"]) == (201, "confirmed")


def test_newcomer_does_not_jump_the_line_when_a_seat_is_free_and_someone_waits(client):
    from chalicelib.db.models import EventSeats

    event_id = published_event(client, organizer(), moderator(), capacity=1)
    holder, waiting = specialist("s-1"), specialist("s-2")
    _register(client, event_id, holder)
    _register(client, event_id, waiting)
    # A seat freed by a process that died before promoting (the counter says free, one waits).
    EventSeats(element_id=event_id).update(actions=[EventSeats.seats_taken.add(-1)])
    newcomer = _register(client, event_id, specialist("s-3"))
    assert (newcomer.json_body["status"], newcomer.json_body["position"]) == ("waitlisted", 1)
    assert _mine(client, waiting)[0]["status"] == "confirmed"


def test_cabinet_lists_own_registrations_only_with_title_and_status(client):
    org, mod = organizer(), moderator()
    first = published_event(client, org, mod, title="Первое")
    second = published_event(client, org, mod, title="Второе")
    me, other = specialist("s-1"), specialist("s-2")
    _register(client, first, me)
    _register(client, second, me)
    _register(client, second, other)
    items = _mine(client, me)
    assert sorted(i["title"] for i in items) == ["Второе", "Первое"]
    assert {i["status"] for i in items} == {"confirmed"}
    assert len(_mine(client, other)) == 1
    body = json.dumps(items)
    assert "s-2" not in body


def test_cancelled_event_shows_event_cancelled_in_every_cabinet(client):
    org, mod = organizer(), moderator()
    event_id = published_event(client, org, mod, capacity=1)
    seated, waiting = specialist("s-1"), specialist("s-2")
    _register(client, event_id, seated)
    _register(client, event_id, waiting)
    resp = post(
        client, f"/api/organizer/events/{event_id}/cancel", {"reason": "Лектор заболел"}, org
    )
    assert resp.status_code == 200
    assert _mine(client, seated)[0]["status"] == "event_cancelled"
    assert _mine(client, waiting)[0]["status"] == "event_cancelled"
    assert _mine(client, waiting)[0]["position"] is None
    assert client.http.get("/api/catalog/elements?specialty=76").json_body["items"] == []
    resp = _register(client, event_id, specialist("s-3"))
    assert resp.status_code == 409
    from chalicelib.db.models import Registration

    stored = {r.oid: r.status for r in Registration.query(event_id)}
    assert stored == {"s-1": "event_cancelled", "s-2": "event_cancelled"}


def test_calendar_file_lists_each_day_of_a_published_event(client):
    event_id = published_event(client, organizer(), moderator())
    resp = client.http.get(f"/api/events/{event_id}/calendar.ics")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("text/calendar")
    text = resp.body.decode()
    assert text.count("BEGIN:VEVENT") == 2
    assert "SUMMARY:Школа кардиолога" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


def test_second_click_racing_the_first_gets_the_same_registration(client, monkeypatch):
    """Both clicks read «not registered» before either wrote: the transaction's condition on the
    registration lets one through and the other answers with that one."""
    from chalicelib.db import registrations_repo
    from chalicelib.services import registration

    event_id = published_event(client, organizer(), moderator(), capacity=5)
    me = specialist("s-1")
    first = _register(client, event_id, me)
    real_get = registrations_repo.get
    calls = []

    def stale_first_read(event, oid):
        calls.append(oid)
        return None if len(calls) == 1 else real_get(event, oid)

    monkeypatch.setattr(registration.registrations_repo, "get", stale_first_read)
    second = _register(client, event_id, me)
    assert second.status_code == 200
    assert second.json_body["id"] == first.json_body["id"]
    public = client.http.get(f"/api/events/{event_id}").json_body
    assert public["seats_left"] == 4


def test_second_click_racing_into_a_full_event_keeps_one_place_in_line(client, monkeypatch):
    from chalicelib.db import registrations_repo
    from chalicelib.services import registration

    event_id = published_event(client, organizer(), moderator(), capacity=1)
    _register(client, event_id, specialist("s-0"))
    me = specialist("s-1")
    first = _register(client, event_id, me)
    real_get = registrations_repo.get
    calls = []

    def stale_first_read(event, oid):
        calls.append(oid)
        return None if len(calls) == 1 else real_get(event, oid)

    monkeypatch.setattr(registration.registrations_repo, "get", stale_first_read)
    second = _register(client, event_id, me)
    assert (second.status_code, second.json_body["id"]) == (200, first.json_body["id"])
    assert second.json_body["position"] == 1
    assert client.http.get(f"/api/events/{event_id}").json_body["waitlist_length"] == 1


def test_registering_and_cancelling_cost_a_few_storage_calls_however_long_the_line(client):
    from chalicelib.db.connection import call_counter

    event_id = published_event(client, organizer(), moderator(), capacity=2)
    people = [specialist(f"s-{i}") for i in range(12)]
    for h in people[:-1]:
        _register(client, event_id, h)
    call_counter.clear()
    _register(client, event_id, people[-1])  # the 10th in line
    joining = sum(call_counter.values())
    call_counter.clear()
    _cancel(client, event_id, people[0])  # a seat passes to the head of the line
    cancelling = sum(call_counter.values())
    call_counter.clear()
    _mine(client, people[-1])
    listing = sum(call_counter.values())
    assert "Scan" not in call_counter
    assert joining <= 10
    assert cancelling <= 10
    assert listing <= 5


def test_a_person_sees_their_own_registration_for_an_event_and_can_cancel_it(client):
    event_id = published_event(client, organizer(), moderator(), capacity=1)
    me, other = specialist("s-mine"), specialist("s-other")
    assert client.http.get(f"/api/events/{event_id}/registrations/me", headers=me).json_body == {
        "registration": None
    }
    _register(client, event_id, me)
    _register(client, event_id, other)
    mine = client.http.get(f"/api/events/{event_id}/registrations/me", headers=me).json_body
    assert mine["registration"]["status"] == "confirmed" and mine["registration"]["can_cancel"]
    theirs = client.http.get(f"/api/events/{event_id}/registrations/me", headers=other).json_body
    assert theirs["registration"]["status"] == "waitlisted"
    assert theirs["registration"]["position"] == 1
    listed = _mine(client, me)[0]
    assert listed["can_cancel"] is True
    assert client.http.get(f"/api/events/{event_id}").json_body["phase"] == "upcoming"


def test_a_tampered_or_someone_elses_registrations_cursor_is_a_400(client):
    import base64
    import json as _json

    me = specialist("s-cursor")
    forged = [
        "не-base64-вовсе",
        base64.urlsafe_b64encode(b"[1,2,3]").decode(),
        base64.urlsafe_b64encode(_json.dumps({"oid": {"S": "s-cursor"}}).encode()).decode(),
        base64.urlsafe_b64encode(
            _json.dumps(
                {
                    "event_id": {"S": "ev"},
                    "oid": {"S": "someone-else"},
                    "registered_key": {"S": "x"},
                }
            ).encode()
        ).decode(),
        base64.urlsafe_b64encode(
            _json.dumps(
                {"event_id": {"N": "1"}, "oid": {"S": "s-cursor"}, "registered_key": {"S": "x"}}
            ).encode()
        ).decode(),
    ]
    for cursor in forged:
        r = client.http.get(f"/api/me/registrations?cursor={cursor}", headers=me)
        assert r.status_code == 400, (cursor, r.body)
        assert r.json_body["error"]["field"] == "cursor"
