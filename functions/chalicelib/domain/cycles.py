"""Cycles of continuing education and progress in them (pure: no storage, no HTTP).

A person has one cycle per specialty, from the issue date of the admitting document, as long as
the rule set says (5 years). An element counts in a cycle by its completion date and only for a
specialty it was accredited for. Hours are kept per cycle year and kind (`Tally`), which is also
the shape of the stored per-person aggregates, so the cabinet never reads individual records to
draw progress.

Dates (ГК РФ ст. 191–192), stated once here: a document dated D is valid for 5 years; the term
ends on the same day and month five years later (from 29.02: on 28.02 of that year, the month
having no 29th). That day is `Cycle.expires` — the document's last valid day, shown as «действует
до ДД.ММ.ГГГГ» — and also `Cycle.ends`, the last day a completed element counts. The first day
that counts is D itself. The portfolio window opens 12 months before `expires` and closes with it.

Every status of a cycle is decided in `cycle_status` and nowhere else.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .catalog import CREDIT_KINDS, DPP_PK, OTHER_KINDS
from .dates import ru_date
from .numbers import plain_number
from .specialties import specialty_name

if TYPE_CHECKING:
    # Rule sets arrive as arguments: the rule book itself loads where it is read (rule_book()).
    from .rules import Pace, RuleBook, RuleSet

STATUS_MET = "met"
STATUS_ON_TRACK = "on_track"
STATUS_BEHIND = "behind"
STATUS_WINDOW_OPEN = "window_open"
STATUS_EXPIRED = "expired"
STATUS_TEXT = {
    STATUS_MET: "требования выполнены",
    STATUS_ON_TRACK: "в графике",
    STATUS_BEHIND: "отстаёте",
    STATUS_WINDOW_OPEN: "окно подачи портфолио открыто",
    STATUS_EXPIRED: "срок документа истёк",
}


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (or earlier); a day the month lacks becomes its last day
    (ГК РФ ст. 192 п. 3: 29.02 + 5 years → 28.02)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


@dataclass(frozen=True)
class Admission:
    """A specialty and the issue date of the document admitting the person to it."""

    specialty: str
    admitted_on: dt.date
    rule_set: str | None = None  # an explicit choice (the 74/70 reading); else by expiry date
    pace: str | None = None  # an optional planning pace the person switched on


@dataclass(frozen=True)
class Credit:
    kind: str
    hours: float
    completed_on: dt.date
    specialty: str


@dataclass(frozen=True)
class Cycle:
    specialty: str
    starts: dt.date  # the admitting document's date: the first day a completed element counts
    expires: dt.date  # the document's last valid day, and the last day an element counts
    rule_set: RuleSet
    pace: Pace | None = None

    @property
    def ends(self) -> dt.date:
        return self.expires

    @property
    def portfolio_window_opens(self) -> dt.date:
        return add_months(self.expires, -self.rule_set.portfolio_window_months)

    def contains(self, day: dt.date) -> bool:
        return self.starts <= day <= self.ends

    def year_bounds(self, year: int) -> tuple[dt.date, dt.date]:
        start = add_months(self.starts, 12 * (year - 1))
        if year >= self.rule_set.cycle_years:
            return start, self.ends
        return start, add_months(self.starts, 12 * year) - dt.timedelta(days=1)

    def year_of(self, day: dt.date) -> int | None:
        """The cycle year (1-based) a completion date falls in, None when outside the cycle."""
        if not self.contains(day):
            return None
        year = day.year - self.starts.year + 1
        # Before this year's anniversary it still belongs to the previous cycle year.
        if day < add_months(self.starts, 12 * (year - 1)):
            year -= 1
        # The expiry day itself is the anniversary: it closes the last year.
        return min(year, self.rule_set.cycle_years)

    def counts(self, credit: Credit) -> int | None:
        """The cycle year a credit counts in, or None (other specialty, or outside the dates)."""
        if credit.specialty != self.specialty or credit.kind not in CREDIT_KINDS:
            return None
        return self.year_of(credit.completed_on)

    def elapsed_share(self, today: dt.date) -> float:
        """How much of the cycle lies behind us, 0…1 (today counted as passed)."""
        length = (self.ends - self.starts).days + 1
        return min(1.0, max(0.0, ((today - self.starts).days + 1) / length))


def _expiry(admitted_on: dt.date, rule: RuleSet) -> dt.date:
    return add_months(admitted_on, 12 * rule.cycle_years)


def cycle_for(admission: Admission, book: RuleBook) -> Cycle:
    """The cycle of one admission: the rule set is the one in force at the document's expiry;
    a person's explicit choice is honoured only among those (the 74/70 reading)."""
    # The expiry depends on the rule's cycle length and the rule on the expiry: take the rule in
    # force at the start date as a first guess (every rule set so far lasts 5 years).
    guess = book.default_for_expiry(admission.admitted_on)
    rule = book.default_for_expiry(_expiry(admission.admitted_on, guess))
    chosen = book.get(admission.rule_set) if admission.rule_set else None
    if chosen is not None and chosen.applies_to_expiry(_expiry(admission.admitted_on, chosen)):
        rule = chosen
    pace = book.pace(admission.pace)
    if pace is None and chosen is not None and chosen is not rule:
        # A stored choice of the old 250-ЗЕТ norm for a cycle under 709н: keep it as the pace the
        # person wanted to follow, never as the requirement.
        pace = book.pace(chosen.id)
    return Cycle(
        admission.specialty, admission.admitted_on, _expiry(admission.admitted_on, rule), rule, pace
    )


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


