"""Secondary suppression of the ministry's tables: no count of 1–4 people can be read off a
published total by subtracting the visible cells of its row or column."""

from __future__ import annotations

from collections.abc import Hashable, Mapping

from chalicelib.domain.dashboard import SMALL_CELL, TOTAL, Position, suppressed
from hypothesis import given, settings
from hypothesis import strategies as st


def _table(rows: list[list[int]]) -> tuple[list[int], list[int], dict[Position, int]]:
    names, months = list(range(len(rows))), list(range(len(rows[0]) if rows else 0))
    return names, months, {(r, c): n for r, line in enumerate(rows) for c, n in enumerate(line)}


def _all_values(
    names: list[Hashable], months: list[Hashable], value: Mapping[Position, int]
) -> dict[Position, int]:
    cells: dict[Position, int] = {}
    for r in [*names, TOTAL]:
        for c in [*months, TOTAL]:
            cells[(r, c)] = sum(
                value.get((rr, cc), 0)
                for rr in (names if r == TOTAL else [r])
                for cc in (months if c == TOTAL else [c])
            )
    return cells


def _lines(names: list[Hashable], months: list[Hashable]) -> list[list[Position]]:
    rows, columns = [*names, TOTAL], [*months, TOTAL]
    return [[(r, c) for c in columns] for r in rows] + [[(r, c) for r in rows] for c in columns]


def _recoverable(
    names: list[Hashable], months: list[Hashable], hidden: set[Position]
) -> list[list[Position]]:
    """Lines with exactly one hidden member: a total minus the visible cells gives it."""
    return [line for line in _lines(names, months) if sum(p in hidden for p in line) == 1]


def test_a_lone_small_cell_takes_the_smallest_visible_cell_of_its_row_and_column_with_it() -> None:
    names, months, value = _table([[3, 7, 20], [9, 8, 30], [40, 50, 60]])
    # 3 is small; its row then hides 7 and its column 9; 7's column and 9's row are left with
    # one hidden each, and both hide 8: a 2 × 2 block, every total still shown.
    assert suppressed(names, months, value) == {(0, 0), (0, 1), (1, 0), (1, 1)}


def test_a_table_with_no_small_cell_hides_nothing() -> None:
    names, months, value = _table([[5, 7], [9, 8]])
    assert suppressed(names, months, value) == set()


def test_two_small_cells_in_a_line_protect_each_other() -> None:
    names, months, value = _table([[2, 3, 20]])
    hidden = suppressed(names, months, value)
    # The row has two hidden cells; each column's total equals its single cell, so the column
    # totals of those two months are small too and hide with them.
    assert {(0, 0), (0, 1), (TOTAL, 0), (TOTAL, 1)} <= hidden
    assert (0, 2) not in hidden and (0, TOTAL) not in hidden
    assert not _recoverable(names, months, hidden)


def test_a_small_row_total_makes_another_row_total_hidden_so_the_grand_total_gives_nothing() -> (
    None
):
    names, months, value = _table([[1, 2], [10, 12], [30, 40]])
    hidden = suppressed(names, months, value)
    assert (0, TOTAL) in hidden  # 3 people: small
    assert (1, TOTAL) in hidden  # the next smallest row total, else grand − 22 − 70 = 3
    assert not _recoverable(names, months, hidden)


def test_zero_stays_visible_and_is_never_the_partner() -> None:
    names, months, value = _table([[4, 0, 0, 6], [0, 0, 0, 9]])
    hidden = suppressed(names, months, value)
    assert not any(value.get(p, 0) == 0 and p in value for p in hidden)
    assert (0, 3) in hidden  # 6 is the smallest non-zero partner of 4 in its row
    assert not _recoverable(names, months, hidden)


def test_pinned_totals_keep_their_state_and_the_drill_down_is_still_protected() -> None:
    # The drill-down's totals row is the parent's row, where month 1 (value 9) was hidden.
    names, months, value = _table([[2, 5, 12], [6, 4, 30]])
    pinned = {(TOTAL, 0): False, (TOTAL, 1): True, (TOTAL, 2): True, (TOTAL, TOTAL): False}
    hidden = suppressed(names, months, value, pinned)
    assert {p for p in pinned if p in hidden} == {(TOTAL, 1), (TOTAL, 2)}
    assert not _recoverable(names, months, hidden)


tables = st.integers(min_value=1, max_value=5).flatmap(
    lambda width: st.lists(
        st.lists(
            st.one_of(st.just(0), st.integers(1, 4), st.integers(5, 60)),
            min_size=width,
            max_size=width,
        ),
        min_size=1,
        max_size=6,
    )
)


@settings(max_examples=300, deadline=None)
@given(tables)
def test_no_hidden_count_can_be_recovered_from_a_total_of_its_line(rows: list[list[int]]) -> None:
    names, months, value = _table(rows)
    hidden = suppressed(names, months, value)
    every = _all_values(names, months, value)
    # Every small count is hidden; no zero is.
    assert {p for p, n in every.items() if 0 < n < SMALL_CELL} <= hidden
    assert all(every[p] > 0 for p in hidden)
    # Each line with its published total has none or at least two hidden members (a hidden
    # total counts: then the line's cells sum to nothing published).
    assert not _recoverable(names, months, hidden)


@settings(max_examples=1000, deadline=None)
@given(tables, tables)
def test_a_drill_down_shows_its_totals_row_exactly_as_the_parent_table_shows_that_row(
    inner: list[list[int]], others: list[list[int]]
) -> None:
    names, months, value = _table(inner)
    width = len(months)
    margin = [sum(value.get((r, c), 0) for r in names) for c in months]
    # The parent: this organization (row "x") beside others, same months.
    parent_rows = ["x", *range(len(others))]
    parent_value = {("x", c): n for c, n in enumerate(margin)} | {
        (r, c): (line + [0] * width)[c] for r, line in enumerate(others) for c in months
    }
    parent = suppressed(parent_rows, months, parent_value)
    assert not _recoverable(parent_rows, months, parent)
    pinned = {(TOTAL, c): ("x", c) in parent for c in [*months, TOTAL]}
    hidden = suppressed(names, months, value, pinned)
    assert {(TOTAL, c) for c in [*months, TOTAL] if (TOTAL, c) in hidden} == {
        (TOTAL, c) for c in [*months, TOTAL] if pinned[(TOTAL, c)]
    }
    every = _all_values(names, months, value)
    assert {p for p, n in every.items() if 0 < n < SMALL_CELL} <= hidden
    assert not _recoverable(names, months, hidden)
