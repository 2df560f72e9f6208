"""Repositories on in-process moto: catalog listings in step, sessions, audit, conditions."""

from __future__ import annotations

import datetime as dt

import pytest
from chalicelib.db import audit_repo, catalog_repo, people_repo
from chalicelib.db.connection import connection, ensure_bound
from chalicelib.db.models import CatalogElement, SnilsOwner, Specialist, SpecialtyListing
from chalicelib.db.transactions import Cancelled
from chalicelib.domain.catalog import catalog_sort_key
from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from tests.people import make_person, valid_snils

NOW = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.UTC)


def element(element_id: str = "pk-test000001", **overrides) -> CatalogElement:
    data = {
        "kind": "dpp_pk",
        "status": "published",
        "title": "Актуальные вопросы терапии",
        "specialties": ["76", "39"],
        "hours": 36,
        "starts_on": "2027-02-01",
        "ends_on": "2027-02-06",
        "format": "online",
        "organizer_id": "org-7604001017",
        "organizer_name": "Медицинский университет",
        "created_key": f"{NOW.isoformat()}#{element_id}",
        "created_at": NOW,
        "updated_at": NOW,
    }
    data.update(overrides)
    item = CatalogElement(element_id, **data)
    item.sort_key = catalog_sort_key(item.starts_on, element_id)
    return item


def listed(specialty: str) -> list[str]:
    return [x.element_id for x in SpecialtyListing.query(specialty)]


def test_published_element_is_listed_under_each_of_its_specialties(dynamodb):
    catalog_repo.save_element(element())
    assert listed("76") == ["pk-test000001"]
    assert listed("39") == ["pk-test000001"]
    assert listed("25") == []


def test_draft_is_not_listed_until_published(dynamodb):
    draft = element(status="draft")
    catalog_repo.save_element(draft)
    assert listed("76") == []
    published = element()
    catalog_repo.save_element(published, previous=draft)
    assert listed("76") == ["pk-test000001"]


def test_unpublishing_removes_every_listing(dynamodb):
    published = element()
    catalog_repo.save_element(published)
    cancelled = element(status="cancelled")
    catalog_repo.save_element(cancelled, previous=published)
    assert listed("76") == [] and listed("39") == []
    assert catalog_repo.get_element("pk-test000001").status == "cancelled"


def test_changed_specialties_and_dates_move_the_listings(dynamodb):
    published = element()
    catalog_repo.save_element(published)
    moved = element(specialties=["76", "25"], starts_on="2027-03-01", ends_on="2027-03-06")
    catalog_repo.save_element(moved, previous=published)
    assert listed("39") == []
    assert listed("25") == ["pk-test000001"]
    keys = [x.sort_key for x in SpecialtyListing.query("76")]
    assert keys == ["2027-03-01#pk-test000001"]


def test_listing_carries_what_the_catalog_page_shows(dynamodb):
    catalog_repo.save_element(element(city=None, title="Терапия: клинические рекомендации"))
    (row,) = SpecialtyListing.query("76")
    assert row.title == "Терапия: клинические рекомендации"
    assert int(row.hours) == 36
    assert row.organizer_name == "Медицинский университет"


def test_failed_condition_writes_neither_element_nor_listings(dynamodb):
    first = element()
    catalog_repo.save_element(first)
    stale = element(title="Другое название", specialties=["25"])
    with pytest.raises(Cancelled) as failure:
        catalog_repo.save_element(stale, previous=first, condition=CatalogElement.version == 99)
    # The failed condition is named (transactions.py reads the reasons by position).
    assert failure.value.failed == {"element"}
    assert catalog_repo.get_element("pk-test000001").title == "Актуальные вопросы терапии"
    assert listed("25") == []
    assert listed("76") == ["pk-test000001"]


