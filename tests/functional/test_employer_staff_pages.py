"""The employer's staff list in pages: a page size limit and an opaque cursor, sealed because the
list is keyed by СНИЛС; each page costs the same few DynamoDB calls whatever the list's size; a
forged or foreign cursor is a 400 naming the field; the XLSX still holds everyone; no page ever
shows another organization's staff or what an opted-out employee hides."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
from typing import Any
from urllib.parse import quote

from chalicelib.db import connection, cursors, dashboard_repo
from chalicelib.db.models import Organization
from chalicelib.services.sessions import cursor_seal
from openpyxl import load_workbook

from tests.people import login_headers, make_person, valid_snils

ORG_A, ORG_B = "org-7707083893", "org-7728168971"


def _orgs() -> None:
    now = dt.datetime.now(dt.UTC)
    Organization(org_id=ORG_A, name="Городская больница № 1", created_at=now).save()
    Organization(org_id=ORG_B, name="Областная больница", created_at=now).save()


def _upload(client: Any, headers: dict[str, str], snils: list[str]) -> None:
    text = "СНИЛС;ФИО\n" + "".join(f"{s};Сотрудник {s[-4:]}\n" for s in snils)
    body = {
        "filename": "staff.csv",
        "content": base64.b64encode(text.encode()).decode(),
        "apply": True,
    }
    r = client.http.post("/api/stats/employer/staff", headers=headers, body=json.dumps(body))
    assert r.status_code == 200, r.body


def _staff(client: Any, size: int, on_portal: int) -> tuple[dict[str, str], dict[str, Any]]:
    """Organization A lists `size` people, the first `on_portal` of them on the portal (one of
    whom switches sharing off); organization B lists one more, never A's to see."""
    _orgs()
    employer = make_person("3100000001", roles=["specialist", "employer"], organization_id=ORG_A)
    people = [
        make_person(
            f"31000001{i:02d}", specialties=[("76", "2022-03-15")], snils=valid_snils(500 + i)
        )
        for i in range(on_portal)
    ]
    headers = login_headers(employer)
    _upload(client, headers, [valid_snils(500 + i) for i in range(size)])
    other = make_person("3100000002", roles=["specialist", "employer"], organization_id=ORG_B)
    stranger = make_person("3100000003", specialties=[("49", "2023-05-10")], snils=valid_snils(9))
    _upload(client, login_headers(other), [stranger.snils])
    off = client.http.put(
        "/api/me/sharing",
        headers=login_headers(people[0]),
        body=json.dumps({"shares_with_employer": False}),
    )
    assert off.status_code == 200
    return headers, {"people": people, "stranger": stranger, "other": other}


def _page(client: Any, headers: dict[str, str], query: str) -> Any:
    return client.http.get(f"/api/stats/employer/staff?{query}", headers=headers)


def test_paging_through_the_staff_list_shows_everyone_once_and_nothing_else(client: Any) -> None:
    headers, cast = _staff(client, size=23, on_portal=4)
    seen: list[dict[str, Any]] = []
    cursor, pages = None, 0
    while True:
        query = "limit=5" + (f"&cursor={quote(cursor)}" if cursor else "")
        r = _page(client, headers, query)
        assert r.status_code == 200, r.body
        body = json.loads(r.body)
        assert len(body["items"]) <= 5
        seen += body["items"]
        pages += 1
        cursor = body["cursor"]
        if cursor is None:
            break
        # The cursor is opaque: no СНИЛС in it, not even once decoded.
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        for i in range(23):
            assert valid_snils(500 + i) not in cursor and valid_snils(500 + i).encode() not in raw
    assert pages == 5  # 23 = 4 × 5 + 3: no empty page at the end
    assert sorted(r["full_name"] for r in seen) == sorted(
        f"Сотрудник {valid_snils(500 + i)[-4:]}" for i in range(23)
    )
    states = [r["state"] for r in seen]
    assert states.count("shared") == 3 and states.count("hidden") == 1
    assert states.count("not_on_portal") == 19
    hidden = next(r for r in seen if r["state"] == "hidden")
    assert hidden["cycles"] == []
    text = json.dumps(seen, ensure_ascii=False)
    assert cast["stranger"].snils not in text and "Областная" not in text
    assert all(valid_snils(500 + i) not in text for i in range(23))  # masked only


