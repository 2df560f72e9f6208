"""Test helpers for the events area: a valid event body, people in each role, a published event."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from chalicelib.db.connection import ensure_bound
from chalicelib.db.models import Organization

from tests.people import login_headers, make_person

MSK = dt.timezone(dt.timedelta(hours=3))


def day_at(days_ahead: int, start_hour: int = 10, end_hour: int = 16, hours: int = 6) -> dict:
    date = (dt.datetime.now(MSK) + dt.timedelta(days=days_ahead)).date()
    start = dt.datetime(date.year, date.month, date.day, start_hour, tzinfo=MSK)
    end = dt.datetime(date.year, date.month, date.day, end_hour, tzinfo=MSK)
    return {"starts_at": start.isoformat(), "ends_at": end.isoformat(), "hours": hours}


def event_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Школа кардиолога: острый коронарный синдром",
        "format": "in_person",
        "days": [day_at(30), day_at(31, hours=5)],
        "address": "г. Казань, ул. Бутлерова, 49, актовый зал",
        "city": "Казань",
        "specialties": ["76"],
        "capacity": 20,
        "program": "10:00 Открытие\n10:15 Доклад о диагностике ОКС",
        "contact": "Оргкомитет, +7 843 000-00-00",
    }
    body.update(overrides)
    return body


def organizer(oid: str = "org-1", org_id: str = "org-kgmu", name: str = "КГМУ") -> dict:
    ensure_bound()
    Organization(org_id=org_id, name=name, created_at=dt.datetime.now(dt.UTC)).save()
    person = make_person(oid, roles=["specialist", "organizer"], organization_id=org_id)
    return login_headers(person)


def moderator(oid: str = "mod-1") -> dict:
    return login_headers(make_person(oid, roles=["specialist", "moderator"]))


def specialist(oid: str, specialty: str = "76", name: tuple[str, str, str] | None = None) -> dict:
    person = make_person(
        oid,
        specialties=[(specialty, "2022-06-01")],
        name=name or ("Петров", "Пётр", "Петрович"),
    )
    return login_headers(person)


def post(client: Any, path: str, body: Any, headers: dict) -> Any:
    return client.http.post(path, body=json.dumps(body), headers=headers)


def put(client: Any, path: str, body: Any, headers: dict) -> Any:
    return client.http.put(path, body=json.dumps(body), headers=headers)


def published_event(client: Any, org_headers: dict, mod_headers: dict, **overrides: Any) -> str:
    resp = post(client, "/api/organizer/events", event_body(**overrides), org_headers)
    assert resp.status_code == 201, resp.json_body
    event_id = resp.json_body["id"]
    resp = post(client, f"/api/organizer/events/{event_id}/submit", {}, org_headers)
    assert resp.status_code == 200, resp.json_body
    resp = post(
        client,
        f"/api/moderation/events/{event_id}/decision",
        {"decision": "publish"},
        mod_headers,
    )
    assert resp.status_code == 200, resp.json_body
    return event_id