# --- standing against the requirement ---------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    """Hours counted against a rule set and what is still missing, by kind."""

    dpp_pk: float
    other: float  # ИОМ and events as counted (capped)
    other_over_limit: float
    missing_dpp_pk: float  # ДПП ПК still needed for its own minimum
    missing_any: float  # beyond that, hours still needed of any kind that still counts
    other_room: float | None  # how many more hours of ИОМ and events would still count

    @property
    def total(self) -> float:
        return self.dpp_pk + self.other

    @property
    def missing_total(self) -> float:
        return self.missing_dpp_pk + self.missing_any

    @property
    def met(self) -> bool:
        return self.missing_total <= 0


def standing(rule: RuleSet, dpp_pk: float, other_raw: float) -> Standing:
    """The one place that applies a rule set's numbers: the ДПП ПК minimum, the cap on other
    kinds, the total."""
    other = other_raw if rule.other_max is None else min(other_raw, rule.other_max)
    missing_dpp = max(0.0, rule.required_dpp_pk - dpp_pk)
    missing_any = max(0.0, rule.required_total - (dpp_pk + other) - missing_dpp)
    room = None if rule.other_max is None else max(0.0, rule.other_max - other)
    return Standing(dpp_pk, other, other_raw - other, missing_dpp, missing_any, room)


def standing_of(cycle: Cycle, counted: Tally) -> Standing:
    return standing(cycle.rule_set, counted.kind_total([DPP_PK]), counted.kind_total(OTHER_KINDS))


def standing_after(rule: RuleSet, now: Standing, dpp_pk: float, other: float) -> Standing:
    """The standing once more hours of ДПП ПК and of other kinds count (raw, before the cap)."""
    return standing(rule, now.dpp_pk + dpp_pk, now.other + now.other_over_limit + other)


def closes(cycle: Cycle, now: Standing, kind: str, hours: float) -> float:
    """How much of the cycle's missing amount a record of this kind and hours would close."""
    dpp, other = (hours, 0.0) if kind == DPP_PK else (0.0, hours)
    return now.missing_total - standing_after(cycle.rule_set, now, dpp, other).missing_total


def requirement_view(rule: RuleSet) -> dict[str, Any]:
    return {
        "total": plain_number(rule.required_total, digits=2),
        "dpp_pk": plain_number(rule.required_dpp_pk, digits=2),
        "other_max": None if rule.other_max is None else plain_number(rule.other_max, digits=2),
    }


def missing_view(now: Standing) -> dict[str, Any]:
    return {
        "total": plain_number(now.missing_total, digits=2),
        "dpp_pk": plain_number(now.missing_dpp_pk, digits=2),
        "any": plain_number(now.missing_any, digits=2),
    }


@dataclass(frozen=True)
class Expectation:
    """What is expected by today, pro rata over the cycle (the current year included)."""

    total: float
    dpp_pk: float

    def kept_by(self, now: Standing) -> bool:
        return now.dpp_pk >= self.dpp_pk and now.total >= self.total


def expected_by(cycle: Cycle, today: dt.date) -> Expectation:
    # Whole hours: a cycle is not "behind" on its second day for 0.08 h.
    share = cycle.elapsed_share(today)
    rule = cycle.rule_set
    return Expectation(
        math.floor(rule.required_total * share), math.floor(rule.required_dpp_pk * share)
    )


def cycle_status(cycle: Cycle, now: Standing, today: dt.date) -> str:
    """The status of a cycle (nmo-rules.md): every requirement, then time, then pace."""
    if now.met:
        return STATUS_MET
    if today > cycle.expires:
        return STATUS_EXPIRED
    if today >= cycle.portfolio_window_opens:
        return STATUS_WINDOW_OPEN
    if not expected_by(cycle, today).kept_by(now):
        return STATUS_BEHIND
    return STATUS_ON_TRACK


