"""Numbers of the credit rules written into help pages at build time (`[[nmo:name]]`), so a help
page can never say 90 days while the rule data says otherwise."""

from __future__ import annotations

import functools
import re

_PLACEHOLDER = re.compile(r"\[\[nmo:([a-z_]+)\]\]")


@functools.cache
def values() -> dict[str, str]:
    from chalicelib.domain.events import rules as event_rules
    from chalicelib.domain.rules import rule_book

    book = rule_book()
    current = book.get("periodic-accreditation-2023")
    alternative = book.get("periodic-accreditation-2023-74")
    pace = book.pace("nmo-250")
    assert current is not None and alternative is not None and pace is not None
    events = event_rules()

    def n(x: float | None) -> str:
        return f"{x:g}" if x is not None else ""

    return {
        "required_total": n(current.required_total),
        "required_dpp_pk": n(current.required_dpp_pk),
        "other_max": n(current.other_max),
        "alt_required_dpp_pk": n(alternative.required_dpp_pk),
        "alt_other_max": n(alternative.other_max),
        "cycle_years": str(current.cycle_years),
        "portfolio_window_months": str(current.portfolio_window_months),
        "pace_yearly": n(pace.yearly),
        "dpp_min_hours": n(book.hours_of("dpp_pk").min_hours),
        "dpp_max_hours": n(book.hours_of("dpp_pk").max_hours),
        "iom_max_hours": n(book.hours_of("iom").max_hours),
        "event_day_max_hours": n(book.hours_of("event").max_hours),
        "attendance_minutes": str(events["attendance"]["required_minutes"]),
        "attendance_of_minutes": str(events["attendance"]["of_minutes"]),
        "code_valid_days": str(events["code_valid_days"]),
        "plan_max_items": str(book.plan.max_items),
        "provider_posting_days": str(book.plan.provider_posting_days),
    }


def fill(markdown: str) -> str:
    """Replace every `[[nmo:name]]`; an unknown name stops the build (a typo is not a number)."""
    known = values()

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in known:
            raise ValueError(f"help page names an unknown rule value: {name}")
        return known[name]

    return _PLACEHOLDER.sub(one, markdown)
