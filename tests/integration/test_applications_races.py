"""Races on the serialised embedded DynamoDB (in-process moto is not atomic under threads):
two reviewers deciding one application at once, and «Подать» pressed twice at once."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest

from tests.applications_support import (
    PDF,
    finished_event,
    upload,
)
from tests.events_support import moderator, organizer, post
from tests.people import login_headers, make_person


@pytest.fixture
def api(embedded_tables: None, documents_bucket: str) -> Iterator[object]:
    from app import app
    from chalice.test import Client

    with Client(app) as c:
        yield c


def _at_once(*calls):
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        barrier.wait()
        results[i] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def _claim(event_id, day, doc):
    return {
        "request_id": "form-race-000001",
        "kind": "missing_event",
        "element_id": event_id,
        "day": day,
        "specialty": "76",
        "documents": [doc],
    }


def test_two_reviewers_at_once_one_decision_wins_the_other_gets_409(api):
    org, mod = organizer(), moderator()
    doctor = login_headers(make_person("9100001", specialties=[("76", "2022-06-01")]))
    event_id, day = finished_event()
    doc = upload(api, doctor, PDF).json_body["id"]
    app_id = post(api, "/api/me/applications", _claim(event_id, day, doc), doctor).json_body["id"]
    decision = f"/api/review/applications/{app_id}/decision"
    results = _at_once(
        lambda: post(api, decision, {"decision": "accept"}, org),
        lambda: post(api, decision, {"decision": "reject", "reason": "Не было"}, mod),
    )
    assert sorted(r.status_code for r in results) == [200, 409]
    winner = next(r for r in results if r.status_code == 200).json_body["status"]
    seen = api.http.get(f"/api/me/applications/{app_id}", headers=doctor).json_body
    assert seen["status"] == winner
    assert [s["action"] for s in seen["steps"]] == [
        "submit",
        {"accepted": "accept", "rejected": "reject"}[winner],
    ]
    ledger = api.http.get("/api/me/credits", headers=doctor).json_body["items"]
    assert len(ledger) == (1 if winner == "accepted" else 0)


def test_submit_pressed_twice_at_once_files_one_application(api):
    organizer()
    doctor = login_headers(make_person("9100002", specialties=[("76", "2022-06-01")]))
    event_id, day = finished_event()
    doc = upload(api, doctor, PDF).json_body["id"]
    body = json.dumps(_claim(event_id, day, doc))
    results = _at_once(
        *[lambda: api.http.post("/api/me/applications", body=body, headers=doctor)] * 2
    )
    assert sorted(r.status_code for r in results) == [200, 201]
    assert len({r.json_body["id"] for r in results}) == 1
    assert len(api.http.get("/api/me/applications", headers=doctor).json_body["items"]) == 1
