"""Organizers enter events, get each mistake named by field, edit drafts and send them to review;
ownership is checked on every route."""

from __future__ import annotations

import pytest

from tests.events_support import (
    day_at,
    event_body,
    moderator,
    organizer,
    post,
    published_event,
    put,
)
from tests.people import login_headers, make_person


def test_organizer_creates_a_draft_and_sees_it_in_own_list(client):
    org = organizer()
    resp = post(client, "/api/organizer/events", event_body(), org)
    assert resp.status_code == 201
    created = resp.json_body
    assert created["status"] == "draft"
    assert created["hours"] == 11  # 6 + 5 accredited hours
    assert created["organizer"] == "КГМУ"
    listed = client.http.get("/api/organizer/events", headers=org).json_body["items"]
    assert [e["id"] for e in listed] == [created["id"]]


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"title": ""}, "title", "Название"),
        ({"title": "<b>" + "x" * 400}, "title", "длиннее"),
        ({"format": "hybrid"}, "format", "Формат"),
        ({"days": []}, "days", "день"),
        (
            {"days": [day_at(5, start_hour=16, end_hour=10)]},
            "days[0].ends_at",
            "окончание",
        ),
        ({"days": [day_at(5, hours=7)]}, "days[0].hours", "от 1 до 6"),
        (
            {"days": [day_at(5, start_hour=10, end_hour=12, hours=6)]},
            "days[0].hours",
            "не помещаются",
        ),
        ({"days": [day_at(6), day_at(5)]}, "days[1].starts_at", "по порядку"),
        (
            {"days": [{"starts_at": "2030-01-01T10:00:00", "ends_at": "x", "hours": 6}]},
            "days[0].starts_at",
            "часовой пояс",
        ),
        ({"address": ""}, "address", "Адрес"),
        ({"format": "online", "url": "http://example.org/live"}, "url", "https://"),
        ({"format": "online", "url": "https:// broken"}, "url", "https://"),
        ({"specialties": []}, "specialties", "специальность"),
        ({"specialties": ["99999"]}, "specialties", "V021"),
        ({"capacity": 0}, "capacity", "Число мест"),
        ({"capacity": 100001}, "capacity", "100000"),
        ({"capacity": 12.5}, "capacity", "целое"),
        ({"capacity": True}, "capacity", "целое"),
        ({"program": "\ud800"}, "program", "Unicode"),
        ({"contact": ""}, "contact", "Контакты"),
    ],
)
def test_each_mistake_is_named_by_field_in_russian_and_nothing_is_stored(
    client, change, field, words
):
    org = organizer()
    resp = post(client, "/api/organizer/events", event_body(**change), org)
    assert resp.status_code == 400
    error = resp.json_body["error"]
    assert error["field"] == field
    assert words in error["message"]
    assert client.http.get("/api/organizer/events", headers=org).json_body["items"] == []


def test_online_event_needs_an_https_link_not_an_address(client):
    org = organizer()
    body = event_body(format="online", url="https://meet.example.ru/room/1", address=None)
    resp = post(client, "/api/organizer/events", body, org)
    assert resp.status_code == 201
    assert resp.json_body["url"] == "https://meet.example.ru/room/1"
    assert resp.json_body["address"] is None


def test_person_without_the_organizer_role_cannot_create_events(client):
    person = login_headers(make_person("plain-1"))
    resp = post(client, "/api/organizer/events", event_body(), person)
    assert resp.status_code == 403


def test_another_organizers_event_is_not_found_on_every_route(client):
    mine = organizer("org-1", "org-a", "КГМУ")
    theirs = organizer("org-2", "org-b", "РКБ")
    event_id = post(client, "/api/organizer/events", event_body(), mine).json_body["id"]
    for method, path, body in [
        ("GET", f"/api/organizer/events/{event_id}", None),
        ("PUT", f"/api/organizer/events/{event_id}", event_body(title="Чужое")),
        ("POST", f"/api/organizer/events/{event_id}/submit", {}),
        ("POST", f"/api/organizer/events/{event_id}/cancel", {"reason": "x"}),
        ("GET", f"/api/organizer/events/{event_id}/registrations", None),
        (
            "POST",
            f"/api/organizer/events/{event_id}/attendance",
            {"records": [{"registration_id": "r", "day": "2030-01-01", "minutes": 1}]},
        ),
    ]:
        if method == "GET":
            resp = client.http.get(path, headers=theirs)
        elif method == "PUT":
            resp = put(client, path, body, theirs)
        else:
            resp = post(client, path, body, theirs)
        assert resp.status_code == 404, (method, path)
        assert "Школа" not in resp.body.decode()
    assert client.http.get("/api/organizer/events", headers=theirs).json_body["items"] == []
    own = client.http.get(f"/api/organizer/events/{event_id}", headers=mine).json_body
    assert own["title"].startswith("Школа")


def test_submission_needs_dates_in_the_future(client):
    org = organizer()
    body = event_body(days=[day_at(-2)])
    event_id = post(client, "/api/organizer/events", body, org).json_body["id"]
    resp = post(client, f"/api/organizer/events/{event_id}/submit", {}, org)
    assert resp.status_code == 400
    assert resp.json_body["error"]["field"] == "days[0].starts_at"
    assert (
        client.http.get(f"/api/organizer/events/{event_id}", headers=org).json_body["status"]
        == "draft"
    )


