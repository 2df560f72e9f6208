"""Login through Госуслуги in real Chromium: catalog → the ЕСИА emulator → back logged in →
the cabinet with the name shown → «Выйти» ends the session here and at ЕСИА."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.stack import Stack

pytestmark = pytest.mark.browser

DOCTOR, UNCONFIRMED, DECLINER = "1000000001", "1000000003", "1000000004"


def _script_errors(page: Any) -> list[str]:
    # Chromium logs expected 401 answers as failed resource loads; everything else counts.
    return [e for e in page.console_errors if not e.startswith("Failed to load resource")]


def _to_esia(page: Any, portal: Stack) -> None:
    page.locator("#nmo-account .nmo-account__login").click()
    page.wait_for_url(re.compile(re.escape(portal.esia_url) + r"/aas/oauth2/v2/ac\?.*"))
    expect(page.locator("h1")).to_have_text("Вход через Госуслуги")


def test_doctor_logs_in_from_the_catalog_sees_the_cabinet_and_logs_out(
    portal: Stack, page: Any
) -> None:
    page.goto(portal.url + "/catalog/")
    _to_esia(page, portal)
    page.locator(f'button.persona[value="{DOCTOR}"]').click()
    # back on the page the login started from, signed in
    page.wait_for_url(portal.url + "/catalog/")
    expect(page.locator("#nmo-account .nmo-account__name")).to_have_text("Петров Сергей Иванович")
    expect(page.locator("#nmo-account .nmo-account__login")).to_be_hidden()

    page.locator("#nmo-account .nmo-account__cabinet").click()
    page.wait_for_url(portal.url + "/cabinet/")
    expect(page.locator("#nmo-account .nmo-account__name")).to_have_text("Петров Сергей Иванович")
    assert page.request.get(portal.url + "/api/me").status == 200

    page.locator("#nmo-account .nmo-account__logout").click()
    # ЕСИА's logout sends the browser back to the portal's front page
    page.wait_for_url(portal.url + "/")
    expect(page.locator("#nmo-account .nmo-account__login")).to_be_visible()
    expect(page.locator("#nmo-account .nmo-account__name")).to_be_hidden()
    assert page.request.get(portal.url + "/api/me").status == 401
    session_cookies = [c for c in page.context.cookies() if c["name"] == "nmo_session"]
    assert session_cookies == []
    assert _script_errors(page) == []


def test_an_unconfirmed_account_lands_on_the_help_that_explains_it(
    portal: Stack, page: Any
) -> None:
    page.goto(portal.url + "/catalog/")
    _to_esia(page, portal)
    page.locator(f'button.persona[value="{UNCONFIRMED}"]').click()
    page.wait_for_url(portal.url + "/help/login/errors/#unconfirmed")
    expect(page.locator("#unconfirmed")).to_contain_text("Недостаточный уровень учетной записи")
    expect(page.locator("#nmo-account .nmo-account__login")).to_be_visible()
    assert page.request.get(portal.url + "/api/me").status == 401


def test_a_refusal_at_esia_lands_on_the_refusal_help(portal: Stack, page: Any) -> None:
    page.goto(portal.url + "/catalog/")
    _to_esia(page, portal)
    page.locator(f'button.persona[value="{DECLINER}"]').click()
    page.wait_for_url(portal.url + "/help/login/errors/#declined")
    expect(page.locator("#declined")).to_contain_text("Вы отказали в доступе")
