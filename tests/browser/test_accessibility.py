"""WCAG 2.1 AA on the pages people use: axe-core finds no serious or critical violation on the
public pages, nor on the cabinet, the organizer's form and the moderation queue of people logged in
through the ЕСИА emulator, on a desktop screen and on a phone."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest

from tests.browser.axe import blocking_violations
from tests.browser.conftest import PHONE
from tests.stack import Stack

DOCTOR = "1000000001"
ORGANIZER = "1000000005"
MODERATOR = "1000000006"
DESKTOP = {"viewport": {"width": 1366, "height": 900}}


def _first_event(portal: Stack) -> dict[str, Any]:
    url = portal.url + "/api/catalog/elements?kind=event&limit=1"
    with urllib.request.urlopen(url, timeout=30) as resp:
        return dict(json.loads(resp.read())["items"][0])


def _public(path_of: Callable[[dict[str, Any]], str]) -> Callable[[Any, Stack], None]:
    def open_page(page: Any, portal: Stack) -> None:
        page.goto(portal.url + path_of(_first_event(portal)))
        page.wait_for_load_state("networkidle")

    return open_page


def _signed_in(oid: str, path: str, ready: str, then: str | None = None) -> Any:
    """Log in as a persona of the ЕСИА emulator from the page itself, as a person would."""

    def open_page(page: Any, portal: Stack) -> None:
        page.goto(portal.url + path)
        page.locator("#nmo-account .nmo-account__login").click()
        page.locator(f'button.persona[value="{oid}"]').click()
        page.wait_for_url(portal.url + path)
        page.locator(ready).first.wait_for(state="visible")
        if then:
            page.locator(then).click()
        page.wait_for_load_state("networkidle")

    return open_page


PAGES = {
    "home": _public(lambda e: "/"),
    "catalog": _public(lambda e: "/catalog/"),
    "specialty": _public(lambda e: "/catalog/s/76/"),
    "event": _public(lambda e: f"/catalog/e/{e['id']}/"),
    "calendar": _public(lambda e: f"/catalog/calendar/{e['starts_on'][:7]}/"),
    "cabinet": _signed_in(DOCTOR, "/cabinet/", ".nmo-cab__content"),
    "organizer form": _signed_in(ORGANIZER, "/organizer/", ".nmo-org__new", ".nmo-org__new"),
    "moderation queue": _signed_in(MODERATOR, "/moderation/", ".nmo-mod__item"),
    "my applications": _signed_in(DOCTOR, "/cabinet/applications/", ".nmo-apps__form"),
    "organizer applications": _signed_in(
        ORGANIZER, "/organizer/applications/", ".nmo-apps__filters"
    ),
    "moderation applications": _signed_in(
        MODERATOR, "/moderation/applications/", ".nmo-apps__filters"
    ),
}


@pytest.mark.browser
@pytest.mark.parametrize("name", list(PAGES))
def test_page_has_no_serious_or_critical_accessibility_violations(
    portal: Stack, browser: Any, name: str
) -> None:
    found: dict[str, list[dict[str, Any]]] = {}
    for screen, options in (("desktop", DESKTOP), ("phone", PHONE)):
        context = browser.new_context(locale="ru-RU", timezone_id="Europe/Moscow", **options)
        try:
            page = context.new_page()
            PAGES[name](page, portal)
            found[screen] = blocking_violations(page)
        finally:
            context.close()
    report = {
        screen: [f"{v['rule']} {v['target']}: {v['summary']}" for v in vs]
        for screen, vs in found.items()
    }
    assert found == {"desktop": [], "phone": []}, json.dumps(report, ensure_ascii=False, indent=1)
