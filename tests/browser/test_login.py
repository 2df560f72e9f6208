"""Login through Госуслуги in real Chromium: catalog → the ЕСИА emulator → back logged in →
the cabinet with the name shown → «Выйти» ends the session here and at ЕСИА."""

from __future__ import annotations

import re
import urllib.parse
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
    page.wait_for_url(portal.url + "/help/login/errors/?next=%2Fcatalog%2F#unconfirmed")
    expect(page.locator("#unconfirmed")).to_contain_text("Недостаточный уровень учетной записи")
    expect(page.locator(".admonition")).to_contain_text("Вы не вошли на портал")
    expect(page.locator("#nmo-account .nmo-account__login")).to_be_visible()
    assert page.request.get(portal.url + "/api/me").status == 401


def test_after_a_refusal_try_again_returns_to_the_page_the_login_started_from(
    portal: Stack, page: Any
) -> None:
    page.goto(portal.url + "/catalog/")
    _to_esia(page, portal)
    page.locator(f'button.persona[value="{DECLINER}"]').click()
    page.wait_for_url(portal.url + "/help/login/errors/?next=%2Fcatalog%2F#declined")
    expect(page.locator("#declined")).to_contain_text("Вы отказали в доступе")
    expect(page.locator(".admonition")).to_contain_text("Вы не вошли на портал")
    back_to_catalog = "/api/auth/esia/login?next=%2Fcatalog%2F"
    expect(page.get_by_role("link", name="Попробовать ещё раз")).to_have_attribute(
        "href", back_to_catalog
    )
    expect(page.locator("#nmo-account .nmo-account__login")).to_have_attribute(
        "href", back_to_catalog
    )
    page.get_by_role("link", name="Попробовать ещё раз").click()
    page.wait_for_url(re.compile(re.escape(portal.esia_url) + r"/aas/oauth2/v2/ac\?.*"))
    page.locator(f'button.persona[value="{DOCTOR}"]').click()
    page.wait_for_url(portal.url + "/catalog/")
    expect(page.locator("#nmo-account .nmo-account__name")).to_have_text("Петров Сергей Иванович")


def test_a_login_started_on_a_cyrillic_address_returns_there(portal: Stack, page: Any) -> None:
    page.goto(portal.url + "/search/?q=кардиология")
    _to_esia(page, portal)
    page.locator(f'button.persona[value="{DOCTOR}"]').click()
    page.wait_for_url(re.compile(re.escape(portal.url) + r"/search/\?q=.*"))
    assert "кардиология" in urllib.parse.unquote(page.url)
    expect(page.locator("#nmo-account .nmo-account__name")).to_have_text("Петров Сергей Иванович")


def _set_token_alg(page: Any, portal: Stack, alg: str) -> None:
    """ЕСИА's per-system setting, on the emulator's settings page."""
    page.goto(portal.esia_url + "/emulator/system")
    page.locator(f'input[name="token_alg"][value="{alg}"]').check()
    page.get_by_role("button", name="Сохранить").click()
    expect(page.locator("p").first).to_contain_text(alg)


def test_a_new_person_logs_in_with_gost_signed_tokens_and_reaches_the_cabinet(
    portal: Stack, page: Any
) -> None:
    # Numeric oids in the tokens (as ЕСИА writes them), GOST3410_2012_256 signatures, a person
    # defined on the emulator's page: the portal has never seen them.
    _set_token_alg(page, portal, "GOST3410_2012_256")
    try:
        page.goto(portal.url + "/cabinet/")
        page.locator("#nmo-account .nmo-account__login").click()
        page.wait_for_url(re.compile(re.escape(portal.esia_url) + r"/aas/oauth2/v2/ac\?.*"))
        page.fill('input[name="last_name"]', "Гостева")
        page.fill('input[name="first_name"]', "Алла")
        page.fill('input[name="middle_name"]', "Игоревна")
        page.fill('input[name="snils"]', "130-245-367 12")
        page.fill('input[name="birth_date"]', "1990-04-05")
        page.get_by_role("button", name="Войти этим человеком").click()
        page.wait_for_url(portal.url + "/cabinet/")
        expect(page.locator("#nmo-account .nmo-account__name")).to_have_text(
            "Гостева Алла Игоревна"
        )
        me = page.request.get(portal.url + "/api/me").json()
        assert me["oid"] == "213024536712" and me["snils_masked"].endswith("67 12")
    finally:
        _set_token_alg(page, portal, "RS256")
    assert _script_errors(page) == []
