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
    assert (nmo.required_total, nmo.cycle_years) == (250, 5)
    assert nmo.effective_to == dt.date(
        2022, 12, 31
    )  # a requirement only for documents expired before 709н
    pace = book.pace("nmo-250")
    assert pace is not None and pace.yearly == 50
    alt = book.get("periodic-accreditation-2023-74")
    assert alt is not None and (alt.required_dpp_pk, alt.other_max) == (74, 70)


def test_default_rule_set_is_chosen_by_the_document_expiry_date() -> None:
    book = parse_rule_book(
        _book(
            [_raw("old", "2010-01-01", 250), _raw("new", "2023-01-01", 144)],
            [
                {"expires_from": "1900-01-01", "rule_set": "old"},
                {"expires_from": "2023-01-01", "rule_set": "new"},
            ],
        )
    )
    assert book.default_for_expiry(dt.date(2022, 12, 31)).id == "old"
    assert book.default_for_expiry(dt.date(2023, 1, 1)).id == "new"


def test_element_hour_bounds_and_code_validity_are_data() -> None:
    book = rule_book()
    assert (book.hours_of("dpp_pk").min_hours, book.hours_of("dpp_pk").max_hours) == (16, 500)
    assert book.hours_of("iom").contains(6) and not book.hours_of("iom").contains(7)


def test_inconsistent_rule_data_is_refused() -> None:
    bad = _raw("x", "2023-01-01", 100)
    bad["required_dpp_pk"] = 200
    with pytest.raises(ValueError):
        parse_rule_book(_book([bad], [{"expires_from": "1900-01-01", "rule_set": "x"}]))
    with pytest.raises(ValueError):
        parse_rule_book(
            _book([_raw("x", "2023-01-01", 100)], [{"expires_from": "1900-01-01", "rule_set": "y"}])
        )
    capped = _raw("x", "2023-01-01", 144)
    capped["other_max"] = 10  # 0 ДПП ПК required + 10 of others can never reach 144
    with pytest.raises(ValueError):
        parse_rule_book(_book([capped], [{"expires_from": "1900-01-01", "rule_set": "x"}]))


def _book(rule_sets: list[dict[str, object]], defaults: list[dict[str, str]]) -> dict[str, object]:
    elements = {k: {"min_hours": 1, "max_hours": 6} for k in ("dpp_pk", "iom", "event")}
    plan = {"max_items": 40, "provider_posting_days": 30}
    return {"rule_sets": rule_sets, "defaults": defaults, "elements": elements, "plan": plan}


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
        "portfolio_window_months": 12,
    }
