"""The dashboard counters kept on write agree with `nmo stats rebuild` (a recount from the records)
after any sequence of credit writes, corrections, specialty changes, staff-list changes and
sharing switches, and the views read from them agree with each person's own cycle statuses."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from chalicelib.db import connection, credits_repo, dashboard_repo
from chalicelib.db.models import CreditRecord, Organization, Specialist
from chalicelib.domain.cycles import progress
from chalicelib.services import (
    cabinet,
    credits,
    dashboard,
    dashboard_counters,
    sharing,
    staff_list,
    stats_rebuild,
)
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st
from moto import mock_aws

from tests.people import make_person, valid_snils

TODAY = dt.date(2026, 12, 1)
MONTH_END = dt.date(2026, 12, 31)
ORGS = ("org-7707083893", "org-7728168971")
PEOPLE = ("2000000001", "2000000002", "2000000003")
SPECIALTIES = ("76", "49", "2")

credit_op = st.tuples(
    st.just("credit"),
    st.sampled_from(PEOPLE),
    st.sampled_from(["dpp_pk", "iom", "event"]),
    st.sampled_from([6, 18, 36, 72, 144]),
    st.integers(min_value=0, max_value=2400),  # days after 2020-01-01
    st.sampled_from(SPECIALTIES),
)
correct_op = st.tuples(st.just("correct"), st.sampled_from(PEOPLE), st.booleans())
specialty_op = st.tuples(
    st.just("specialties"),
    st.sampled_from(PEOPLE),
    st.lists(st.sampled_from(SPECIALTIES), min_size=1, max_size=2, unique=True),
    st.integers(min_value=0, max_value=2000),
)
staff_op = st.tuples(
    st.just("staff"), st.sampled_from(ORGS), st.lists(st.sampled_from(PEOPLE), unique=True)
)
sharing_op = st.tuples(st.just("sharing"), st.sampled_from(PEOPLE), st.booleans())
operations = st.lists(
    st.one_of(credit_op, correct_op, specialty_op, staff_op, sharing_op), max_size=14
)


def _setup() -> dict[str, Specialist]:
    connection.create_tables()
    now = dt.datetime.now(dt.UTC)
    for org in ORGS:
        Organization(org_id=org, name=f"Больница {org[-4:]}", created_at=now).save()
    people = {
        oid: make_person(oid, specialties=[("76", "2022-03-15")], snils=valid_snils(i + 1))
        for i, oid in enumerate(PEOPLE)
    }
    for person in people.values():
        # Written straight into storage, like people from before the dashboard: placed once.
        dashboard_counters.sync(person)
    return people


def _apply(op: tuple[Any, ...], people: dict[str, Specialist], n: int) -> None:
    kind = op[0]
    if kind == "credit":
        _, oid, credit_kind, hours, offset, specialty = op
        day = (dt.date(2020, 1, 1) + dt.timedelta(days=offset)).isoformat()
        record = CreditRecord(
            oid=oid,
            record_id=credits_repo.new_record_id(day, f"t{n}"),
            kind=credit_kind,
            title="Элемент",
            hours=hours,
            completed_on=day,
            specialty=specialty,
            source="provider_import",
            created_at=dt.datetime.now(dt.UTC),
        )
        credits.write_credit(Specialist.get(oid), record, actor="test", action="credit_imported")
    elif kind == "correct":
        _, oid, delete = op
        first = next(iter(CreditRecord.query(oid, limit=1)), None)
        if first is not None:
            credits.correct_credit(
                Specialist.get(oid),
                first.record_id,
                hours=None if delete else 1,
                delete=delete,
                reason="т",
            )
    elif kind == "specialties":
        _, oid, codes, offset = op
        admitted = (dt.date(2020, 1, 1) + dt.timedelta(days=offset)).isoformat()
        person = Specialist.get(oid)
        cabinet.update_specialties(
            person,
            {
                "education_level": "higher",
                "specialties": [{"code": c, "admitted_on": admitted} for c in codes],
                "version": person.version,
            },
        )
    elif kind == "staff":
        _, org, oids = op
        cells = [["СНИЛС"], *[[people[o].snils] for o in oids]]
        report = staff_list.upload(org, cells, apply=True, actor="test")
        assert not report.errors
    elif kind == "sharing":
        _, oid, value = op
        sharing.set_sharing(Specialist.get(oid), {"shares_with_employer": value})


@settings(
    max_examples=10,
    # Each example starts fresh tables in moto: shrinking would take minutes; the failing
    # operations are printed instead (note).
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations)
def test_counters_kept_on_write_agree_with_a_rebuild_from_records(
    settings_env: None, ops: list[tuple[Any, ...]]
) -> None:
    with mock_aws():
        connection.unbind()
        people = _setup()
        for n, op in enumerate(ops):
            note(f"{n}: {op}")
            _apply(op, people, n)
        assert stats_rebuild.rebuild(write=False).differences == []
        # And a rebuild that writes leaves the counters as they were.
        before = stats_rebuild.stored_cells()
        stats_rebuild.rebuild(write=True)
        assert stats_rebuild.stored_cells() == before


def test_the_region_view_counts_what_each_persons_cycles_say(dynamodb: None) -> None:
    people = _setup()
    ops: list[tuple[Any, ...]] = [
        ("specialties", PEOPLE[0], ["76"], 30),  # expires early 2025: outside the horizon
        ("specialties", PEOPLE[1], ["49"], 700),  # expires late 2026: window open
        ("specialties", PEOPLE[2], ["76", "2"], 1500),  # 2029: behind or on track
        ("credit", PEOPLE[1], "dpp_pk", 72, 900, "49"),
        ("credit", PEOPLE[2], "dpp_pk", 36, 1600, "76"),
        ("staff", ORGS[0], [PEOPLE[1], PEOPLE[2]]),
    ]
    for n, op in enumerate(ops):
        _apply(op, people, n)
    by_hand = Counter()
    months = set(_horizon())
    for person in Specialist.scan():
        cycles = credits.person_cycles(person)
        tallies = credits.tallies_of(cycles, credits_repo.totals(person.oid))
        for cycle in cycles:
            # The dashboard counts for the month: the status on its last day (or on the day
            # of expiry within it).
            view = progress(cycle, tallies[cycle.specialty], min(MONTH_END, cycle.expires))
            if view["expires"][:7] in months:
                by_hand[(cycle.specialty, view["expires"][:7], view["status"])] += 1
    region = dashboard.region_view(TODAY)
    seen = Counter()
    for row in region["specialties"]:
        for month, cell in row["months"].items():
            for status in ("met", "behind", "window_open"):
                value = cell[status]
                if value:
                    # every cell here is below 5 people: shown as «<5», never the number
                    assert value == "<5"
                    seen[(row["id"], month, status)] += 1
    assert set(seen) == {k for k, v in by_hand.items() if k[2] in ("met", "behind", "window_open")}
    assert stats_rebuild.rebuild(write=False).differences == []
    # the employer's view: the two listed, sharing by default
    staff = staff_list.staff_view(ORGS[0], TODAY)
    assert {r["state"] for r in staff["items"]} == {"shared"}
    assert dashboard_repo.placement_of(PEOPLE[1]).orgs == [ORGS[0]]


def _horizon() -> list[str]:
    from chalicelib.domain.dashboard import horizon

    return horizon(TODAY)


@pytest.fixture(autouse=True)
def _fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    """Views read `today_msk`; the counters themselves never depend on the date."""
    monkeypatch.setattr("chalicelib.services.dashboard.today_msk", lambda: TODAY)
    monkeypatch.setattr("chalicelib.services.staff_list.today_msk", lambda: TODAY)
