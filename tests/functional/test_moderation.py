"""Moderators see the review queue and publish or reject with a reason; publishing lists the event
under each of its specialties in the public catalog."""

from __future__ import annotations

from tests.events_support import event_body, moderator, organizer, post
from tests.people import login_headers, make_person


def _submitted(client, org, **overrides):
    event_id = post(client, "/api/organizer/events", event_body(**overrides), org).json_body["id"]
    assert post(client, f"/api/organizer/events/{event_id}/submit", {}, org).status_code == 200
    return event_id


def _decide(client, event_id, body, headers):
    return post(client, f"/api/moderation/events/{event_id}/decision", body, headers)


def test_queue_shows_submitted_events_but_not_drafts(client):
    org, mod = organizer(), moderator()
    submitted = _submitted(client, org)
    post(client, "/api/organizer/events", event_body(title="Черновик"), org)
    queue = client.http.get("/api/moderation/events?status=on_review", headers=mod).json_body
    assert [e["id"] for e in queue["items"]] == [submitted]
    bad = client.http.get("/api/moderation/events?status=draft", headers=mod)
    assert (bad.status_code, bad.json_body["error"]["field"]) == (400, "status")


def test_publishing_lists_the_event_under_each_of_its_specialties(client):
    org, mod = organizer(), moderator()
    event_id = _submitted(client, org, specialties=["76", "49"])
    assert client.http.get(f"/api/events/{event_id}").status_code == 404
    resp = _decide(client, event_id, {"decision": "publish"}, mod)
    assert resp.status_code == 200
    assert resp.json_body["status"] == "published"
    for code in ("76", "49"):
        items = client.http.get(f"/api/catalog/elements?specialty={code}").json_body["items"]
        assert [i["id"] for i in items] == [event_id]
    public = client.http.get(f"/api/events/{event_id}").json_body
    assert (public["capacity"], public["registration_open"]) == (20, True)
    assert client.http.get("/api/moderation/events", headers=mod).json_body["items"] == []


def test_rejection_needs_a_reason_the_organizer_then_reads(client):
    org, mod = organizer(), moderator()
    event_id = _submitted(client, org)
    resp = _decide(client, event_id, {"decision": "reject", "reason": "  "}, mod)
    assert (resp.status_code, resp.json_body["error"]["field"]) == (400, "reason")
    assert (
        client.http.get(f"/api/organizer/events/{event_id}", headers=org).json_body["status"]
        == "on_review"
    )
    resp = _decide(client, event_id, {"decision": "reject", "reason": "Нет программы"}, mod)
    assert resp.status_code == 200
    seen = client.http.get(f"/api/organizer/events/{event_id}", headers=org).json_body
    assert (seen["status"], seen["rejection_reason"]) == ("rejected", "Нет программы")
    assert client.http.get("/api/catalog/elements?specialty=76").json_body["items"] == []


def test_a_decision_is_taken_once(client):
    org, mod = organizer(), moderator()
    event_id = _submitted(client, org)
    assert _decide(client, event_id, {"decision": "publish"}, mod).status_code == 200
    again = _decide(client, event_id, {"decision": "reject", "reason": "Поздно"}, moderator("m2"))
    assert again.status_code == 409
    assert client.http.get(f"/api/events/{event_id}").json_body["status"] == "published"


def test_only_moderators_decide_and_drafts_are_invisible_to_them(client):
    org, mod = organizer(), moderator()
    draft = post(client, "/api/organizer/events", event_body(), org).json_body["id"]
    assert _decide(client, draft, {"decision": "publish"}, mod).status_code == 404
    submitted = _submitted(client, org)
    plain = login_headers(make_person("plain"))
    assert _decide(client, submitted, {"decision": "publish"}, plain).status_code == 403
    assert client.http.get("/api/moderation/events", headers=plain).status_code == 403
    unknown = _decide(client, submitted, {"decision": "maybe"}, mod)
    assert (unknown.status_code, unknown.json_body["error"]["field"]) == (400, "decision")


def test_moderator_has_no_route_to_change_an_events_content(client):
    org, mod = organizer(), moderator()
    event_id = _submitted(client, org)
    resp = client.http.put(
        f"/api/organizer/events/{event_id}", body='{"title": "Правка"}', headers=mod
    )
    assert resp.status_code == 403
    assert (
        client.http.get(f"/api/moderation/events/{event_id}", headers=mod)
        .json_body["title"]
        .startswith("Школа")
    )


def test_moderator_of_the_same_organization_cannot_judge_its_event(client):
    org = organizer("org-1", "org-a", "КГМУ")
    both = login_headers(
        make_person("both", roles=["organizer", "moderator"], organization_id="org-a")
    )
    event_id = _submitted(client, org)
    resp = _decide(client, event_id, {"decision": "publish"}, both)
    assert resp.status_code == 403
