"""Credit rule sets (how many hours a cycle needs, of which kinds, at what pace) as dated data.

Every number lives in `reference/rule_sets.json` (nmo-rules.md: the orders change, so numbers are
data with effective dates, never literals here). This module only reads and chooses.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_JSON = Path(__file__).resolve().parent.parent / "reference" / "rule_sets.json"

# Kinds of educational element (domain/catalog.KINDS); ДПП ПК is counted apart from the others.
DPP_PK = "dpp_pk"
OTHER_KINDS = ("iom", "event")
CREDIT_KINDS = (DPP_PK, *OTHER_KINDS)


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
    yearly_pace: float | None  # recommended per cycle year; excess does not carry over
    portfolio_window_months: int

    def applies_to_expiry(self, expires_on: dt.date) -> bool:
        """Whether accreditation at this expiry date falls under this rule set."""
        if expires_on < self.effective_from:
            return False
        return self.effective_to is None or expires_on <= self.effective_to


@dataclass(frozen=True)
class RuleBook:
    rule_sets: dict[str, RuleSet]
    defaults: tuple[tuple[dt.date, str], ...]  # (cycle start from, rule set id), ascending

    def get(self, rule_set_id: str) -> RuleSet | None:
        return self.rule_sets.get(rule_set_id)

    def default_for(self, starts_on: dt.date) -> RuleSet:
        chosen = self.defaults[0][1]
        for since, rule_set_id in self.defaults:
            if since <= starts_on:
                chosen = rule_set_id
        return self.rule_sets[chosen]


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def parse_rule_book(data: dict[str, Any]) -> RuleBook:
    """Validate and build a rule book; raises ValueError on inconsistent data."""
    sets: dict[str, RuleSet] = {}
    for raw in data["rule_sets"]:
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
            yearly_pace=_number(raw.get("yearly_pace")),
            portfolio_window_months=int(raw["portfolio_window_months"]),
        )
        if rule.cycle_years < 1 or rule.required_total <= 0:
            raise ValueError(f"rule set {rule.id}: cycle_years and required_total must be positive")
        if rule.required_dpp_pk > rule.required_total:
            raise ValueError(f"rule set {rule.id}: required_dpp_pk exceeds required_total")
        if rule.id in sets:
            raise ValueError(f"rule set {rule.id} defined twice")
        sets[rule.id] = rule
    defaults = tuple(
        sorted((dt.date.fromisoformat(d["from"]), str(d["rule_set"])) for d in data["defaults"])
    )
    if not defaults:
        raise ValueError("rule sets: no default")
    for _, rule_set_id in defaults:
        if rule_set_id not in sets:
            raise ValueError(f"default names an unknown rule set {rule_set_id}")
    return RuleBook(sets, defaults)


@functools.cache
def rule_book() -> RuleBook:
    with _JSON.open(encoding="utf-8") as fh:
        return parse_rule_book(json.load(fh))


def rule_set_choices() -> list[dict[str, str]]:
    """For the cabinet's specialty form: id and Russian title of every rule set."""
    return [{"id": r.id, "title": r.title} for r in rule_book().rule_sets.values()]
