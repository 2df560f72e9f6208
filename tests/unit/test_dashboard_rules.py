"""The dashboard derives a cycle's status for any viewing date from dates stored at write time:
it must say exactly what `cycle_status` says on that date."""

from __future__ import annotations

import datetime as dt
from collections import Counter
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
    month_end,
    month_of,
    month_status,
    passed_behind_keys,
    read_counters,
    shown,
    status_on,
)
from chalicelib.domain.rules import rule_book
from hypothesis import given
from hypothesis import strategies as st

admitted = st.dates(min_value=dt.date(2018, 1, 1), max_value=dt.date(2026, 12, 31))
hours = st.integers(min_value=0, max_value=160).map(lambda h: h / 2)
viewing = st.dates(min_value=dt.date(2018, 1, 1), max_value=dt.date(2033, 12, 31))
# How long before the view the counters were written (views are of the month of the last write
# or later).
earlier = st.integers(min_value=0, max_value=6 * 366).map(lambda d: dt.timedelta(days=d))


@given(admitted, hours, hours, viewing)
def test_stored_dates_give_the_status_cycle_status_gives_on_any_day(
    admitted_on: dt.date, dpp: float, other: float, day: dt.date
) -> None:
    cycle = cycle_for(Admission("76", admitted_on), rule_book())
    now = standing(cycle.rule_set, dpp, other)
    item = contribution(cycle, now)
    assert status_on(item, day) == cycle_status(cycle, now, day)
    assert Contribution.decode(item.encode()) == item


@given(admitted, hours, hours, viewing, earlier)
def test_a_cell_counts_the_status_on_the_last_day_of_the_viewing_month(
    admitted_on: dt.date, dpp: float, other: float, day: dt.date, before: dt.timedelta
) -> None:
    """The dashboard's month: `cycle_status` on the month's last day, or on the day of expiry
    when it falls within the month; `expired` once the month of expiry is over."""
    cycle = cycle_for(Admission("76", admitted_on), rule_book())
    now = standing(cycle.rule_set, dpp, other)
    item = contribution(cycle, now)
    month = month_of(day)
    if month_of(cycle.expires) < month:
        expected = "met" if now.met else "expired"
    else:
        expected = cycle_status(cycle, now, min(month_end(day), cycle.expires))
    assert month_status(item, month) == expected
    # And through the counters a cell stores.
    view = cell_view(item.amounts(month_of(day - before)), item.month, month)
    assert view.counts[expected] == 1 and view.specialists == 1
    open_window = expected == "window_open"
    assert view.window_missing_dpp_pk == (item.missing_dpp_pk if open_window else 0)
    assert view.window_missing_any == (item.missing_any if open_window else 0)


# A cycle written in one month and, maybe, taken out in a later one (its hours changed).
lives = st.lists(
    st.tuples(admitted, hours, hours, earlier, st.none() | earlier), min_size=1, max_size=30
)


@given(lives, viewing)
def test_a_cell_written_over_the_months_counts_what_is_in_it_on_the_view(
    people: list[tuple[dt.date, float, float, dt.timedelta, dt.timedelta | None]], day: dt.date
) -> None:
    """Writes in the months before the view add cycles and take some out, as `add_moves` does
    (each with the amounts of its month, each shedding the passed months of falling behind):
    the view counts exactly the cycles still in, whatever the order of months."""
    month = month_of(day)
    writes: list[tuple[dt.date, int, Any]] = []
    for admitted_on, dpp, other, added_before, removed_before in people:
        cycle = cycle_for(Admission("76", admitted_on), rule_book())
        item = contribution(cycle, standing(cycle.rule_set, dpp, other))
        added = day - added_before
        writes.append((added, 1, item))
        if removed_before is not None and removed_before <= added_before:
            writes.append((day - removed_before, -1, item))
    cells: dict[str, dict[str, float]] = {}
    expected: dict[str, Counter[str]] = {}
    for written, sign, item in sorted(writes, key=lambda w: (w[0], -w[1])):
        cell = cells.setdefault(item.month, {})
        for name, amount in item.amounts(month_of(written)).items():
            cell[name] = cell.get(name, 0.0) + sign * amount
        for name in passed_behind_keys(month_of(written)):
            cell.pop(name, None)
        expected.setdefault(item.month, Counter())[month_status(item, month)] += sign
    for cell_month, cell in cells.items():
        counts = cell_view(cell, cell_month, month).counts
        assert {s: n for s, n in counts.items() if n} == {
            s: n for s, n in expected[cell_month].items() if n
        }
        assert all(value >= 0 for value in read_counters(cell, month).values())


def test_a_cell_keeps_a_few_counters_whatever_the_number_of_people() -> None:
    """The shape is bounded by the calendar: 4 counters per window month and one per month of
    falling behind still ahead of the write (at most the months up to the window), not one per
    person or per day."""
    for written in ("2023-06", "2026-12"):
        cell: dict[str, float] = {}
        for n in range(3000):
            admitted_on = dt.date(2022, 3, 1) + dt.timedelta(days=n % 31)
            cycle = cycle_for(Admission("76", admitted_on), rule_book())
            item = contribution(cycle, standing(cycle.rule_set, (n * 7) % 140, (n * 3) % 40))
            for name in item.amounts(written):
                cell[name] = cell.get(name, 0.0) + 1
        ahead = [n for n in cell if n.startswith("b_")]
        # Months still ahead of the write and before the window (March 2026) opens.
        assert all("b_" + written.replace("-", "") < n < "b_202603" for n in ahead)
        assert len(cell) <= 1 + 4 + 33
    assert len(cell) <= 1 + 4  # the window has opened: nothing of falling behind is ahead


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
