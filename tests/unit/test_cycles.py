"""The rule engine: cycles from admitting documents, what counts, status, pace, portfolio window,
allocation of a record among cycles."""

from __future__ import annotations

import datetime as dt

from chalicelib.domain.catalog import CREDIT_KINDS
from chalicelib.domain.cycles import (
    Admission,
    Credit,
    Cycle,
    add_months,
    allocate,
    basis,
    cycle_for,
    not_counted_reason,
    progress,
    standing,
    tally,
)
from chalicelib.domain.rules import rule_book
from hypothesis import given
from hypothesis import strategies as st

D = dt.date
BOOK = rule_book()
START = D(2023, 3, 15)


def _cycle(rule: str | None = None, start: dt.date = START, specialty: str = "76") -> Cycle:
    return cycle_for(Admission(specialty, start, rule), BOOK)


def test_cycle_lasts_five_years_from_the_admitting_document() -> None:
    c = _cycle()
    # ГК РФ ст. 192: the term ends on the same day and month five years later; that day is both the
    # document's last valid day and the last day an element counts.
    assert (c.starts, c.ends, c.expires) == (D(2023, 3, 15), D(2028, 3, 15), D(2028, 3, 15))
    assert c.portfolio_window_opens == D(2027, 3, 15)


def test_leap_day_admission_ends_on_the_28th_of_february() -> None:
    c = _cycle(start=D(2024, 2, 29))
    assert (c.ends, c.expires) == (D(2029, 2, 28), D(2029, 2, 28))
    assert c.year_of(D(2025, 2, 27)) == 1
    assert c.year_of(D(2025, 2, 28)) == 2
    assert c.year_of(D(2029, 2, 28)) == 5
    assert c.year_of(D(2029, 3, 1)) is None
    assert c.year_bounds(5) == (D(2028, 2, 29), D(2029, 2, 28))
    assert c.portfolio_window_opens == D(2028, 2, 28)
    p = progress(c, tally(c, []), D(2029, 2, 28))
    assert "до 28.02.2029" in p["summary"]


def test_credit_counts_only_by_completion_date_inside_the_cycle() -> None:
    c = _cycle()
    assert c.counts(Credit("iom", 2, D(2023, 3, 14), "76")) is None
    assert c.counts(Credit("iom", 2, D(2023, 3, 15), "76")) == 1
    assert c.counts(Credit("iom", 2, D(2028, 3, 15), "76")) == 5
    assert c.counts(Credit("iom", 2, D(2028, 3, 16), "76")) is None


def test_credit_of_another_specialty_does_not_count() -> None:
    assert _cycle().counts(Credit("dpp_pk", 36, D(2024, 1, 1), "49")) is None


def test_every_document_expiring_from_2023_is_measured_against_709n() -> None:
    assert _cycle(start=D(2022, 3, 15)).rule_set.id == "periodic-accreditation-2023"
    assert _cycle(start=D(2018, 1, 1)).rule_set.id == "periodic-accreditation-2023"
    # Expired before 01.01.2023: the old norm was the requirement then.
    assert _cycle(start=D(2017, 12, 31)).rule_set.id == "nmo-250"


def test_old_250_choice_for_a_709n_cycle_becomes_a_pace_not_the_requirement() -> None:
    c = _cycle("nmo-250", start=D(2022, 3, 15))
    assert c.rule_set.id == "periodic-accreditation-2023"
    assert c.pace is not None and c.pace.yearly == 50


def test_the_74_70_reading_can_be_chosen() -> None:
    c = _cycle("periodic-accreditation-2023-74")
    assert (c.rule_set.required_dpp_pk, c.rule_set.other_max) == (74, 70)


def test_explicit_rule_set_that_was_not_in_force_falls_back_to_the_default() -> None:
    # A document expiring in 2021 was never under the 2023 order.
    c = _cycle("periodic-accreditation-2023", start=D(2016, 1, 10))
    assert c.rule_set.id == "nmo-250"