# --- the sentence a person reads ---------------------------------------------------------------


def _h(value: float) -> str:
    return f"{plain_number(value, digits=1)}".replace(".", ",")


def missing_phrase(cycle: Cycle, now: Standing, *, past: bool = False) -> str:
    """«Не хватает 38 ч ДПП ПК; остальное выполнено.» and its variants."""
    verb = "Не хватило" if past else "Не хватает"
    rule = cycle.rule_set
    if rule.required_dpp_pk <= 0:
        return f"{verb} {_h(now.missing_any)} ч (любые виды обучения)."
    # At the cap, ИОМ and events no longer count: whatever is missing must be ДПП ПК.
    capped = now.other_room is not None and now.other_room <= 0
    cap_note = f" (ИОМ и мероприятия уже засчитаны до предела {_h(rule.other_max or 0)} ч)"
    if now.missing_dpp_pk > 0 and now.missing_any > 0:
        if capped:
            return f"{verb} {_h(now.missing_total)} ч ДПП ПК{cap_note}."
        return (
            f"{verb} {_h(now.missing_dpp_pk)} ч ДПП ПК и ещё {_h(now.missing_any)} ч — "
            "ДПП ПК, ИОМ или мероприятия."
        )
    if now.missing_dpp_pk > 0:
        return f"{verb} {_h(now.missing_dpp_pk)} ч ДПП ПК; остальное выполнено."
    if capped:
        return f"{verb} ещё {_h(now.missing_any)} ч ДПП ПК{cap_note}; минимум ДПП ПК выполнен."
    return f"{verb} {_h(now.missing_any)} ч — ДПП ПК, ИОМ или мероприятия; минимум ДПП ПК выполнен."


def summary_sentence(cycle: Cycle, now: Standing, status: str, today: dt.date) -> str:
    expires = ru_date(cycle.expires)
    opens = ru_date(cycle.portfolio_window_opens)
    done = f"засчитано {_h(now.total)} ч из {_h(cycle.rule_set.required_total)}"
    if status == STATUS_MET:
        text = f"Требования выполнены: {done}"
        text += f", из них ДПП ПК — {_h(now.dpp_pk)} ч." if cycle.rule_set.required_dpp_pk else "."
        if today > cycle.expires:
            return text + f" Документ действовал до {expires}."
        if today >= cycle.portfolio_window_opens:
            return text + f" Портфолио можно подать сейчас, до {expires}."
        return text + f" Портфолио можно подать с {opens} по {expires}."
    if status == STATUS_EXPIRED:
        return f"Документ действовал до {expires}; требования не выполнены. " + missing_phrase(
            cycle, now, past=True
        )
    if status == STATUS_WINDOW_OPEN:
        return f"Окно подачи портфолио открыто до {expires}. " + missing_phrase(cycle, now)
    tail = f" Окно подачи портфолио откроется {opens}; документ действует до {expires}."
    if status == STATUS_BEHIND:
        expected = expected_by(cycle, today)
        lag = f"к сегодняшнему дню ожидается {_h(expected.total)} ч"
        if expected.dpp_pk and now.dpp_pk < expected.dpp_pk:
            lag += f", из них ДПП ПК — {_h(expected.dpp_pk)} ч"
        return f"Отстаёте от графика: {lag}, {done}. " + missing_phrase(cycle, now) + tail
    return f"В графике: {done}. " + missing_phrase(cycle, now) + tail


# --- the cabinet's view ------------------------------------------------------------------------


def _pace_view(cycle: Cycle, counted: Tally, today: dt.date) -> dict[str, Any] | None:
    pace = cycle.pace
    if pace is None:
        return None
    kept = 0.0
    expected = 0.0
    for year in range(1, cycle.rule_set.cycle_years + 1):
        start, end = cycle.year_bounds(year)
        if start > today:
            break
        # Hours above the pace in a year stay in the total but do not carry into the next.
        kept += min(counted.year_total(year), pace.yearly)
        if end <= today:
            expected += pace.yearly
        else:
            share = ((today - start).days + 1) / ((end - start).days + 1)
            expected += math.floor(pace.yearly * share)
    return {
        "id": pace.id,
        "title": pace.title,
        "yearly": plain_number(pace.yearly, digits=2),
        "expected_by_now": plain_number(expected, digits=2),
        "counted_for_pace": plain_number(kept, digits=2),
        "keeping": kept >= expected,
    }


