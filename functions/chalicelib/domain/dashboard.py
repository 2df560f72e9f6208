"""The regional dashboard's rules (pure): what one cycle contributes to the counters, and how a
counter cell reads on a viewing date.

A cycle's status changes with time alone (the portfolio window opens, the document expires, the
pro-rata expectation grows past the hours earned) while nothing is written. So the counters do not
store statuses: they store, per cell (specialty × month of expiry), how many unmet cycles share
the same three dates — expiry, window opening, and `behind_from`, the first day the cycle falls
behind its pro-rata expectation with the hours it has now. Hours change only by a write, and the
expectation only grows, so that day is known at write time. The view then derives each status
for the viewing date with the same order of tests as `cycles.cycle_status`, and no daily job is
needed. A cell holds at most (days of the month × distinct `behind_from` days) keys: bounded by
the calendar and the rule set, not by the number of people.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .cycles import (
    STATUS_BEHIND,
    STATUS_EXPIRED,
    STATUS_MET,
    STATUS_ON_TRACK,
    STATUS_WINDOW_OPEN,
    Cycle,
    Standing,
    add_months,
    expected_by,
)

HORIZON_MONTHS = 24
SMALL_CELL = 5  # cells of fewer people are shown as «<5» to the ministry (re-identification)
SMALL_TEXT = "<5"
MET_KEY = "met"
UNMET_PREFIX = "u_"
MISSING_DPP_PREFIX = "md_"
MISSING_ANY_PREFIX = "ma_"
_NEVER = "x"


def _day(value: dt.date) -> str:
    return value.strftime("%Y%m%d")


def _parse_day(value: str) -> dt.date:
    return dt.datetime.strptime(value, "%Y%m%d").date()


def month_of(day: dt.date) -> str:
    return day.strftime("%Y-%m")


def horizon(today: dt.date, months: int = HORIZON_MONTHS) -> list[str]:
    """The months of expiry a view covers: this month and the next `months - 1`."""
    first = today.replace(day=1)
    return [month_of(add_months(first, i)) for i in range(months)]


def behind_from(cycle: Cycle, now: Standing) -> dt.date | None:
    """The first day this cycle is behind its pro-rata expectation with the hours it has now, or
    None when it never is before its portfolio window opens (from then on it is `window_open`).
    The expectation never decreases, so a binary search over the days finds it."""
    if now.met:
        return None
    low, high = cycle.starts, cycle.portfolio_window_opens - dt.timedelta(days=1)
    if high < low or expected_by(cycle, high).kept_by(now):
        return None
    while low < high:
        middle = low + (high - low) // 2
        if expected_by(cycle, middle).kept_by(now):
            low = middle + dt.timedelta(days=1)
        else:
            high = middle
    return low


@dataclass(frozen=True)
class Contribution:
    """What one cycle of one person adds to a counter cell."""

    specialty: str
    expires: dt.date
    window_opens: dt.date
    behind_from: dt.date | None
    met: bool
    missing_dpp_pk: float
    missing_any: float

    @property
    def month(self) -> str:
        return month_of(self.expires)

    @property
    def dates_key(self) -> str:
        return f"{_day(self.expires)}_{_day(self.window_opens)}"

    def amounts(self) -> dict[str, float]:
        """The counter attributes this cycle adds to (names are data: see `cell_view`)."""
        if self.met:
            return {MET_KEY: 1}
        behind = _day(self.behind_from) if self.behind_from else _NEVER
        return {
            f"{UNMET_PREFIX}{self.dates_key}_{behind}": 1,
            f"{MISSING_DPP_PREFIX}{self.dates_key}": self.missing_dpp_pk,
            f"{MISSING_ANY_PREFIX}{self.dates_key}": self.missing_any,
        }

    def encode(self) -> list[Any]:
        return [
            self.specialty,
            self.expires.isoformat(),
            self.window_opens.isoformat(),
            self.behind_from.isoformat() if self.behind_from else None,
            self.met,
            self.missing_dpp_pk,
            self.missing_any,
        ]

    @classmethod
    def decode(cls, raw: list[Any]) -> Contribution:
        specialty, expires, window, behind, met, dpp, other = raw
        return cls(
            str(specialty),
            dt.date.fromisoformat(expires),
            dt.date.fromisoformat(window),
            dt.date.fromisoformat(behind) if behind else None,
            bool(met),
            float(dpp),
            float(other),
        )


def contribution(cycle: Cycle, now: Standing) -> Contribution:
    return Contribution(
        cycle.specialty,
        cycle.expires,
        cycle.portfolio_window_opens,
        behind_from(cycle, now),
        now.met,
        round(now.missing_dpp_pk, 2),
        round(now.missing_any, 2),
    )


def status_on(item: Contribution, day: dt.date) -> str:
    """The status a contribution stands for on `day`: the order of `cycles.cycle_status`."""
    if item.met:
        return STATUS_MET
    if day > item.expires:
        return STATUS_EXPIRED
    if day >= item.window_opens:
        return STATUS_WINDOW_OPEN
    if item.behind_from is not None and day >= item.behind_from:
        return STATUS_BEHIND
    return STATUS_ON_TRACK


# --- reading cells ---------------------------------------------------------------------------


@dataclass
class CellView:
    """One cell on a viewing date: counts by status and the hours missing where the window is
    open (by kind: ДПП ПК, and any kind beyond that)."""

    counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(
            (STATUS_MET, STATUS_ON_TRACK, STATUS_BEHIND, STATUS_WINDOW_OPEN, STATUS_EXPIRED), 0
        )
    )
    window_missing_dpp_pk: float = 0.0
    window_missing_any: float = 0.0

    @property
    def specialists(self) -> int:
        return sum(self.counts.values())

    def merge(self, other: CellView) -> None:
        for status, n in other.counts.items():
            self.counts[status] += n
        self.window_missing_dpp_pk += other.window_missing_dpp_pk
        self.window_missing_any += other.window_missing_any


def cell_view(attributes: Mapping[str, float], day: dt.date) -> CellView:
    """Counts of a stored counter cell on `day` (attributes as numbers, names as `amounts`)."""
    view = CellView()
    window_keys: set[str] = set()
    for name, value in attributes.items():
        n = int(value)
        if name == MET_KEY:
            view.counts[STATUS_MET] += n
        elif name.startswith(UNMET_PREFIX) and n:
            expires, window, behind = name[len(UNMET_PREFIX) :].split("_")
            item = Contribution(
                "",
                _parse_day(expires),
                _parse_day(window),
                None if behind == _NEVER else _parse_day(behind),
                False,
                0.0,
                0.0,
            )
            status = status_on(item, day)
            view.counts[status] += n
            if status == STATUS_WINDOW_OPEN:
                window_keys.add(f"{expires}_{window}")
    for key in window_keys:
        view.window_missing_dpp_pk += float(attributes.get(MISSING_DPP_PREFIX + key, 0))
        view.window_missing_any += float(attributes.get(MISSING_ANY_PREFIX + key, 0))
    return view


def shown(n: int, hidden: bool = False) -> int | str:
    """A count as the ministry sees it: fewer than 5 people (but some), or a count hidden so that
    such a one cannot be computed from the totals (`suppressed`), become «<5»."""
    return SMALL_TEXT if hidden or 0 < n < SMALL_CELL else n


# --- secondary suppression -------------------------------------------------------------------

TOTAL = "total"  # the label of the totals row and of the totals column in `suppressed`
Position = tuple[Hashable, Hashable]


def suppressed(
    rows: Sequence[Hashable],
    columns: Sequence[Hashable],
    value: Mapping[Position, int],
    fixed: Mapping[Position, bool] | None = None,
) -> set[Position]:
    """Which cells of a published table to show as «<5»: the table `rows` × `columns` (missing
    cells are 0) with its row totals (column `TOTAL`), column totals (row `TOTAL`) and the grand
    total `(TOTAL, TOTAL)`, all published.

    Every cell of 1–4 is hidden (primary). A total is the sum of its line, so a line (a row with
    its total, a column with its total, the totals row with the grand total, the totals column
    with the grand total) with exactly one hidden member gives that member away by subtraction;
    such a line also hides its smallest non-zero visible member (secondary), repeated until every
    line has none or at least two hidden. Such a member always exists: the one hidden member is
    non-zero, so either the total or another cell is.

    Zero stays visible, and in a table of its own is never picked (a non-zero member is always
    there): a zero says only that nobody is in the cell, hiding it protects nobody the non-zero
    partner would not, and it would only blur the table. A hidden cell that is not small shows
    «<5» too: a different mark would tell which hidden cell of a line is the big one and so
    narrow the small one.

    `fixed` pins members another published table already shows or hides (a drill-down's totals
    row is the parent table's row): they keep that state. Then a pick that would leave another
    line fixable only through a pinned member is avoided, and where the pins leave nothing else
    a zero is hidden: the one case a zero is worth hiding, since the pinned total minus the
    visible zeros would give the hidden cell.
    """
    fixed = fixed or {}
    all_rows, all_columns = [*rows, TOTAL], [*columns, TOTAL]
    cells: dict[Position, int] = {}
    for r in rows:
        for c in columns:
            n = int(value.get((r, c), 0))
            cells[(r, c)] = n
            cells[(r, TOTAL)] = cells.get((r, TOTAL), 0) + n
            cells[(TOTAL, c)] = cells.get((TOTAL, c), 0) + n
            cells[(TOTAL, TOTAL)] = cells.get((TOTAL, TOTAL), 0) + n
    for r in all_rows:
        for c in all_columns:
            cells.setdefault((r, c), 0)
    lines = [[(r, c) for c in all_columns] for r in all_rows] + [
        [(r, c) for r in all_rows] for c in all_columns
    ]
    lines_of: dict[Position, list[list[Position]]] = {}
    for line in lines:
        for member in line:
            lines_of.setdefault(member, []).append(line)
    hidden = {p for p, n in cells.items() if 0 < n < SMALL_CELL or fixed.get(p)}
    order = {p: i for i, p in enumerate(cells)}

    def free(p: Position) -> bool:
        return p not in hidden and p not in fixed

    def can_follow(p: Position, line: list[Position]) -> bool:
        """Hiding `p` leaves each of its other lines fixable without a pinned member."""
        for other in lines_of[p]:
            if other is line or any(q in hidden for q in other):
                continue
            if not any(free(q) for q in other if q != p):
                return False
        return True

    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(1 for p in line if p in hidden) != 1:
                continue
            options = [p for p in line if free(p)]
            if not options:
                continue  # only where `fixed` contradicts this table's own numbers
            pick = min(
                options,
                key=lambda p: (
                    not can_follow(p, line),
                    cells[p] == 0,
                    cells[p],
                    TOTAL in (p[0], p[1]),
                    order[p],
                ),
            )
            hidden.add(pick)
            changed = True
    return hidden
