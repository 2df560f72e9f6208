"""Calendar files (RFC 5545) of catalog events: the portal's one builder
(chalicelib.domain.icalendar), which the API's /api/events/{id}/calendar.ics serves; the static
site links to that file and ships none of its own."""

from __future__ import annotations

import datetime as dt

from chalicelib.domain.icalendar import CalendarEvent, calendar, catalog_event, escape_text, fold

STAMP = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)


def _event(title: str = "Конференция «Кардиология сегодня»") -> CalendarEvent:
    return catalog_event(
        element_id="ev-ics00000001",
        title=title,
        days=[("2026-12-01", "2026-12-01T10:00:00+03:00", "2026-12-01T16:00:00+03:00")],
        starts_on="2026-12-01",
        ends_on="2026-12-01",
        online=False,
        city="Ярославль",
        address="ул. Революционная, 5",
        organizer="Областная клиническая больница",
        hours=6,
        page_url="https://nmo.example/catalog/e/ev-ics00000001/",
    )


def _unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def test_calendar_uses_crlf_and_folds_long_lines_at_75_octets() -> None:
    title = "Конференция " + "«Кардиология» " * 20
    text = calendar("НМО", [_event(title)], dtstamp=STAMP, host="nmo.example")
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")
    for line in text.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75
    summary = next(x for x in _unfold(text) if x.startswith("SUMMARY:"))
    assert summary == "SUMMARY:" + escape_text(title)


def test_event_day_has_stable_uid_utc_times_and_dtstamp() -> None:
    lines = _unfold(calendar("НМО", [_event()], dtstamp=STAMP, host="nmo.example"))
    assert "UID:ev-ics00000001-20261201@nmo.example" in lines
    assert "DTSTART:20261201T070000Z" in lines  # 10:00 MSK
    assert "DTEND:20261201T130000Z" in lines
    assert "DTSTAMP:20261101T120000Z" in lines
    assert "LOCATION:Ярославль\\, ул. Революционная\\, 5" in lines
    assert lines[0] == "BEGIN:VCALENDAR" and "VERSION:2.0" in lines and lines[-2] == "END:VCALENDAR"


def test_text_values_escape_commas_semicolons_backslashes_and_newlines() -> None:
    assert escape_text("a, b; c\\d\ne") == "a\\, b\\; c\\\\d\\ne"


def test_markup_in_a_title_does_not_reach_the_calendar() -> None:
    event = _event("<script>alert(1)</script><img src=x onerror=alert(2)>Курс")
    text = calendar("НМО", [event], dtstamp=STAMP, host="h")
    assert "<" not in text and ">" not in text
    assert "SUMMARY:alert(1)Курс" in _unfold(text)


def test_folding_never_splits_a_cyrillic_character() -> None:
    line = "DESCRIPTION:" + "ж" * 200
    folded = fold(line)
    for part in folded.split("\r\n"):
        part.encode("utf-8").decode("utf-8")
        assert len(part.encode("utf-8")) <= 75
    assert folded.replace("\r\n ", "") == line