def progress(cycle: Cycle, counted: Tally, today: dt.date) -> dict[str, Any]:
    """The cabinet's view of one cycle (api.md `GET /api/me/cycles`)."""
    rule = cycle.rule_set
    now = standing_of(cycle, counted)
    status = cycle_status(cycle, now, today)
    expected = expected_by(cycle, today)
    by_year = []
    for year in range(1, rule.cycle_years + 1):
        start, end = cycle.year_bounds(year)
        per_kind = counted.hours.get(year, {})
        by_year.append(
            {
                "year": year,
                "starts": start.isoformat(),
                "ends": end.isoformat(),
                "earned": plain_number(counted.year_total(year), digits=2),
                "by_kind": {k: plain_number(per_kind.get(k, 0.0), digits=2) for k in CREDIT_KINDS},
            }
        )
    return {
        "specialty": cycle.specialty,
        "starts": cycle.starts.isoformat(),
        "ends": cycle.ends.isoformat(),
        "expires": cycle.expires.isoformat(),
        "rule_set": rule.id,
        "rule_set_title": rule.title,
        "pace": _pace_view(cycle, counted, today),
        "required": requirement_view(rule),
        "earned": {
            "total": plain_number(now.total, digits=2),
            "dpp_pk": plain_number(now.dpp_pk, digits=2),
            "other": plain_number(now.other, digits=2),
            "other_over_limit": plain_number(now.other_over_limit, digits=2),
        },
        "by_year": by_year,
        "expected_by_now": {
            "total": plain_number(expected.total, digits=2),
            "dpp_pk": plain_number(expected.dpp_pk, digits=2),
        },
        "missing": missing_view(now),
        "portfolio_window_opens": cycle.portfolio_window_opens.isoformat(),
        "portfolio_window_open": cycle.portfolio_window_opens <= today <= cycle.expires,
        "status": status,
        "status_text": STATUS_TEXT[status],
        "summary": summary_sentence(cycle, now, status, today),
        "closed": today > cycle.ends,
    }


def tally_from_totals(cycle: Cycle, totals: Mapping[int, Mapping[str, float]]) -> Tally:
    """A tally from stored per-year aggregates (ignores years outside the cycle)."""
    result = Tally()
    for year, per_kind in totals.items():
        if 1 <= year <= cycle.rule_set.cycle_years:
            result.hours[year] = {k: float(per_kind.get(k, 0.0)) for k in CREDIT_KINDS}
    return result


# --- allocation of a record to a cycle ----------------------------------------------------------


def eligible_cycles(
    cycles: Sequence[Cycle], specialties: Iterable[str], day: dt.date
) -> list[Cycle]:
    """Cycles of a specialty the element was accredited for that contain its completion date."""
    wanted = set(specialties)
    return [c for c in cycles if c.specialty in wanted and c.contains(day)]


def allocate(
    cycles: Sequence[Cycle],
    standings: Mapping[str, Standing],
    *,
    kind: str,
    hours: float,
    completed_on: dt.date,
    specialties: Sequence[str],
) -> Cycle | None:
    """The cycle a record counts in (nmo-rules.md): among the eligible ones, where it closes more
    of the missing amount; ties go to the cycle whose document expires first, then to the order of
    the person's specialties. None when it fits no cycle."""
    eligible = eligible_cycles(cycles, specialties, completed_on)
    if not eligible:
        return None
    order = {c.specialty: i for i, c in enumerate(cycles)}

    def gain(c: Cycle) -> float:
        now = standings.get(c.specialty) or standing(c.rule_set, 0.0, 0.0)
        return closes(c, now, kind, hours)

    return sorted(eligible, key=lambda c: (-gain(c), c.expires, order[c.specialty]))[0]


def not_counted_reason(
    cycles: Sequence[Cycle], specialty: str, specialties: Sequence[str], day: dt.date
) -> str | None:
    """Why a record counts in no cycle (Russian, for the ledger), or None when it counts."""
    own = {c.specialty: c for c in cycles}
    current = own.get(specialty)
    if current is not None and current.contains(day):
        return None
    accredited = [s for s in specialties if s in own]
    if not accredited:
        names = ", ".join(f"«{specialty_name(s)}»" for s in specialties[:3])
        return (
            f"не засчитано: элемент аккредитован по специальностям {names}, их нет в вашем профиле"
        )
    dates = "; ".join(
        f"«{specialty_name(s)}» — {ru_date(own[s].starts)}–{ru_date(own[s].ends)}"
        for s in accredited
    )
    return f"не засчитано: дата завершения {ru_date(day)} вне цикла ({dates})"
