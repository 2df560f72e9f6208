"""Credit rule sets (how many hours a cycle needs, of which kinds), planning paces, and the hour
bounds of each kind of element, as dated data.

Every number lives in `reference/rule_sets.json` (nmo-rules.md: the orders change, so numbers are
data with effective dates, never literals here). This module only reads and chooses.

A *rule set* is a requirement: the law a cycle is measured against (Приказ № 709н for every
document expiring on or after 01.01.2023). A *pace* is an optional planning aid («рекомендованный
темп 50 ЗЕТ в год») a person may switch on; it never decides whether requirements are met.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .catalog import CREDIT_KINDS

_JSON = Path(__file__).resolve().parent.parent / "reference" / "rule_sets.json"


@dataclass(frozen=True)
class RuleSet:
    id: str
    title: str
    source: str
    effective_from: dt.date
    effective_to: dt.date | None
    cycle_years: int
    required_total: float
    required_dpp_pk: float
    other_max: float | None  # cap on ИОМ + events counted towards the total; None: no cap
    portfolio_window_months: int

    def applies_to_expiry(self, expires_on: dt.date) -> bool:
        """Whether accreditation at this expiry date falls under this rule set."""
        if expires_on < self.effective_from:
            return False
        return self.effective_to is None or expires_on <= self.effective_to


@dataclass(frozen=True)
class Pace:
    """An optional planning pace: so many hours per cycle year; excess does not carry over."""

    id: str
    title: str
    yearly: float


@dataclass(frozen=True)
class HourBounds:
    min_hours: float
    max_hours: float

    def contains(self, hours: float) -> bool:
        return self.min_hours <= hours <= self.max_hours


@dataclass(frozen=True)
class PlanRules:
    max_items: int
    provider_posting_days: int  # how long a provider may take to post a completion


@dataclass(frozen=True)
class RuleBook:
    rule_sets: dict[str, RuleSet]
    defaults: tuple[tuple[dt.date, str], ...]  # (document expires from, rule set id), ascending
    paces: dict[str, Pace]
    element_hours: dict[str, HourBounds]
    plan: PlanRules

    def get(self, rule_set_id: str) -> RuleSet | None:
        return self.rule_sets.get(rule_set_id)

    def default_for_expiry(self, expires_on: dt.date) -> RuleSet:
        chosen = self.defaults[0][1]
        for since, rule_set_id in self.defaults:
            if since <= expires_on:
                chosen = rule_set_id
        return self.rule_sets[chosen]

    def choices_for_expiry(self, expires_on: dt.date) -> list[RuleSet]:
        """The rule sets a person may pick for a document expiring on that date."""
        return [r for r in self.rule_sets.values() if r.applies_to_expiry(expires_on)]

    def pace(self, pace_id: str | None) -> Pace | None:
        return self.paces.get(pace_id) if pace_id else None

    def hours_of(self, kind: str) -> HourBounds:
        return self.element_hours[kind]


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _rule_set(raw: dict[str, Any]) -> RuleSet:
    rule = RuleSet(
        id=str(raw["id"]),
        title=str(raw["title"]),
        source=str(raw.get("source", "")),
        effective_from=dt.date.fromisoformat(raw["effective_from"]),
        effective_to=dt.date.fromisoformat(raw["effective_to"])
        if raw.get("effective_to")
        else None,
        cycle_years=int(raw["cycle_years"]),
        required_total=float(raw["required_total"]),
        required_dpp_pk=float(raw["required_dpp_pk"]),
        other_max=_number(raw.get("other_max")),
        portfolio_window_months=int(raw["portfolio_window_months"]),
    )
    if rule.cycle_years < 1 or rule.required_total <= 0:
        raise ValueError(f"rule set {rule.id}: cycle_years and required_total must be positive")
    if rule.required_dpp_pk > rule.required_total:
        raise ValueError(f"rule set {rule.id}: required_dpp_pk exceeds required_total")
    if rule.other_max is not None and rule.required_dpp_pk + rule.other_max < rule.required_total:
        raise ValueError(f"rule set {rule.id}: the cap on other kinds makes the total unreachable")
    return rule


def parse_rule_book(data: dict[str, Any]) -> RuleBook:
    """Validate and build a rule book; raises ValueError on inconsistent data."""
    sets: dict[str, RuleSet] = {}
    for raw in data["rule_sets"]:
        rule = _rule_set(raw)
        if rule.id in sets:
            raise ValueError(f"rule set {rule.id} defined twice")
        sets[rule.id] = rule
    defaults = tuple(
        sorted(
            (dt.date.fromisoformat(d["expires_from"]), str(d["rule_set"])) for d in data["defaults"]
        )
    )
    if not defaults:
        raise ValueError("rule sets: no default")
    for _, rule_set_id in defaults:
        if rule_set_id not in sets:
            raise ValueError(f"default names an unknown rule set {rule_set_id}")
    paces = {}
    for raw in data.get("paces", []):
        pace = Pace(str(raw["id"]), str(raw["title"]), float(raw["yearly"]))
        if pace.yearly <= 0:
            raise ValueError(f"pace {pace.id}: yearly must be positive")
        paces[pace.id] = pace
    bounds = {}
    for kind in CREDIT_KINDS:
        raw = data["elements"][kind]
        bounds[kind] = HourBounds(float(raw["min_hours"]), float(raw["max_hours"]))
        if not 0 < bounds[kind].min_hours <= bounds[kind].max_hours:
            raise ValueError(f"element hours of {kind}: 0 < min_hours <= max_hours")
    plan = PlanRules(int(data["plan"]["max_items"]), int(data["plan"]["provider_posting_days"]))
    return RuleBook(sets, defaults, paces, bounds, plan)


@functools.cache
def rule_book() -> RuleBook:
    with _JSON.open(encoding="utf-8") as fh:
        return parse_rule_book(json.load(fh))


def rule_set_choices() -> list[dict[str, Any]]:
    """For the cabinet's specialty form: the rule sets and paces a person may pick."""
    book = rule_book()
    return [
        {
            "id": r.id,
            "title": r.title,
            "effective_from": r.effective_from.isoformat(),
            "effective_to": r.effective_to.isoformat() if r.effective_to else None,
        }
        for r in book.rule_sets.values()
    ]


def pace_choices() -> list[dict[str, Any]]:
    return [{"id": p.id, "title": p.title, "yearly": p.yearly} for p in rule_book().paces.values()]