def test_each_page_costs_the_same_few_calls_whatever_the_list_size(client: Any) -> None:
    headers, _ = _staff(client, size=60, on_portal=12)

    def calls(query: str) -> tuple[dict[str, int], dict[str, Any]]:
        connection.call_counter.clear()
        r = _page(client, headers, query)
        assert r.status_code == 200, r.body
        return dict(connection.call_counter), json.loads(r.body)

    first, body = calls("limit=10")
    # The session (one GetItem), one Query of the list, one BatchGetItem of owners and one of
    # the placements of those on the portal.
    assert first.get("Query") == 1 and first.get("BatchGetItem") == 2
    assert sum(first.values()) <= 4, first
    later, _ = calls(f"limit=10&cursor={quote(body['cursor'])}")
    assert sum(later.values()) <= 4, later
    # A page of 100 out of 60 costs the same: no call per employee.
    whole, body = calls("limit=100")
    assert len(body["items"]) == 60 and body["cursor"] is None
    assert whole == first


def test_a_forged_or_foreign_cursor_or_a_bad_limit_is_a_400_naming_the_field(
    client: Any,
) -> None:
    headers, cast = _staff(client, size=6, on_portal=1)
    # Organization B's own sealed cursor, a cursor of A's keys not sealed, a sealed cursor of
    # another listing's keys, garbage: none starts a page of A's list.
    foreign = dashboard_repo.encode_staff_cursor(
        {"org_id": {"S": ORG_B}, "snils": {"S": cast["stranger"].snils}}, cursor_seal()
    )
    unsealed = cursors.encode({"org_id": {"S": ORG_A}, "snils": {"S": valid_snils(500)}})
    other_keys = cursors.encode(
        {"oid": {"S": "3100000001"}, "record_id": {"S": "x"}}, seal=cursor_seal()
    )
    assert foreign and unsealed and other_keys
    for bad in (foreign, unsealed, other_keys, "%%%", "AAAA", foreign[:-4] + "AAAA"):
        r = _page(client, headers, f"cursor={quote(bad)}")
        assert r.status_code == 400, (bad, r.body)
        error = json.loads(r.body)["error"]
        assert error["field"] == "cursor" and "курсор" in error["message"]
    for limit in ("0", "101", "abc", "-3"):
        r = _page(client, headers, f"limit={limit}")
        assert r.status_code == 400
        error = json.loads(r.body)["error"]
        assert error["field"] == "limit" and "limit" in error["message"]
    # B's employer cannot use A's cursor either.
    page = json.loads(_page(client, headers, "limit=2").body)
    r = _page(client, login_headers(cast["other"]), f"cursor={quote(page['cursor'])}")
    assert r.status_code == 400 and json.loads(r.body)["error"]["field"] == "cursor"


def test_the_xlsx_export_still_holds_the_whole_list(client: Any) -> None:
    headers, cast = _staff(client, size=130, on_portal=3)
    r = client.http.get("/api/stats/employer/staff/export", headers={**headers, "Accept": "*/*"})
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.body))["Сотрудники"]
    lines = list(sheet.iter_rows(min_row=2, values_only=True))
    names = {line[1] for line in lines}
    assert len(names) == 130 and len(lines) == 130  # one cycle each at most
    states = [line[3] for line in lines]
    assert states.count("сотрудник не открыл данные работодателю") == 1
    hidden = next(line for line in lines if line[3] == "сотрудник не открыл данные работодателю")
    assert hidden[4:] == (None,) * len(hidden[4:])
    assert cast["stranger"].snils not in json.dumps([list(map(str, line)) for line in lines])