def test_periodic_accreditation_needs_72_hours_of_dpp_pk_and_caps_other_hours() -> None:
    c = _cycle("periodic-accreditation-2023")
    credits = [Credit("iom", 6, D(2024, 1, 1), "76")] * 20  # 120 hours of modules
    p = progress(c, tally(c, credits), D(2025, 1, 1))
    assert p["earned"] == {"total": 72, "dpp_pk": 0, "other": 72, "other_over_limit": 48}
    assert p["missing"] == {"total": 72, "dpp_pk": 72, "any": 0}
    assert p["status"] != "met"


def test_144_hours_of_dpp_pk_alone_meet_periodic_accreditation() -> None:
    c = _cycle("periodic-accreditation-2023")
    credits = [Credit("dpp_pk", 144, D(2024, 6, 1), "76")]
    p = progress(c, tally(c, credits), D(2024, 7, 1))
    assert p["status"] == "met" and p["status_text"] == "требования выполнены"
    assert p["missing"] == {"total": 0, "dpp_pk": 0, "any": 0}
    assert p["summary"].startswith("Требования выполнены")


def test_a_709n_cycle_with_only_modules_is_never_on_track_on_its_last_day() -> None:
    c = _cycle()
    credits = [Credit("iom", 5, D(2024, 1, 1) + dt.timedelta(days=i), "76") for i in range(26)]
    p = progress(c, tally(c, credits), c.ends)
    assert p["status"] == "window_open"
    assert p["summary"] == (
        "Окно подачи портфолио открыто до 15.03.2028. Не хватает 72 ч ДПП ПК; остальное выполнено."
    )
    after = progress(c, tally(c, credits), c.ends + dt.timedelta(days=1))
    assert after["status"] == "expired" and "действовал до 15.03.2028" in after["summary"]


def test_missing_only_dpp_pk_reads_as_one_sentence() -> None:
    c = _cycle()
    credits = [Credit("dpp_pk", 34, D(2024, 1, 1), "76"), Credit("iom", 6, D(2024, 2, 1), "76")]
    credits += [Credit("event", 6, D(2025, 1, 1) + dt.timedelta(days=i), "76") for i in range(12)]
    p = progress(c, tally(c, credits), D(2027, 6, 1))
    assert p["status"] == "window_open"
    assert p["missing"] == {"total": 38, "dpp_pk": 38, "any": 0}
    assert p["summary"] == (
        "Окно подачи портфолио открыто до 15.03.2028. Не хватает 38 ч ДПП ПК; остальное выполнено."
    )


def test_status_before_the_window_follows_the_pro_rata_expectation_per_kind() -> None:
    c = _cycle()
    halfway = D(2025, 9, 14)  # about half of the cycle
    modules = [Credit("iom", 6, D(2024, 1, 1) + dt.timedelta(days=i), "76") for i in range(12)]
    p = progress(c, tally(c, modules), halfway)
    assert p["status"] == "behind"  # 72 h of modules, but no ДПП ПК where ~36 are expected
    both = [*modules, Credit("dpp_pk", 36, D(2024, 5, 1), "76")]
    assert progress(c, tally(c, both), halfway)["status"] == "on_track"
    assert progress(c, tally(c, []), c.starts)["status"] == "on_track"
    assert progress(c, tally(c, []), D(2024, 3, 15))["status"] == "behind"


def test_the_optional_250_pace_does_not_carry_a_big_year_into_the_next() -> None:
    c = cycle_for(Admission("76", START, None, "nmo-250"), BOOK)
    # 120 hours in the first cycle year, nothing after: by the end of year 2 only 50 count for
    # the pace, 100 were expected; the requirement itself is 709н and the pace does not decide it.
    credits = [Credit("dpp_pk", 120, D(2023, 6, 1), "76")]
    p = progress(c, tally(c, credits), D(2025, 3, 14))
    assert p["earned"]["total"] == 120
    assert p["pace"]["expected_by_now"] == 100 and p["pace"]["counted_for_pace"] == 50
    assert p["pace"]["keeping"] is False
    assert p["status"] == "on_track"
    assert p["rule_set"] == "periodic-accreditation-2023"


