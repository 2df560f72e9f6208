"""The demo catalog: big and varied enough to try the portal, the same on every machine."""

from __future__ import annotations

import datetime as dt
import re

from chalicelib.domain.identifiers import normalize_inn
from chalicelib.domain.specialties import is_known_specialty
from nmo_cli.demo_data import (
    DEMO_ELEMENT_COUNT,
    DEMO_ORGANIZER_ORG,
    ORGANIZATIONS,
    generate_elements,
    moderation_queue,
)

TODAY = dt.date(2026, 11, 22)


def demo() -> list[dict]:
    return generate_elements(DEMO_ELEMENT_COUNT, today=TODAY)


def test_demo_catalog_has_at_least_300_elements_across_40_specialties():
    elements = demo()
    assert len(elements) >= 300
    specialties = {code for e in elements for code in e["specialties"]}
    assert len(specialties) >= 40
    assert all(is_known_specialty(code) for code in specialties)
    assert len({e["element_id"] for e in elements}) == len(elements)


def test_same_seed_and_day_give_the_same_catalog_and_a_bigger_n_extends_it():
    assert generate_elements(50, seed=7, today=TODAY) == generate_elements(50, seed=7, today=TODAY)
    assert generate_elements(80, seed=7, today=TODAY)[:50] == generate_elements(
        50, seed=7, today=TODAY
    )
    assert generate_elements(50, seed=8, today=TODAY) != generate_elements(50, seed=7, today=TODAY)


def test_hours_are_realistic_for_each_kind():
    elements = demo()
    kinds = {e["kind"] for e in elements}
    assert kinds == {"dpp_pk", "iom", "event"}
    for e in elements:
        if e["kind"] == "dpp_pk":
            assert 18 <= e["hours"] <= 144
        elif e["kind"] == "iom":
            assert 1 <= e["hours"] <= 6
        else:
            assert e["days"], e
            assert all(0 < d["hours"] <= 6 for d in e["days"])
            assert e["hours"] == sum(d["hours"] for d in e["days"])


def test_events_are_one_and_multi_day_in_person_and_online_past_and_upcoming():
    events = [e for e in demo() if e["kind"] == "event"]
    assert {len(e["days"]) for e in events} >= {1, 2}
    in_person = [e for e in events if e["format"] == "in_person"]
    online = [e for e in events if e["format"] == "online"]
    assert in_person and online
    assert all(e["city"] and e["address"] for e in in_person)
    assert all(e["url"].startswith("https://") and not e["address"] for e in online)
    assert any(e["starts_on"] < TODAY.isoformat() for e in events)
    assert any(e["starts_on"] > TODAY.isoformat() for e in events)
    for e in events:
        starts = dt.datetime.fromisoformat(e["days"][0]["starts_at"])
        assert starts.utcoffset() == dt.timedelta(hours=3)
        assert e["capacity"] > 0


def test_titles_are_russian_and_the_personas_specialties_have_upcoming_events():
    elements = demo()
    assert all(re.search("[А-Яа-яЁё]", e["title"]) for e in elements)
    for code in ("76", "219"):
        upcoming = [
            e
            for e in elements
            if code in e["specialties"]
            and e["kind"] == "event"
            and e["starts_on"] > TODAY.isoformat()
        ]
        assert upcoming, code


def test_demo_catalog_is_dated_around_the_given_day():
    later = dt.date(2027, 6, 1)
    moved = generate_elements(40, today=later)
    events = [e for e in moved if e["kind"] == "event"]
    assert all(
        later - dt.timedelta(days=160)
        <= dt.date.fromisoformat(e["starts_on"])
        <= later + dt.timedelta(days=210)
        for e in events
    )


def test_demo_organizations_have_valid_inn_and_the_queue_belongs_to_the_organizer():
    assert len({o.inn for o in ORGANIZATIONS}) == len(ORGANIZATIONS)
    for org in ORGANIZATIONS:
        assert normalize_inn(org.inn, kind="organization") == org.inn
    queue = moderation_queue(TODAY)
    assert {e["status"] for e in queue} == {"draft", "on_review", "rejected"}
    assert all(e["organizer_id"] == DEMO_ORGANIZER_ORG.org_id for e in queue)
    assert all(e["starts_on"] > TODAY.isoformat() for e in queue)
    rejected = [e for e in queue if e["status"] == "rejected"]
    assert all(e["rejection_reason"] for e in rejected)
