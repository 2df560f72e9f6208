"""The stored aggregates always agree with a recount of the records, whatever happened in between."""

from __future__ import annotations

import datetime as dt
import random

from chalicelib.db import connection, credits_repo
from chalicelib.db.models import CreditRecord, Specialist
from chalicelib.services import cabinet, credits

from tests.cycles_support import recount, stored
from tests.people import make_person

TODAY = dt.date(2026, 11, 22)


def _recount(person: Specialist) -> list[dict]:
    return recount(person, TODAY)


def _stored(person: Specialist) -> list[dict]:
    return stored(person, TODAY)


def test_aggregates_match_a_recount_after_writes_corrections_and_a_moved_cycle(
    dynamodb: None,
) -> None:
    rng = random.Random(5)
    person = make_person("1000000061", specialties=[("76", "2022-03-15"), ("49", "2021-01-10")])
    ids = []
    for i in range(40):
        day = dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(0, 7 * 365))
        record = CreditRecord(
            oid=person.oid,
            record_id=credits_repo.new_record_id(day.isoformat()),
            kind=rng.choice(["dpp_pk", "iom", "event"]),
            title=f"Элемент {i}",
            hours=rng.choice([2, 6, 18, 36]),
            completed_on=day.isoformat(),
            specialty=rng.choice(["76", "49", "2"]),
            source="provider_import",
            created_at=dt.datetime.now(dt.UTC),
        )
        assert credits.write_credit(person, record, actor="test", action="credit_imported") is None
        ids.append(record.record_id)
    assert _stored(person) == _recount(person)

    credits.correct_credit(person, ids[0], hours=1, reason="тест")
    credits.correct_credit(person, ids[1], delete=True, reason="тест")
    credits.correct_credit(person, ids[2], completed_on="2024-02-29", specialty="49", reason="т")
    assert _stored(person) == _recount(person)

    cabinet.update_specialties(
        person,
        {
            "specialties": [
                {"code": "76", "admitted_on": "2023-07-01"},
                {"code": "2", "admitted_on": "2020-05-05"},
            ]
        },
    )
    fresh = Specialist.get(person.oid)
    assert _stored(fresh) == _recount(fresh)
    # And reading the cycles stays at two calls once the aggregates are current.
    connection.call_counter.clear()
    credits.cycles_view(fresh, TODAY)
    assert (
        sum(connection.call_counter.values()) == 1
    )  # the Query (the person came from the session)


def test_cycles_heal_themselves_when_specialties_changed_behind_the_cabinets_back(
    dynamodb: None,
) -> None:
    person = make_person("1000000062", specialties=[("76", "2022-03-15")])
    record = CreditRecord(
        oid=person.oid,
        record_id=credits_repo.new_record_id("2022-06-01"),
        kind="iom",
        title="Модуль",
        hours=4,
        completed_on="2022-06-01",
        specialty="76",
        source="provider_import",
        created_at=dt.datetime.now(dt.UTC),
    )
    credits.write_credit(person, record, actor="test", action="credit_imported")
    # Someone (an admin tool, a ФРМР sync) moves the admission date without a rebuild.
    person.update(actions=[Specialist.specialties[0].admitted_on.set("2022-07-01")])
    fresh = Specialist.get(person.oid)
    assert _stored(fresh) == _recount(fresh)
    assert _stored(fresh)[0]["earned"]["total"] == 0
