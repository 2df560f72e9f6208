"""The public catalog API: `GET /api/catalog/elements` and its filters, paging and bad input."""

from __future__ import annotations

import base64
import datetime as dt
import json
from urllib.parse import urlencode

import pytest
from nmo_cli.demo_data import (
    DEMO_ELEMENT_COUNT,
    DEMO_SEED,
    attended_event,
    generate_elements,
    seed_demo,
)

TODAY = dt.date(2026, 11, 22)


@pytest.fixture
def demo_client(client):
    seed_demo(TODAY)
    return client


def get(client, **params):
    return client.http.get("/api/catalog/elements?" + urlencode(params))


def expected(specialty: str) -> list[dict]:
    """What the demo seed publishes: the generated catalog and the past seminar with attendees."""
    return [
        e
        for e in [*generate_elements(DEMO_ELEMENT_COUNT, DEMO_SEED, TODAY), attended_event(TODAY)]
        if specialty in e["specialties"]
    ]


def test_therapy_catalog_lists_every_published_therapy_element_in_date_order(demo_client):
    seen, cursor, pages = [], None, 0
    while True:
        params = {"specialty": "76", "limit": "20"}
        if cursor:
            params["cursor"] = cursor
        resp = get(demo_client, **params)
        assert resp.status_code == 200
        body = resp.json_body
        seen += body["items"]
        pages += 1
        cursor = body["cursor"]
        if not cursor:
            break
    assert body["specialty"] == {"code": "76", "name": "Терапия"}
    assert pages > 1
    assert {i["id"] for i in seen} == {e["element_id"] for e in expected("76")}
    dated = [i["starts_on"] for i in seen if i["starts_on"]]
    assert dated == sorted(dated)
    # drafts and events on review are not in the public catalog
    assert all("Сахарный диабет 2 типа: что нового" not in i["title"] for i in seen)


def test_listing_item_has_the_fields_a_catalog_card_shows(demo_client):
    item = get(demo_client, specialty="76", kind="event", limit="200").json_body["items"][0]
    assert set(item) >= {"id", "kind", "title", "hours", "starts_on", "format", "organizer"}
    assert item["kind"] == "event"
    assert isinstance(item["hours"], int)


def test_kind_and_date_filters_narrow_the_list(demo_client):
    body = get(
        demo_client, specialty="76", kind="event", **{"from": "2027-01-01", "to": "2027-03-31"}
    ).json_body
    want = {
        e["element_id"]
        for e in expected("76")
        if e["kind"] == "event" and "2027-01-01" <= e["starts_on"] <= "2027-03-31"
    }
    assert want
    assert {i["id"] for i in body["items"]} == want


def test_without_specialty_the_whole_published_catalog_is_paged(demo_client):
    resp = get(demo_client, limit="100", **{"from": TODAY.isoformat()})
    assert resp.status_code == 200
    items = resp.json_body["items"]
    assert len(items) == 100
    assert all(i["starts_on"] is None or i["starts_on"] >= TODAY.isoformat() for i in items)
    assert resp.json_body["cursor"]


def test_search_by_words_of_the_title(demo_client):
    items = get(demo_client, specialty="76", q="гипертензия", limit="200").json_body["items"]
    assert items
    assert all("гипертензия" in i["title"].lower() for i in items)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"specialty": "9999"}, "specialty"),
        ({"specialty": "<script>"}, "specialty"),
        ({"kind": "course"}, "kind"),
        ({"from": "2026-13-01"}, "from"),
        ({"to": "вчера"}, "to"),
        ({"from": "2027-02-01", "to": "2027-01-01"}, "from"),
        ({"limit": "0"}, "limit"),
        ({"limit": "201"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"q": "х" * 201}, "q"),
        ({"cursor": "not a cursor!"}, "cursor"),
        ({"cursor": "курсор"}, "cursor"),
    ],
)
def test_bad_parameters_get_400_naming_the_field(client, params, field):
    resp = get(client, **params)
    assert resp.status_code == 400
    error = resp.json_body["error"]
    assert error["field"] == field
    assert error["code"] == "invalid_input"
    assert any("а" <= ch <= "я" for ch in error["message"].lower())


def _cursor(data) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        _cursor(["a"]),
        _cursor({"specialty": "76"}),
        _cursor({"specialty": {"S": "76"}}),
        _cursor({"evil": {"S": "x"}, "sort_key": {"S": "2027"}}),
        _cursor({"specialty": {"N": "76"}, "sort_key": {"S": "2027"}}),
    ],
)
def test_tampered_cursor_gets_400_not_a_server_error(client, cursor):
    resp = get(client, specialty="76", cursor=cursor)
    assert resp.status_code == 400
    assert resp.json_body["error"]["field"] == "cursor"


def test_cursor_of_one_query_is_refused_for_another(demo_client):
    cursor = get(demo_client, specialty="76", limit="5").json_body["cursor"]
    for other in ({"specialty": "25"}, {}, {"specialty": "76", "from": "2099-01-01"}):
        resp = get(demo_client, cursor=cursor, **other)
        assert resp.status_code == 400, other
        assert resp.json_body["error"]["field"] == "cursor"


def test_unknown_specialty_code_that_exists_in_v021_but_has_nothing_is_empty(demo_client):
    resp = get(demo_client, specialty="7")  # Водолазная медицина: nothing in the region
    assert resp.status_code == 200
    assert resp.json_body["items"] == [] and resp.json_body["cursor"] is None
