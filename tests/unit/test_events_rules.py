"""Event rules as data: the attendance threshold, hours per day, capacity bounds, lifecycle."""

from __future__ import annotations

import datetime as dt

import pytest
from chalicelib.domain import events
from chalicelib.errors import InvalidInput


def test_threshold_is_270_of_360_minutes_scaled_by_the_days_hours():
    assert events.required_minutes(6) == 270
    assert events.required_minutes(4) == 180
    assert events.required_minutes(1) == 45
    assert events.earns_code(270, 6) and not events.earns_code(269, 6)


def test_threshold_follows_the_rules_file(monkeypatch):
    data = {**events.rules(), "attendance": {"required_minutes": 300, "of_minutes": 360}}
    monkeypatch.setattr(events, "rules", lambda: data)
    assert events.required_minutes(6) == 300


def test_capacity_bounds_come_from_the_rules_file():
    bounds = events.rules()["capacity"]
    assert events.validate_capacity(bounds["max"]) == 100_000
    for bad in (0, bounds["max"] + 1, "10", None, 1.5, False):
        with pytest.raises(InvalidInput) as err:
            events.validate_capacity(bad)
        assert err.value.field == "capacity"


def test_lifecycle_lets_moderators_publish_only_what_is_on_review():
    assert events.can_move("on_review", "published")
    assert events.can_move("rejected", "draft")
    assert not events.can_move("draft", "published")
    assert not events.can_move("published", "on_review")


def test_submission_refuses_a_start_in_the_past():
    now = dt.datetime(2030, 1, 1, 12, tzinfo=dt.UTC)
    events.check_can_submit("2030-01-02T10:00:00+03:00", now)
    with pytest.raises(InvalidInput) as err:
        events.check_can_submit("2030-01-01T10:00:00+03:00", now)
    assert err.value.field == "days[0].starts_at"


def test_code_expiry_is_counted_from_the_day_by_the_rules_file():
    days = events.rules()["code_valid_days"]
    expected = (dt.date(2030, 3, 1) + dt.timedelta(days=days)).isoformat()
    assert events.code_expires_on("2030-03-01") == expected
