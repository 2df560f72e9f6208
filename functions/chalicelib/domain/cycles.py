"""Cycles of continuing education and progress in them (pure: no storage, no HTTP).

A person has one cycle per specialty, from the issue date of the admitting document, as long as
the rule set says (5 years). An element counts in a cycle by its completion date and only for its
own specialty. Hours are kept per cycle year and kind (`Tally`), which is also the shape of the
stored per-person aggregates, so the cabinet never reads individual records to draw progress.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .numbers import plain_number
from .rules import CREDIT_KINDS, DPP_PK, OTHER_KINDS, RuleBook, RuleSet

STATUS_MET = "requirements_met"
STATUS_ON_SCHEDULE = "on_schedule"
STATUS_BEHIND = "behind"
STATUS_TEXT = {
    STATUS_MET: "требования выполнены",
    STATUS_ON_SCHEDULE: "в графике",
    STATUS_BEHIND: "отстаёте",
}


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (or earlier), clamped to the month's end (29.02 → 28.02)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


@dataclass(frozen=True)
class Admission:
    """A specialty and the issue date of the document admitting the person to it."""

    specialty: str
    admitted_on: dt.date
    rule_set: str | None = None  # an explicit choice; else the default for the start date


@dataclass(frozen=True)
class Credit:
    kind: str
    hours: float
    completed_on: dt.date
    specialty: str


@dataclass(frozen=True)
class Cycle:
    specialty: str
    starts: dt.date
    expires: dt.date  # the admitting document's expiry: the day after the cycle's last day
    rule_set: RuleSet

    @property
    def ends(self) -> dt.date:
        return self.expires - dt.timedelta(days=1)

    @property
    def portfolio_window_opens(self) -> dt.date:
        return add_months(self.expires, -self.rule_set.portfolio_window_months)

    def year_bounds(self, year: int) -> tuple[dt.date, dt.date]:
        start = add_months(self.starts, 12 * (year - 1))
        return start, add_months(self.starts, 12 * year) - dt.timedelta(days=1)

    def year_of(self, day: dt.date) -> int | None:
        """The cycle year (1-based) a completion date falls in, None when outside the cycle."""
        if not self.starts <= day <= self.ends:
            return None
        year = day.year - self.starts.year + 1
        # Before this year's anniversary it still belongs to the previous cycle year.
        if day < add_months(self.starts, 12 * (year - 1)):
            year -= 1
        return year

    def counts(self, credit: Credit) -> int | None:
        """The cycle year a credit counts in, or None (other specialty, or outside the dates)."""
        if credit.specialty != self.specialty or credit.kind not in CREDIT_KINDS:
            return None
        return self.year_of(credit.completed_on)


def cycle_for(admission: Admission, book: RuleBook) -> Cycle:
    rule = book.get(admission.rule_set) if admission.rule_set else None
    if rule is None:
        rule = book.default_for(admission.admitted_on)
    expires = add_months(admission.admitted_on, 12 * rule.cycle_years)
    if not rule.applies_to_expiry(expires):
        rule = book.default_for(admission.admitted_on)
        expires = add_months(admission.admitted_on, 12 * rule.cycle_years)
    return Cycle(admission.specialty, admission.admitted_on, expires, rule)


def cycles_for(admissions: Iterable[Admission], book: RuleBook) -> list[Cycle]:
    return [cycle_for(a, book) for a in admissions]


def basis(cycles: Iterable[Cycle]) -> str:
    """A fingerprint of the cycle boundaries the stored aggregates were computed for."""
    text = "|".join(sorted(f"{c.specialty}:{c.starts}:{c.expires}" for c in cycles))
    return hashlib.sha256(text.encode()).hexdigest()[:20]


@dataclass
class Tally:
    """Hours per cycle year and kind for one cycle (also the stored aggregate's shape)."""

    hours: dict[int, dict[str, float]] = field(default_factory=dict)
    records: int = 0

    def add(self, year: int, kind: str, hours: float) -> None:
        per_kind = self.hours.setdefault(year, dict.fromkeys(CREDIT_KINDS, 0.0))
        per_kind[kind] = per_kind.get(kind, 0.0) + hours
        self.records += 1

    def kind_total(self, kinds: Iterable[str]) -> float:
        wanted = set(kinds)
        return sum(h for per in self.hours.values() for k, h in per.items() if k in wanted)

    def year_total(self, year: int) -> float:
        return sum(self.hours.get(year, {}).values())


def tally(cycle: Cycle, credits: Iterable[Credit]) -> Tally:
    result = Tally()
    for credit in credits:
        year = cycle.counts(credit)
        if year is not None:
            result.add(year, credit.kind, credit.hours)
    return result


def progress(cycle: Cycle, counted: Tally, today: dt.date) -> dict[str, Any]:
    """The cabinet's view of one cycle (api.md `GET /api/me/cycles`)."""
    rule = cycle.rule_set
    dpp = counted.kind_total([DPP_PK])
    other_raw = counted.kind_total(OTHER_KINDS)
    other = other_raw if rule.other_max is None else min(other_raw, rule.other_max)
    total = dpp + other
    missing_dpp = max(0.0, rule.required_dpp_pk - dpp)
    missing_total = max(0.0, rule.required_total - total, missing_dpp)

    pace = rule.yearly_pace
    by_year = []
    paced = 0.0
    cumulative = 0.0
    elapsed = 0  # whole cycle years already behind us
    for year in range(1, rule.cycle_years + 1):
        start, end = cycle.year_bounds(year)
        earned_y = counted.year_total(year)
        per_kind = counted.hours.get(year, {})
        by_year.append(
            {
                "year": year,
                "starts": start.isoformat(),
                "ends": end.isoformat(),
                "earned": plain_number(earned_y, digits=2),
                "by_kind": {k: plain_number(per_kind.get(k, 0.0), digits=2) for k in CREDIT_KINDS},
            }
        )
        if start <= today:
            # With a yearly pace, hours above it stay in the total but do not carry forward.
            paced += min(earned_y, pace) if pace is not None else earned_y
            cumulative += earned_y
        if end < today:
            elapsed += 1

    per_year = pace if pace is not None else rule.required_total / rule.cycle_years
    expected = min(rule.required_total, per_year * elapsed)
    if missing_total == 0:
        status = STATUS_MET
    elif today > cycle.ends or paced < expected:
        status = STATUS_BEHIND
    else:
        status = STATUS_ON_SCHEDULE

    return {
        "specialty": cycle.specialty,
        "starts": cycle.starts.isoformat(),
        "ends": cycle.ends.isoformat(),
        "expires": cycle.expires.isoformat(),
        "rule_set": rule.id,
        "rule_set_title": rule.title,
        "required": {
            "total": plain_number(rule.required_total, digits=2),
            "dpp_pk": plain_number(rule.required_dpp_pk, digits=2),
            "other_max": None if rule.other_max is None else plain_number(rule.other_max, digits=2),
            "yearly_pace": None if pace is None else plain_number(pace, digits=2),
        },
        "earned": {
            "total": plain_number(total, digits=2),
            "dpp_pk": plain_number(dpp, digits=2),
            "other": plain_number(other, digits=2),
            "other_over_limit": plain_number(other_raw - other, digits=2),
        },
        "by_year": by_year,
        "expected_by_now": plain_number(expected, digits=2),
        "missing": {
            "total": plain_number(missing_total, digits=2),
            "dpp_pk": plain_number(missing_dpp, digits=2),
        },
        "portfolio_window_opens": cycle.portfolio_window_opens.isoformat(),
        "portfolio_window_open": cycle.portfolio_window_opens <= today <= cycle.expires,
        "status": status,
        "status_text": STATUS_TEXT[status],
        "closed": today > cycle.ends,
    }


def tally_from_totals(cycle: Cycle, totals: Mapping[int, Mapping[str, float]]) -> Tally:
    """A tally from stored per-year aggregates (ignores years outside the cycle)."""
    result = Tally()
    for year, per_kind in totals.items():
        if 1 <= year <= cycle.rule_set.cycle_years:
            result.hours[year] = {k: float(per_kind.get(k, 0.0)) for k in CREDIT_KINDS}
    return result