def test_event_on_review_cannot_be_edited_and_organizer_cannot_publish(client):
    org = organizer()
    event_id = post(client, "/api/organizer/events", event_body(), org).json_body["id"]
    assert post(client, f"/api/organizer/events/{event_id}/submit", {}, org).status_code == 200
    resp = put(client, f"/api/organizer/events/{event_id}", event_body(title="Новое"), org)
    assert resp.status_code == 409
    resp = post(client, f"/api/moderation/events/{event_id}/decision", {"decision": "publish"}, org)
    assert resp.status_code == 403


def test_rejected_event_returns_to_draft_on_edit_and_can_be_resubmitted(client):
    org, mod = organizer(), moderator()
    event_id = post(client, "/api/organizer/events", event_body(), org).json_body["id"]
    post(client, f"/api/organizer/events/{event_id}/submit", {}, org)
    resp = post(
        client,
        f"/api/moderation/events/{event_id}/decision",
        {"decision": "reject", "reason": "Не указан лектор"},
        mod,
    )
    assert resp.status_code == 200
    seen = client.http.get(f"/api/organizer/events/{event_id}", headers=org).json_body
    assert seen["status"] == "rejected"
    assert seen["rejection_reason"] == "Не указан лектор"
    resp = put(client, f"/api/organizer/events/{event_id}", event_body(title="С лектором"), org)
    assert resp.status_code == 200
    assert resp.json_body["status"] == "draft"
    assert post(client, f"/api/organizer/events/{event_id}/submit", {}, org).status_code == 200


def test_capacity_after_publication_never_goes_below_confirmed_seats(client):
    from tests.events_support import specialist

    org, mod = organizer(), moderator()
    event_id = published_event(client, org, mod, capacity=3)
    for i in range(2):
        post(client, f"/api/events/{event_id}/registrations", {}, specialist(f"s-{i}"))
    path = f"/api/organizer/events/{event_id}"
    resp = put(client, path, {"capacity": 1}, org)
    assert resp.status_code == 409
    assert resp.json_body["error"]["field"] == "capacity"
    resp = put(client, path, {"capacity": 2}, org)
    assert resp.status_code == 200
    assert resp.json_body["capacity"] == 2
    resp = put(client, path, {"title": "Другое", "capacity": 5}, org)
    assert resp.status_code == 409
    public = client.http.get(f"/api/events/{event_id}").json_body
    assert public["capacity"] == 2
    assert public["seats_left"] == 0


def test_raising_capacity_promotes_people_from_the_waiting_list(client):
    from tests.events_support import specialist

    org, mod = organizer(), moderator()
    event_id = published_event(client, org, mod, capacity=1)
    people = [specialist(f"s-{i}") for i in range(3)]
    for h in people:
        post(client, f"/api/events/{event_id}/registrations", {}, h)
    resp = put(client, f"/api/organizer/events/{event_id}", {"capacity": 2}, org)
    assert resp.json_body["seats_taken"] == 2
    assert resp.json_body["waitlist_length"] == 1
    second = client.http.get("/api/me/registrations", headers=people[1]).json_body["items"][0]
    third = client.http.get("/api/me/registrations", headers=people[2]).json_body["items"][0]
    assert second["status"] == "confirmed"
    assert (third["status"], third["position"]) == ("waitlisted", 1)


def test_every_state_change_is_in_the_audit_log_with_who_and_from_to(client):
    from chalicelib.db import audit_repo

    org, mod = organizer(), moderator()
    event_id = published_event(client, org, mod)
    entries = audit_repo.history(f"event#{event_id}", newest_first=False)
    steps = [
        (e.actor, e.action, (e.before or {}).get("status"), e.after["status"]) for e in entries
    ]
    assert steps == [
        ("org-1", "create", None, "draft"),
        ("org-1", "submit", "draft", "on_review"),
        ("mod-1", "publish", "on_review", "published"),
    ]


def test_an_empty_form_gets_every_missing_field_in_one_answer_without_iso_syntax(client):
    org = organizer()
    resp = post(
        client,
        "/api/organizer/events",
        {"format": "in_person", "days": [{"starts_at": "", "ends_at": "", "hours": 6}]},
        org,
    )
    assert resp.status_code == 400
    error = resp.json_body["error"]
    fields = [p["field"] for p in error["problems"]]
    assert fields == [
        "title",
        "days[0]",
        "address",
        "specialties",
        "capacity",
        "program",
        "contact",
    ]
    assert error["field"] == "title"  # the first, for clients that show one
    assert resp.json_body["error"]["problems"][1]["message"] == "День 1: укажите дату."
    assert all(
        "T10:00" not in p["message"] and "+03:00" not in p["message"] for p in error["problems"]
    )
    assert client.http.get("/api/organizer/events", headers=org).json_body["items"] == []


def test_a_missing_time_is_reported_on_the_time_and_each_day_separately(client):
    org = organizer()
    good = event_body()
    days = [dict(good["days"][0], starts_at=""), dict(good["days"][1], hours=9)]
    resp = post(client, "/api/organizer/events", event_body(days=days), org)
    problems = resp.json_body["error"]["problems"]
    assert [p["field"] for p in problems] == ["days[0].starts_at", "days[1].hours"]
    assert problems[0]["message"] == "День 1, начало: укажите дату и время."


@pytest.mark.parametrize("when", ["9999-12-31", "0001-01-01", "2019-01-01"])
def test_event_dates_far_in_the_past_or_future_are_refused(client, when):
    org = organizer()
    day = {"starts_at": f"{when}T10:00:00+03:00", "ends_at": f"{when}T16:00:00+03:00", "hours": 6}
    resp = post(client, "/api/organizer/events", event_body(days=[day]), org)
    assert resp.status_code == 400
    assert resp.json_body["error"]["field"] == "days[0]"
    assert "не позже" in resp.json_body["error"]["message"]
