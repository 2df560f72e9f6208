"""The published catalog's version counter: every change to what is published moves it in the
change's own transaction, and checking it (the local site refresher, every few seconds) costs one
GetItem of one small item however large the catalog is."""

from __future__ import annotations

import datetime as dt

from chalicelib.db import catalog_repo
from chalicelib.db.connection import call_counter, ensure_bound
from chalicelib.db.models import CatalogElement
from nmo_cli.catalog_writer import element_from_dict, store_elements
from nmo_cli.site_refresh import published_fingerprint

from tests.events_support import event_body, moderator, organizer, post, published_event, put


def _version() -> int:
    return catalog_repo.published_version()


def _element(element_id: str, status: str = "published", title: str = "Кардиология") -> dict:
    return {
        "element_id": element_id,
        "kind": "dpp_pk",
        "status": status,
        "title": title,
        "specialties": ["76"],
        "hours": 36,
        "organizer_id": "org-kgmu",
        "organizer_name": "КГМУ",
    }


def test_publishing_editing_and_cancelling_move_the_version_but_drafts_and_review_do_not(client):
    org, mod = organizer(), moderator()
    assert _version() == 0
    draft = post(client, "/api/organizer/events", event_body(), org).json_body["id"]
    assert post(client, f"/api/organizer/events/{draft}/submit", {}, org).status_code == 200
    assert _version() == 0  # nothing public changed yet

    event_id = published_event(client, org, mod)
    assert _version() == 1
    # After publication an organizer may change the number of seats (shown on the event page).
    resp = put(client, f"/api/organizer/events/{event_id}", {"capacity": 30}, org)
    assert resp.status_code == 200, resp.json_body
    assert _version() == 2
    resp = post(client, f"/api/organizer/events/{event_id}/cancel", {"reason": "Болезнь"}, org)
    assert resp.status_code == 200, resp.json_body
    assert _version() == 3


def test_a_write_that_loses_its_condition_leaves_the_version_where_it_was(dynamodb):
    import pytest
    from chalicelib.db.transactions import Cancelled

    now = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
    element = element_from_dict(_element("e-1"), now)
    catalog_repo.save_element(element)
    assert _version() == 1
    stale = CatalogElement.from_raw_data({**element.serialize(), "title": {"S": "Другое"}})
    with pytest.raises(Cancelled):
        catalog_repo.save_element(stale, previous=element, condition=CatalogElement.version == 99)
    assert _version() == 1  # the bump is part of the refused transaction
    assert CatalogElement.get("e-1").title == "Кардиология"


def test_imports_and_the_demo_seed_move_the_version_when_they_change_published_elements(dynamodb):
    ensure_bound()
    now = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
    store_elements([element_from_dict(_element("e-1", "draft"), now)], update_existing=False)
    assert _version() == 0
    store_elements([element_from_dict(_element("e-2"), now)], update_existing=False)
    assert _version() == 1
    same = [element_from_dict(_element("e-2"), now)]
    store_elements(same, update_existing=True)
    assert _version() == 1  # an import with nothing new publishes nothing
    changed = [element_from_dict(_element("e-2", title="Кардиология, 2-е изд."), now)]
    store_elements(changed, update_existing=True)
    assert _version() == 2
    assert CatalogElement.get("e-2").title == "Кардиология, 2-е изд."


def test_the_change_check_is_one_get_item_however_large_the_catalog(dynamodb):
    ensure_bound()
    now = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
    elements = [element_from_dict(_element(f"e-{i}"), now) for i in range(120)]
    store_elements(elements, update_existing=False)
    call_counter.clear()
    first = published_fingerprint()
    assert dict(call_counter) == {"GetItem": 1}
    assert published_fingerprint() == first
    catalog_repo.save_element(
        CatalogElement.from_raw_data({**elements[0].serialize(), "title": {"S": "Другое"}}),
        previous=elements[0],
    )
    assert published_fingerprint() != first
