"""The dashboard derives a cycle's status for any viewing date from dates stored at write time:
it must say exactly what `cycle_status` says on that date."""

from __future__ import annotations

import datetime as dt
from typing import Any

from chalicelib.db.dashboard_repo import moves_between, steps
from chalicelib.db.transactions import MAX_ACTIONS
from chalicelib.domain.cycles import Admission, cycle_for, cycle_status, standing
from chalicelib.domain.dashboard import (
    Contribution,
    behind_from,
    cell_view,
    contribution,
    horizon,
    shown,
    status_on,
)
from chalicelib.domain.rules import rule_book
from hypothesis import given
from hypothesis import strategies as st

admitted = st.dates(min_value=dt.date(2018, 1, 1), max_value=dt.date(2026, 12, 31))
hours = st.integers(min_value=0, max_value=160).map(lambda h: h / 2)
viewing = st.dates(min_value=dt.date(2018, 1, 1), max_value=dt.date(2033, 12, 31))


@given(admitted, hours, hours, viewing)
def test_stored_dates_give_the_status_cycle_status_gives_on_any_day(
    admitted_on: dt.date, dpp: float, other: float, day: dt.date
) -> None:
    cycle = cycle_for(Admission("76", admitted_on), rule_book())
    now = standing(cycle.rule_set, dpp, other)
    item = contribution(cycle, now)
    assert status_on(item, day) == cycle_status(cycle, now, day)
    # And through the encoded form a counter cell stores.
    view = cell_view(item.amounts(), day)
    assert view.counts[cycle_status(cycle, now, day)] == 1
    assert Contribution.decode(item.encode()) == item


def test_a_cycle_with_no_hours_falls_behind_when_the_expectation_reaches_one_hour() -> None:
    cycle = cycle_for(Admission("76", dt.date(2024, 1, 10)), rule_book())
    now = standing(cycle.rule_set, 0, 0)
    day = behind_from(cycle, now)
    assert day is not None
    assert cycle_status(cycle, now, day) == "behind"
    assert cycle_status(cycle, now, day - dt.timedelta(days=1)) == "on_track"


def test_a_met_cycle_is_never_behind() -> None:
    cycle = cycle_for(Admission("76", dt.date(2024, 1, 10)), rule_book())
    assert behind_from(cycle, standing(cycle.rule_set, 144, 0)) is None


def test_the_horizon_is_24_months_from_this_month() -> None:
    months = horizon(dt.date(2026, 12, 1))
    assert months[0] == "2026-12" and months[-1] == "2028-11" and len(months) == 24


def test_small_counts_are_hidden() -> None:
    assert [shown(n) for n in (0, 1, 4, 5, 12)] == [0, "<5", "<5", 5, 12]


contributions = st.builds(
    lambda spec, day, met: contribution(
        cycle_for(Admission(spec, day), rule_book()),
        standing(cycle_for(Admission(spec, day), rule_book()).rule_set, 144 if met else 10, 0),
    ),
    st.sampled_from(["76", "49", "2", "39", "25"]),
    admitted,
    st.booleans(),
)
placements = st.builds(
    lambda orgs, items: __import__(
        "chalicelib.db.dashboard_repo", fromlist=["Placement"]
    ).Placement(sorted(orgs), items),
    st.lists(st.sampled_from(["org-1", "org-2", "org-3"]), max_size=2, unique=True),
    st.lists(contributions, max_size=5, unique_by=lambda c: c.specialty),
)


@given(placements, placements)
def test_a_large_change_is_split_into_steps_that_each_fit_one_transaction(
    old: Any, new: Any
) -> None:
    path = steps(old, new, MAX_ACTIONS)
    assert path[-1] is new
    start = old
    total: dict[Any, dict[str, float]] = {}
    for step in path:
        moves = moves_between(start, step)
        assert len(moves) + 1 <= MAX_ACTIONS
        for target, amounts in moves.items():
            cell = total.setdefault(target, {})
            for name, v in amounts.items():
                cell[name] = round(cell.get(name, 0.0) + v, 2)
        start = step
    # The steps together move exactly what the whole change moves.
    clean = {t: {k: v for k, v in a.items() if v} for t, a in total.items()}
    assert {t: a for t, a in clean.items() if a} == moves_between(old, new)
