"""Writes that can outgrow one transaction (YDB's cap of 25 actions) are split, and stay right.

The suite-wide guard (tests/transaction_cap.py) fails any TransactWriteItems over the cap; these
tests drive the writes that grow with the data to their limits: an event with the most
specialties the rules allow, and a person whose totals span many cycles.
"""

from __future__ import annotations

import datetime as dt

import pytest
from chalicelib.db import catalog_repo, credits_repo, events_repo
from chalicelib.db.models import CatalogElement, CreditRecord, Specialist, SpecialtyListing
from chalicelib.db.transactions import MAX_ACTIONS, TooManyActions, Transaction
from chalicelib.domain.catalog import catalog_sort_key
from chalicelib.domain.cycles import Credit, progress, tally
from chalicelib.domain.events import rules
from chalicelib.domain.specialties import all_specialties
from chalicelib.services import credits

from tests.events_support import moderator, organizer, post, published_event, put
from tests.people import login_headers, make_person

TODAY = dt.date(2026, 11, 22)


def _codes(count: int, skip: int = 0) -> list[str]:
    codes = [s.code for s in all_specialties()]
    assert len(codes) >= skip + count
    return codes[skip : skip + count]


def _listed_under(codes: list[str], event_id: str) -> set[str]:
    return {
        code
        for code in codes
        if any(x.element_id == event_id for x in SpecialtyListing.query(code))
    }


def test_a_transaction_refuses_the_action_over_the_cap(dynamodb: None) -> None:
    tx = Transaction()
    absent = Specialist.oid.does_not_exist()
    for i in range(MAX_ACTIONS):
        tx.check(Specialist, f"cap-{i}", condition=absent)
    assert tx.room == 0
    with pytest.raises(TooManyActions):
        tx.check(Specialist, "cap-over", condition=absent)


def test_an_event_with_the_most_specialties_is_listed_moved_and_withdrawn_whole(
    client: object,
) -> None:
    most = rules()["specialties"]["max"]
    assert most > MAX_ACTIONS  # otherwise this test proves nothing
    first, second = _codes(most), _codes(most, skip=most)
    org, mod = organizer(), moderator()
    event_id = published_event(client, org, mod, specialties=first)
    assert _listed_under(first, event_id) == set(first)

    # More seats: the published element and all its listings are written again.
    resp = put(client, f"/api/organizer/events/{event_id}", {"capacity": 25}, org)
    assert resp.status_code == 200, resp.json_body
    assert _listed_under(first, event_id) == set(first)
    assert SpecialtyListing.get(first[-1], _listing_key(event_id)).title == resp.json_body["title"]

    # A provider's import moves an element to other specialties (catalog_writer does this).
    previous = CatalogElement.get(event_id)
    moved = events_repo.copy_of(previous)
    moved.specialties = second
    moved.version = int(previous.version) + 1
    catalog_repo.save_element(moved, previous, condition=CatalogElement.version == previous.version)
    assert _listed_under(first, event_id) == set()
    assert _listed_under(second, event_id) == set(second)

    resp = post(client, f"/api/organizer/events/{event_id}/cancel", {"reason": "Тест"}, org)
    assert resp.status_code == 200, resp.json_body
    assert _listed_under(first + second, event_id) == set()


def _listing_key(event_id: str) -> str:
    element = CatalogElement.get(event_id)
    return catalog_sort_key(element.starts_on, element.element_id)


def _recount(person: Specialist) -> list[dict]:
    records = [
        Credit(r.kind, float(r.hours), dt.date.fromisoformat(r.completed_on), r.specialty)
        for r in CreditRecord.query(person.oid)
    ]
    return [progress(c, tally(c, records), TODAY) for c in credits.person_cycles(person)]


def _stored(person: Specialist) -> list[dict]:
    views = credits.cycles_view(person, TODAY)
    for v in views:
        v.pop("specialty_name")
    return views


def test_totals_of_many_specialties_are_rebuilt_in_parts_and_match_a_recount(
    client: object,
) -> None:
    codes = ["76", "49", "2", "39", "27"]  # the most a person may have (cabinet.MAX_SPECIALTIES)
    person = make_person("1000000091", specialties=[(c, "2022-03-15") for c in codes])
    for i, code in enumerate(codes * 7):
        day = dt.date(2022, 4, 1) + dt.timedelta(days=61 * i)
        record = CreditRecord(
            oid=person.oid,
            record_id=credits_repo.new_record_id(day.isoformat()),
            kind="iom",
            title=f"Модуль {i}",
            hours=2,
            completed_on=day.isoformat(),
            specialty=code,
            source="provider_import",
            created_at=dt.datetime.now(dt.UTC),
        )
        assert credits.write_credit(person, record, actor="test", action="credit_imported") is None
    buckets = [i for i in credits_repo.totals(person.oid) if i.bucket.startswith("cycle#")]
    assert len(buckets) + 1 > MAX_ACTIONS  # a rebuild cannot be one transaction

    body = {"specialties": [{"code": c, "admitted_on": "2022-09-01"} for c in codes]}
    resp = put(client, "/api/me/specialties", body, login_headers(person))
    assert resp.status_code == 200, resp.json_body
    fresh = Specialist.get(person.oid)
    assert _stored(fresh) == _recount(fresh)
    assert sum(v["earned"]["total"] for v in _stored(fresh)) > 0
