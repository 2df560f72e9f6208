"""The regional dashboard's rules (pure): what one cycle contributes to the counters, and how a
counter cell reads for a viewing month.

A cycle's status changes with time alone (the portfolio window opens, the document expires, the
pro-rata expectation grows past the hours earned) while nothing is written. So the counters do not
store statuses: they store the months in which each unmet cycle's status will change — the month
its portfolio window opens and the month it falls behind with the hours it has now
(`behind_from`: hours change only by a write, and the expectation only grows, so that day is
known at write time). No daily job is needed.

The dashboard counts by month, as it is laid out: a cell (specialty × month of expiry) gives each
status *for the viewing month* — as on the last day of that month, or on the day of expiry when
the document expires within it (`month_status`): whoever falls behind this month, or whose
window opens this month, is counted so from the 1st. Counting by day instead would make a cell
keep one counter per distinct day, and a cell of a big region would grow with its people (30
attributes at 30,000 specialists, 162 at 300,000, up to thousands: days of expiry × days of
falling behind).

Views are always of the current month, and months only pass. So a cell keeps, per window month,
four counters (unmet; of them, those with a month of falling behind; the hours missing by kind),
and one counter per month of falling behind that is still ahead: `behind = paced − ahead`. A
month of falling behind that has come is never read again: a write does not add it
(`Contribution.amounts` of the write's month), leaves it when it takes a cycle out, and removes
such counters of the last year from every cell it touches (`passed_behind_keys`). A cell of the
horizon so keeps at most 4 counters per window month (one, for a rule set's fixed window) and
one per month up to its window — about 17 — whatever the region's size. The cabinet and the
employer's staff list show each person's status for the day (`status_on`).
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
# Counter attributes (names are data: `<prefix><YYYYMM>`; see `Contribution.amounts`).
MET_KEY = "met"
WINDOW_PREFIX = "w_"  # unmet cycles, by the month their portfolio window opens
WINDOW_PACED_PREFIX = "wb_"  # of those, the ones that fall behind before it opens
BEHIND_PREFIX = "b_"  # unmet cycles, by the month they fall behind, while it is ahead
MISSING_DPP_PREFIX = "wd_"  # hours of ДПП ПК missing, by window month
MISSING_ANY_PREFIX = "wa_"  # hours of any kind missing, by window month
_PREFIXES = (
    WINDOW_PREFIX,
    WINDOW_PACED_PREFIX,
    BEHIND_PREFIX,
    MISSING_DPP_PREFIX,
    MISSING_ANY_PREFIX,
)


def month_of(day: dt.date) -> str:
    return day.strftime("%Y-%m")


def month_end(day: dt.date) -> dt.date:
    """The last day of `day`'s month: the day a viewing month's statuses are counted for."""
    return add_months(day.replace(day=1), 1) - dt.timedelta(days=1)


def _month_code(day: dt.date) -> str:
    """The month in a counter attribute's name: `YYYYMM` (sorts as the month does)."""
    return f"{day.year:04d}{day.month:02d}"


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

    def amounts(self, month: str) -> dict[str, float]:
        """The counter attributes this cycle adds to, or takes from, in a write of the month
        `month` (`YYYY-MM`; names are data: see `cell_view`). The month of falling behind
        counts only while it is ahead: every view from now on is of `month` or later."""
        if self.met:
            return {MET_KEY: 1}
        window = _month_code(self.window_opens)
        added = {
            WINDOW_PREFIX + window: 1.0,
            MISSING_DPP_PREFIX + window: self.missing_dpp_pk,
            MISSING_ANY_PREFIX + window: self.missing_any,
        }
        if self.behind_from is not None:
            added[WINDOW_PACED_PREFIX + window] = 1.0
            if month_of(self.behind_from) > month:
                added[BEHIND_PREFIX + _month_code(self.behind_from)] = 1.0
        return added

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


def passed_behind_keys(month: str, months: int = 12) -> list[str]:
    """The counters of falling behind in `month` and the `months - 1` before it: no view reads
    them any more, so a write removes them from the cells it touches (any left behind by a cell
    untouched for a year are not read either, and `nmo stats rebuild` drops them)."""
    first = dt.date.fromisoformat(f"{month}-01")
    return [BEHIND_PREFIX + _month_code(add_months(first, -i)) for i in range(months)]


def read_counters(attributes: Mapping[str, float], month: str) -> dict[str, float]:
    """A cell's counters as views of `month` and later read them: zeros and the months of
    falling behind that have come left out (a rebuild compares cells by this)."""
    until = month.replace("-", "")
    return {
        name: value
        for name, value in attributes.items()
        if value and not (name.startswith(BEHIND_PREFIX) and name[len(BEHIND_PREFIX) :] <= until)
    }


def month_status(item: Contribution, month: str) -> str:
    """The status a contribution is counted under for the viewing month `month` (`YYYY-MM`):
    `cycle_status` on the month's last day, or on the day of expiry if it falls within the
    month (`expired` once the month of expiry has passed)."""
    if item.met:
        return STATUS_MET
    if item.month < month:
        return STATUS_EXPIRED
    if month_of(item.window_opens) <= month:
        return STATUS_WINDOW_OPEN
    if item.behind_from is not None and month_of(item.behind_from) <= month:
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


def cell_view(attributes: Mapping[str, float], cell_month: str, month: str) -> CellView:
    """A stored counter cell of the month of expiry `cell_month`, read for the viewing month
    `month` (both `YYYY-MM`; never before a write it holds): counts by `month_status`, from the
    attributes `amounts` names. Names of another shape (cells written before a change of
    shape, until `nmo stats rebuild`) are not read."""
    view = CellView()
    view.counts[STATUS_MET] = int(attributes.get(MET_KEY, 0))
    until = month.replace("-", "")
    unmet = window = paced_ahead = behind_ahead = 0
    for name, value in attributes.items():
        prefix, _, code = name.partition("_")
        prefix += "_"
        if prefix not in _PREFIXES or len(code) != 6 or not code.isdigit():
            continue
        opened = code <= until
        if prefix == WINDOW_PREFIX:
            unmet += int(value)
            window += int(value) if opened else 0
        elif prefix == WINDOW_PACED_PREFIX:
            paced_ahead += 0 if opened else int(value)
        elif prefix == BEHIND_PREFIX:
            behind_ahead += 0 if opened else int(value)
        elif opened and prefix == MISSING_DPP_PREFIX:
            view.window_missing_dpp_pk += float(value)
        elif opened:
            view.window_missing_any += float(value)
    if cell_month < month:
        view.counts[STATUS_EXPIRED] = unmet
        view.window_missing_dpp_pk = view.window_missing_any = 0.0
        return view
    # Before its window, a cycle with a month of falling behind is behind unless that month is
    # still ahead.
    behind = paced_ahead - behind_ahead
    view.counts[STATUS_WINDOW_OPEN] = window
    view.counts[STATUS_BEHIND] = behind
    view.counts[STATUS_ON_TRACK] = unmet - window - behind
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