def test_record_goes_to_the_cycle_whose_dates_contain_it_not_the_first_listed() -> None:
    therapy = _cycle(start=D(2018, 6, 1), specialty="76")  # ends 01.06.2023
    cardio = _cycle(start=D(2023, 9, 1), specialty="49")
    cycles = [therapy, cardio]
    chosen = allocate(
        cycles, {}, kind="dpp_pk", hours=36, completed_on=D(2024, 2, 1), specialties=["76", "49"]
    )
    assert chosen is cardio


def test_record_goes_where_it_closes_more_of_the_missing_kind() -> None:
    a = _cycle(specialty="76")
    b = _cycle(specialty="49")
    rule = a.rule_set
    standings = {"76": standing(rule, 72, 60), "49": standing(rule, 10, 72)}
    day = D(2024, 2, 1)
    dpp = allocate(
        [a, b], standings, kind="dpp_pk", hours=36, completed_on=day, specialties=["76", "49"]
    )
    assert dpp is b  # 36 h close 36 of what 49 misses, only 12 of what 76 misses
    iom = allocate(
        [a, b], standings, kind="iom", hours=6, completed_on=day, specialties=["76", "49"]
    )
    assert iom is a  # 49 is at the cap for modules: 6 more hours would count for nothing there


def test_record_fitting_no_cycle_says_why() -> None:
    c = _cycle()
    reason = not_counted_reason([c], "76", ["76"], D(2020, 1, 1))
    assert reason is not None and "вне цикла" in reason and "15.03.2023" in reason
    other = not_counted_reason([c], "49", ["49"], D(2024, 1, 1))
    assert other is not None and "нет в вашем профиле" in other
    assert not_counted_reason([c], "76", ["76"], D(2024, 1, 1)) is None


def test_by_year_lists_every_cycle_year_with_its_hours() -> None:
    c = _cycle()
    credits = [Credit("iom", 3, D(2024, 3, 15), "76"), Credit("event", 6, D(2024, 3, 14), "76")]
    p = progress(c, tally(c, credits), D(2024, 4, 1))
    assert [y["earned"] for y in p["by_year"]] == [6, 3, 0, 0, 0]
    assert p["by_year"][1]["starts"] == "2024-03-15"


def test_portfolio_window_is_reported_open_in_the_last_twelve_months() -> None:
    c = _cycle()
    assert not progress(c, tally(c, []), D(2027, 3, 14))["portfolio_window_open"]
    assert progress(c, tally(c, []), D(2027, 3, 15))["portfolio_window_open"]
    assert progress(c, tally(c, []), D(2028, 3, 15))["portfolio_window_open"]
    assert not progress(c, tally(c, []), D(2028, 3, 16))["portfolio_window_open"]


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
    assert (p["status"] == "met") == met
    if not met and today >= c.ends:
        assert p["status"] in ("window_open", "expired")
    assert p["summary"]


def test_a_709n_cycle_missing_more_than_dpp_pk_with_modules_at_the_cap_asks_for_dpp_pk() -> None:
    c = _cycle()
    credits = [Credit("dpp_pk", 36, D(2024, 1, 1), "76")]
    credits += [Credit("iom", 6, D(2024, 2, 1) + dt.timedelta(days=i), "76") for i in range(14)]
    p = progress(c, tally(c, credits), D(2027, 6, 1))
    assert p["missing"] == {"total": 36, "dpp_pk": 36, "any": 0}
    fewer = [Credit("dpp_pk", 80, D(2024, 1, 1), "76"), Credit("iom", 6, D(2024, 2, 1), "76")]
    q = progress(c, tally(c, fewer), D(2027, 6, 1))
    assert q["missing"] == {"total": 58, "dpp_pk": 0, "any": 58}
    assert q["summary"].endswith(
        "Не хватает 58 ч — ДПП ПК, ИОМ или мероприятия; минимум ДПП ПК выполнен."
    )