def test_query_published_pages_through_a_specialty_in_date_order(dynamodb):
    for n in range(5):
        catalog_repo.save_element(
            element(f"pk-test00000{n}", starts_on=f"2027-0{n + 1}-01", ends_on=None)
        )
    seen, cursor = [], None
    while True:
        items, last = catalog_repo.query_published(
            specialty="76", kind=None, date_from=None, date_to=None, limit=2, cursor=cursor
        )
        seen += [i.starts_on for i in items]
        if not last:
            break
        cursor = catalog_repo.decode_cursor(catalog_repo.encode_cursor(last), specialty="76")
    assert seen == [f"2027-0{n}-01" for n in range(1, 6)]


def test_query_published_without_specialty_uses_the_status_index(dynamodb):
    catalog_repo.save_element(element("pk-a", starts_on="2027-01-10"))
    catalog_repo.save_element(element("pk-b", starts_on="2027-05-10", status="draft"))
    catalog_repo.save_element(element("pk-c", starts_on="2027-06-10"))
    items, _ = catalog_repo.query_published(
        specialty=None, kind=None, date_from="2027-02-01", date_to=None, limit=10, cursor=None
    )
    assert [i.element_id for i in items] == ["pk-c"]


def test_sessions_keep_only_the_newest_and_logout_removes_one(dynamodb):
    make_person("2000000001")
    for n in range(4):
        people_repo.add_session("2000000001", f"sid-{n}", keep=3)
    assert people_repo.get_specialist("2000000001").session_ids == ["sid-1", "sid-2", "sid-3"]
    people_repo.remove_session("2000000001", "sid-2")
    assert people_repo.get_specialist("2000000001").session_ids == ["sid-1", "sid-3"]
    people_repo.remove_session("2000000001", "sid-unknown")
    people_repo.remove_session("2999999999", "sid-1")  # unknown person: nothing to do
    assert people_repo.get_specialist("2000000001").session_ids == ["sid-1", "sid-3"]


def test_audit_history_is_per_subject_newest_first(dynamodb):
    audit_repo.append("person#1", "admin-cli", "role.grant.moderator", None, {"roles": ["a"]})
    audit_repo.append("person#1", "admin-cli", "role.revoke.moderator", {"roles": ["a"]}, None)
    audit_repo.append("person#2", "admin-cli", "role.grant.admin")
    entries = audit_repo.history("person#1")
    assert [e.action for e in entries] == ["role.revoke.moderator", "role.grant.moderator"]
    assert entries[0].before == {"roles": ["a"]}
    oldest_first = audit_repo.history("person#1", newest_first=False, limit=1)
    assert [e.action for e in oldest_first] == ["role.grant.moderator"]


def test_audit_entry_is_written_only_if_its_transaction_commits(dynamodb):
    make_person("2000000002")
    ensure_bound()
    with pytest.raises(TransactWriteError):
        with TransactWrite(connection=connection()) as tx:
            tx.update(
                Specialist(oid="2000000002"),
                actions=[Specialist.roles.set(["specialist", "admin"])],
                condition=Specialist.version == 42,
            )
            tx.save(audit_repo.new_entry("person#2000000002", "admin-cli", "role.grant.admin"))
    assert audit_repo.history("person#2000000002") == []
    assert people_repo.get_specialist("2000000002").roles == ["specialist"]


def test_one_snils_cannot_be_owned_twice(dynamodb):
    snils = valid_snils(4242)
    SnilsOwner(snils=snils, oid="2000000003").save(condition=SnilsOwner.snils.does_not_exist())
    with pytest.raises(PutError):
        SnilsOwner(snils=snils, oid="2000000004").save(condition=SnilsOwner.snils.does_not_exist())
    assert SnilsOwner.get(snils).oid == "2000000003"


def test_unknown_ids_read_as_none(dynamodb):
    assert catalog_repo.get_element("pk-nope") is None
    assert people_repo.get_specialist("2999999998") is None
    assert people_repo.get_organization("org-0000000000") is None
