"""The public catalog in real Chromium against the whole local stack (demo data in the embedded
DynamoDB, the site built from it by `nmo site build`, the real API): filter by specialty, open an
event, see its live seats, log in through the ЕСИА emulator and register, search a Russian word
form, and look at it on a phone."""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.request
from typing import Any

from tests.browser.conftest import artifact
from tests.stack import Stack

DOCTOR = "1000000001"  # persona «Врач-терапевт», specialty 76 «Терапия»


def _api(portal: Stack, path: str) -> dict[str, Any]:
    with urllib.request.urlopen(portal.url + path, timeout=10) as response:
        return dict(json.load(response))


def _first_open_event(page: Any) -> str:
    """The first in-person event for «Терапия» starting from the day after tomorrow, found through
    the catalog filters as a visitor would."""
    start = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    page.select_option("select[name=specialty]", label="Терапия")
    page.select_option("select[name=kind]", value="event")
    page.select_option("select[name=format]", value="in_person")
    page.fill("input[name=from]", start)
    page.locator("#nmo-results-status").filter(has_text="Найдено").wait_for()
    first = page.locator("#nmo-results .nmo-item__title").first
    href = first.get_attribute("href")
    assert href and re.fullmatch(r"/catalog/e/ev-[a-z0-9]+/", href)
    return href


def test_visitor_filters_opens_an_event_sees_seats_logs_in_and_registers(
    page: Any, portal: Stack
) -> None:
    # Errors on the ЕСИА emulator's own pages (its missing favicon) are not the portal's.
    errors: list[tuple[str, str]] = []
    page.on(
        "console",
        lambda m: errors.append((m.text, m.location.get("url", ""))) if m.type == "error" else None,
    )
    page.on("pageerror", lambda exc: errors.append((str(exc), "")))
    page.goto(portal.url + "/catalog/")
    href = _first_open_event(page)
    event_id = href.split("/")[3]
    before = _api(portal, f"/api/events/{event_id}")
    assert before["registration_open"] is True

    page.click(f"#nmo-results a[href='{href}']")
    page.wait_for_url(portal.url + href)
    live = page.locator(".nmo-seats__live")
    if before["seats_left"] > 0:
        live.filter(
            has_text=f"Свободных мест: {before['seats_left']} из {before['capacity']}."
        ).wait_for()
    else:
        live.filter(has_text="Свободных мест нет").wait_for()

    page.click(".nmo-seats__register")  # not signed in yet: off to Госуслуги (the emulator)
    page.locator(f'button.persona[value="{DOCTOR}"]').click()
    page.wait_for_url(portal.url + href)
    page.locator(".nmo-account__name").filter(has_text="Петров").wait_for()

    page.click(".nmo-seats__register")
    result = page.locator(".nmo-seats__result")
    result.filter(has_text=re.compile("Вы записаны|лист ожидания|Вы уже")).wait_for()
    after = _api(portal, f"/api/events/{event_id}")
    if before["seats_left"] > 0:
        assert after["seats_left"] == before["seats_left"] - 1
        live.filter(
            has_text=f"Свободных мест: {after['seats_left']} из {after['capacity']}."
        ).wait_for()
    # Back on the page later: the registration is shown, never «Записаться» again, and it can be
    # cancelled, giving the seat back.
    page.reload()
    page.locator(".nmo-seats__mine").filter(
        has_text=re.compile("Вы записаны|листе ожидания")
    ).wait_for()
    assert page.locator(".nmo-seats__register").count() == 0
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Отменить запись").click()
    page.locator(".nmo-seats__result").filter(has_text="Запись отменена.").wait_for()
    page.locator(".nmo-seats__register").wait_for()
    assert _api(portal, f"/api/events/{event_id}")["seats_left"] == before["seats_left"]
    assert [e for e in errors if not e[1].startswith(portal.esia_url)] == []


def test_header_search_finds_a_specialty_by_another_word_form(page: Any, portal: Stack) -> None:
    page.goto(portal.url + "/")
    page.fill(".nmo-bar__search input[name=q]", "кардиологии")
    page.press(".nmo-bar__search input[name=q]", "Enter")
    page.wait_for_url(re.compile(r"/search/\?q="))
    page.locator("#nmo-search-status").filter(has_text="Найдено").wait_for()
    links = page.locator("#nmo-search-results a").all_text_contents()
    assert "Кардиология" in links
    assert any("ардиолог" in t for t in links if t != "Кардиология")  # catalog elements too
    assert page.console_errors == []


def test_catalog_on_a_phone_fits_the_screen(phone_page: Any, portal: Stack) -> None:
    page = phone_page
    page.goto(portal.url + "/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(artifact("home-phone.png")), full_page=True)
    page.goto(portal.url + "/catalog/")
    page.select_option("select[name=specialty]", label="Терапия")
    page.locator("#nmo-results-status").filter(has_text="Найдено").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(artifact("catalog-phone.png")), full_page=False)
    first = page.locator("#nmo-results .nmo-item__title").first
    first.click()
    page.locator(".nmo-element h1").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(artifact("element-phone.png")), full_page=True)
    assert artifact("catalog-phone.png").stat().st_size > 10_000
    assert page.console_errors == []
