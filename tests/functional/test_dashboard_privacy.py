"""Who sees the dashboard: the ministry view only with `analyst`, the staff view only with
`employer` and only of its own organization, never an employee who switched sharing off; every
dashboard route tried with every other role."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import pytest
from chalicelib.db.models import Organization

from tests.people import login_headers, make_person, valid_snils

ORG_A, ORG_B = "org-7707083893", "org-7728168971"
ROLES = ("specialist", "organizer", "moderator", "admin", "analyst", "employer")


def _dashboard_routes() -> list[tuple[str, str]]:
    from app import app

    return sorted(
        (path, method)
        for path, methods in app.routes.items()
        if path.startswith("/api/stats/")
        for method in methods
    )


def _allowed(path: str, role: str) -> bool:
    employer_route = path.startswith("/api/stats/employer/")
    return (role == "employer") if employer_route else (role == "analyst")


def _orgs() -> None:
    now = dt.datetime.now(dt.UTC)
    Organization(org_id=ORG_A, name="Городская больница № 1", created_at=now).save()
    Organization(org_id=ORG_B, name="Областная больница", created_at=now).save()


def _upload(client: Any, headers: dict[str, Any], snils: list[str], apply: bool) -> Any:
    text = "СНИЛС;ФИО\n" + "".join(f"{s};Сотрудник {i}\n" for i, s in enumerate(snils))
    body = {
        "filename": "staff.csv",
        "content": base64.b64encode(text.encode()).decode(),
        "apply": apply,
    }
    return client.http.post("/api/stats/employer/staff", headers=headers, body=json.dumps(body))


def _call(client: Any, path: str, method: str, headers: dict[str, Any]) -> Any:
    path = path.replace("{org_id}", ORG_A)
    if method == "GET":
        return client.http.get(path, headers={**headers, "Accept": "*/*"})
    return client.http.request(method, path, headers=headers, body=json.dumps({}))


@pytest.mark.parametrize("role", ROLES)
def test_every_dashboard_route_refuses_every_other_role(client: Any, role: str) -> None:
    _orgs()
    person = make_person(
        "3000000001",
        roles=["specialist", role] if role != "specialist" else ["specialist"],
        organization_id=ORG_A if role in ("organizer", "employer") else None,
    )
    headers = login_headers(person)
    routes = _dashboard_routes()
    assert ("/api/stats/region", "GET") in routes and (
        "/api/stats/employer/staff",
        "POST",
    ) in routes
    for path, method in routes:
        response = _call(client, path, method, headers)
        if _allowed(path, role):
            assert response.status_code != 403, (path, method, role)
        else:
            assert response.status_code == 403, (path, method, role, response.body)
    anonymous = _call(client, "/api/stats/region", "GET", {})
    assert anonymous.status_code == 401


def test_employer_sees_own_staff_only_and_never_an_opted_out_employee(client: Any) -> None:
    _orgs()
    employer_a = make_person("3000000010", roles=["specialist", "employer"], organization_id=ORG_A)
    employer_b = make_person("3000000011", roles=["specialist", "employer"], organization_id=ORG_B)
    shared = make_person(
        "3000000020",
        specialties=[("76", "2022-03-15")],
        snils=valid_snils(20),
        name=("Открытова", "Анна", "Ивановна"),
    )
    hidden = make_person(
        "3000000021",
        specialties=[("76", "2022-03-15")],
        snils=valid_snils(21),
        name=("Скрытова", "Вера", "Петровна"),
    )
    other = make_person("3000000022", specialties=[("49", "2023-05-10")], snils=valid_snils(22))
    absent = valid_snils(23)  # not on the portal
    headers_a, headers_b = login_headers(employer_a), login_headers(employer_b)

    # A check first: nothing is stored until the confirm step.
    preview = _upload(client, headers_a, [shared.snils, hidden.snils, absent], apply=False)
    assert preview.status_code == 200, preview.body
    assert json.loads(preview.body) == {
        "rows": 3,
        "added": 3,
        "removed": 0,
        "kept": 0,
        "applied": False,
    }
    assert (
        json.loads(client.http.get("/api/stats/employer/staff", headers=headers_a).body)["items"]
        == []
    )
    assert _upload(client, headers_a, [shared.snils, hidden.snils, absent], True).status_code == 200
    assert _upload(client, headers_b, [other.snils], True).status_code == 200

    # The hidden employee switches sharing off in the cabinet (audited in their history).
    off = client.http.put(
        "/api/me/sharing",
        headers=login_headers(hidden),
        body=json.dumps({"shares_with_employer": False}),
    )
    assert off.status_code == 200 and json.loads(off.body)["shares_with_employer"] is False
    history = json.loads(client.http.get("/api/me/history", headers=login_headers(hidden)).body)
    assert history["items"][0]["action"] == "employer_sharing_changed"

    view = json.loads(client.http.get("/api/stats/employer/staff", headers=headers_a).body)
    states = {row["full_name"]: row for row in view["items"]}
    assert states["Сотрудник 0"]["state"] == "shared"
    assert states["Сотрудник 0"]["cycles"][0]["expires"] == "2027-03-15"
    assert states["Сотрудник 1"]["state"] == "hidden" and states["Сотрудник 1"]["cycles"] == []
    assert states["Сотрудник 2"]["state"] == "not_on_portal"
    text = json.dumps(view, ensure_ascii=False)
    # Never another organization's staff, never the ledger, never a full СНИЛС.
    assert other.snils not in text and "49" not in [
        c["specialty"] for r in view["items"] for c in r["cycles"]
    ]
    assert shared.snils not in text and "record" not in text and "title" not in text
    # The organization's counters do not count the opted-out employee either.
    summary = json.loads(client.http.get("/api/stats/employer/summary", headers=headers_a).body)
    assert summary["totals"]["total"]["specialists"] == "<5"
    cells = [
        c for row in summary["specialties"] for c in row["months"].values() if c["specialists"]
    ]
    assert len(cells) == 1
    # The ministry's bar per organization counts the sharing employees of each.
    analyst = make_person("3000000012", roles=["specialist", "analyst"])
    bars = json.loads(
        client.http.get("/api/stats/organizations", headers=login_headers(analyst)).body
    )
    assert {row["name"] for row in bars["organizations"]} == {
        "Городская больница № 1",
        "Областная больница",
    }
    # A new list without the shared employee: they leave the list and the counters.
    again = _upload(client, headers_a, [hidden.snils, absent], apply=True)
    assert json.loads(again.body)["removed"] == 1
    left = json.loads(client.http.get("/api/stats/employer/summary", headers=headers_a).body)
    assert left["totals"]["total"]["specialists"] == 0
    export = client.http.get(
        "/api/stats/employer/staff/export", headers={**headers_a, "Accept": "*/*"}
    )
    assert export.status_code == 200 and export.body[:2] == b"PK"


def test_a_bad_staff_row_is_refused_with_its_row_number_and_nothing_changes(client: Any) -> None:
    _orgs()
    employer = make_person("3000000030", roles=["specialist", "employer"], organization_id=ORG_A)
    headers = login_headers(employer)
    good = valid_snils(40)
    bad = good[:-2] + f"{(int(good[-2:]) + 1) % 100:02d}"
    response = _upload(client, headers, [good, bad], apply=True)
    assert response.status_code == 400
    error = json.loads(response.body)["error"]
    assert (
        error["field"] == "file" and "Строка 3" in error["message"] and "СНИЛС" in error["message"]
    )
    assert (
        json.loads(client.http.get("/api/stats/employer/staff", headers=headers).body)["items"]
        == []
    )


def test_analyst_sees_the_region_heat_map_and_exports_it(client: Any) -> None:
    _orgs()
    analyst = make_person("3000000040", roles=["specialist", "analyst"])
    headers = login_headers(analyst)
    region = client.http.get("/api/stats/region", headers=headers)
    assert region.status_code == 200
    assert len(json.loads(region.body)["months"]) == 24
    for view in ("region", "organizations"):
        export = client.http.get(
            f"/api/stats/export?view={view}", headers={**headers, "Accept": "*/*"}
        )
        assert export.status_code == 200 and export.body[:2] == b"PK"
    detail = client.http.get(f"/api/stats/organizations/{ORG_A}", headers=headers)
    assert detail.status_code == 200
    missing = client.http.get("/api/stats/organizations/org-0000000000", headers=headers)
    assert missing.status_code == 404
