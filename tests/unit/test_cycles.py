"""The rule engine: cycles from admitting documents, what counts, pacing, status, portfolio window."""

from __future__ import annotations

import datetime as dt

from chalicelib.domain.cycles import (
    Admission,
    Credit,
    Cycle,
    add_months,
    basis,
    cycle_for,
    progress,
    tally,
)
from chalicelib.domain.rules import CREDIT_KINDS, rule_book
from hypothesis import given
from hypothesis import strategies as st

D = dt.date
BOOK = rule_book()
START = D(2023, 3, 15)


def _cycle(rule: str | None = None, start: dt.date = START, specialty: str = "76") -> Cycle:
    return cycle_for(Admission(specialty, start, rule), BOOK)


def test_cycle_lasts_five_years_from_the_admitting_document() -> None:
    c = _cycle()
    assert (c.starts, c.ends, c.expires) == (D(2023, 3, 15), D(2028, 3, 14), D(2028, 3, 15))
    assert c.portfolio_window_opens == D(2027, 3, 15)


def test_leap_day_admission_ends_on_the_last_day_of_february() -> None:
    c = _cycle(start=D(2024, 2, 29))
    assert c.expires == D(2029, 2, 28)
    assert c.year_of(D(2025, 2, 27)) == 1
    assert c.year_of(D(2025, 2, 28)) == 2


def test_credit_counts_only_by_completion_date_inside_the_cycle() -> None:
    c = _cycle()
    assert c.counts(Credit("iom", 2, D(2023, 3, 14), "76")) is None
    assert c.counts(Credit("iom", 2, D(2023, 3, 15), "76")) == 1
    assert c.counts(Credit("iom", 2, D(2028, 3, 14), "76")) == 5
    assert c.counts(Credit("iom", 2, D(2028, 3, 15), "76")) is None


def test_credit_of_another_specialty_does_not_count() -> None:
    assert _cycle().counts(Credit("dpp_pk", 36, D(2024, 1, 1), "49")) is None


def test_periodic_accreditation_needs_72_hours_of_dpp_pk_and_caps_other_hours() -> None:
    c = _cycle("periodic-accreditation-2023")
    credits = [Credit("iom", 6, D(2024, 1, 1), "76")] * 20  # 120 hours of modules
    p = progress(c, tally(c, credits), D(2025, 1, 1))
    assert p["earned"] == {"total": 72, "dpp_pk": 0, "other": 72, "other_over_limit": 48}
    assert p["missing"] == {"total": 72, "dpp_pk": 72}
    assert p["status"] != "requirements_met"


def test_144_hours_of_dpp_pk_alone_meet_periodic_accreditation() -> None:
    c = _cycle("periodic-accreditation-2023")
    credits = [Credit("dpp_pk", 144, D(2024, 6, 1), "76")]
    p = progress(c, tally(c, credits), D(2024, 7, 1))
    assert p["status"] == "requirements_met" and p["status_text"] == "требования выполнены"
    assert p["missing"] == {"total": 0, "dpp_pk": 0}


def test_nmo_250_pacing_does_not_carry_a_big_year_into_the_next() -> None:
    c = _cycle("nmo-250")
    # 120 hours in the first cycle year, nothing after: by the end of year 2 only 50 count for
    # pace, 100 were expected.
    credits = [Credit("dpp_pk", 120, D(2023, 6, 1), "76")]
    p = progress(c, tally(c, credits), D(2025, 4, 1))
    assert p["earned"]["total"] == 120
    assert p["expected_by_now"] == 100
    assert p["status"] == "behind" and p["status_text"] == "отстаёте"
    ok = progress(c, tally(c, credits), D(2024, 4, 1))
    assert ok["status"] == "on_schedule" and ok["status_text"] == "в графике"


def test_by_year_lists_every_cycle_year_with_its_hours() -> None:
    c = _cycle("nmo-250")
    credits = [Credit("iom", 3, D(2024, 3, 15), "76"), Credit("event", 6, D(2024, 3, 14), "76")]
    p = progress(c, tally(c, credits), D(2024, 4, 1))
    assert [y["earned"] for y in p["by_year"]] == [6, 3, 0, 0, 0]
    assert p["by_year"][1]["starts"] == "2024-03-15"


def test_portfolio_window_is_reported_open_in_the_last_twelve_months() -> None:
    c = _cycle()
    assert not progress(c, tally(c, []), D(2027, 3, 14))["portfolio_window_open"]
    assert progress(c, tally(c, []), D(2027, 3, 15))["portfolio_window_open"]


def test_explicit_rule_set_that_was_not_in_force_falls_back_to_the_default() -> None:
    # A document expiring in 2021 was never under the 2023 order.
    c = _cycle("periodic-accreditation-2023", start=D(2016, 1, 10))
    assert c.rule_set.id == "nmo-250"


def test_basis_changes_when_an_admission_date_changes() -> None:
    assert basis([_cycle()]) != basis([_cycle(start=D(2023, 3, 16))])
    assert basis([_cycle()]) == basis([_cycle()])


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(D(2024, 1, 31), 1) == D(2024, 2, 29)
    assert add_months(D(2024, 3, 31), -1) == D(2024, 2, 29)


credits_strategy = st.builds(
    Credit,
    kind=st.sampled_from(CREDIT_KINDS),
    hours=st.integers(min_value=1, max_value=144).map(float),
    completed_on=st.dates(min_value=D(2020, 1, 1), max_value=D(2030, 12, 31)),
    specialty=st.sampled_from(["76", "49"]),
)
rule_ids = st.sampled_from(sorted(BOOK.rule_sets))
days = st.dates(min_value=D(2021, 1, 1), max_value=D(2030, 1, 1))


@given(rule_ids, st.lists(credits_strategy, max_size=30), credits_strategy, days)
def test_adding_a_credit_never_lowers_earned_hours_or_raises_what_is_missing(
    rule: str, credits: list[Credit], extra: Credit, today: dt.date
) -> None:
    c = _cycle(rule)
    before = progress(c, tally(c, credits), today)
    after = progress(c, tally(c, [*credits, extra]), today)
    for key in ("total", "dpp_pk", "other"):
        assert after["earned"][key] >= before["earned"][key]
    assert after["missing"]["total"] <= before["missing"]["total"]
    assert after["missing"]["dpp_pk"] <= before["missing"]["dpp_pk"]


@given(rule_ids, st.lists(credits_strategy, max_size=30), credits_strategy, days)
def test_an_element_outside_the_cycle_or_specialty_never_counts(
    rule: str, credits: list[Credit], extra: Credit, today: dt.date
) -> None:
    c = _cycle(rule)
    if c.counts(extra) is not None:
        return
    assert progress(c, tally(c, [*credits, extra]), today) == progress(c, tally(c, credits), today)


@given(rule_ids, st.lists(credits_strategy, max_size=30), days)
def test_earned_by_kind_sums_to_the_total_and_years_to_the_raw_hours(
    rule: str, credits: list[Credit], today: dt.date
) -> None:
    c = _cycle(rule)
    p = progress(c, tally(c, credits), today)
    assert abs(p["earned"]["dpp_pk"] + p["earned"]["other"] - p["earned"]["total"]) < 1e-6
    counted = sum(x.hours for x in credits if c.counts(x) is not None)
    assert abs(sum(y["earned"] for y in p["by_year"]) - counted) < 1e-6
    assert p["earned"]["total"] + p["earned"]["other_over_limit"] == counted
    assert p["missing"]["total"] >= p["missing"]["dpp_pk"]
    met = p["missing"]["total"] == 0
    assert (p["status"] == "requirements_met") == met
