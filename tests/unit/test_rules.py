"""Rule sets are dated data: the file is consistent and choices follow the dates."""

from __future__ import annotations

import datetime as dt

import pytest
from chalicelib.domain.rules import parse_rule_book, rule_book


def test_both_rule_sets_of_the_design_are_in_the_data_with_their_numbers() -> None:
    book = rule_book()
    pa = book.get("periodic-accreditation-2023")
    nmo = book.get("nmo-250")
    assert pa is not None and nmo is not None
    assert (pa.required_total, pa.required_dpp_pk, pa.other_max) == (144, 72, 72)
    assert pa.effective_from == dt.date(2023, 1, 1)
    assert (nmo.required_total, nmo.yearly_pace, nmo.cycle_years) == (250, 50, 5)
    alt = book.get("periodic-accreditation-2023-74")
    assert alt is not None and (alt.required_dpp_pk, alt.other_max) == (74, 70)


def test_default_rule_set_is_chosen_by_the_cycle_start_date() -> None:
    book = parse_rule_book(
        {
            "rule_sets": [
                _raw("old", "2010-01-01", 250),
                _raw("new", "2023-01-01", 144),
            ],
            "defaults": [
                {"from": "1900-01-01", "rule_set": "old"},
                {"from": "2024-01-01", "rule_set": "new"},
            ],
        }
    )
    assert book.default_for(dt.date(2023, 12, 31)).id == "old"
    assert book.default_for(dt.date(2024, 1, 1)).id == "new"


def test_inconsistent_rule_data_is_refused() -> None:
    bad = _raw("x", "2023-01-01", 100)
    bad["required_dpp_pk"] = 200
    with pytest.raises(ValueError):
        parse_rule_book({"rule_sets": [bad], "defaults": [{"from": "1900-01-01", "rule_set": "x"}]})
    with pytest.raises(ValueError):
        parse_rule_book(
            {
                "rule_sets": [_raw("x", "2023-01-01", 100)],
                "defaults": [{"from": "1900-01-01", "rule_set": "y"}],
            }
        )


def _raw(rule_id: str, since: str, total: int) -> dict[str, object]:
    return {
        "id": rule_id,
        "title": rule_id,
        "effective_from": since,
        "effective_to": None,
        "cycle_years": 5,
        "required_total": total,
        "required_dpp_pk": 0,
        "other_max": None,
        "yearly_pace": None,
        "portfolio_window_months": 12,
    }
