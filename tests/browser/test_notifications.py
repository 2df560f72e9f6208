"""The cabinet's «Уведомления» in real Chromium, at desktop and at phone width: the address ЕСИА
gave at login, a kind of mail switched off that stays off, a new address confirmed through the
link in the mail the local SMTP catcher received, and a bad address refused in Russian."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import artifact
from tests.stack import Stack

DOCTOR = "1000000001"
ESIA_EMAIL = f"esia-{DOCTOR}@example.ru"  # the emulator's verified EML contact of the persona


def _forget_contact(portal: Stack) -> None:
    from chalicelib.db.connection import ensure_bound
    from chalicelib.db.models import Contact

    with portal.bound_here():
        ensure_bound()
        Contact(DOCTOR).delete()  # a delete of a missing item is no error in DynamoDB


@pytest.fixture
def fresh_contact(portal: Stack) -> Iterator[None]:
    """No address and default preferences, so the login adopts the ЕСИА address; the same state
    is left behind for the other tests on this stack."""
    _forget_contact(portal)
    yield
    _forget_contact(portal)


@pytest.fixture(params=["desktop", "phone"])
def screen(request: pytest.FixtureRequest) -> tuple[str, Any]:
    name = request.param
    return name, request.getfixturevalue("page" if name == "desktop" else "phone_page")


def _login(page: Any, portal: Stack) -> None:
    page.goto(portal.url + "/cabinet/")
    login = page.locator(".nmo-cab__login-link")
    login.wait_for(state="visible")
    login.click()
    page.locator(f'button.persona[value="{DOCTOR}"]').click()
    page.wait_for_url(portal.url + "/cabinet/")
    page.locator(".nmo-cab__content").wait_for(state="visible")


def _script_errors(page: Any) -> list[str]:
    """Errors other than the expected 4xx answers Chromium logs as failed resource loads."""
    return [e for e in page.console_errors if not e.startswith("Failed to load resource")]


def _messages(portal: Stack) -> list[dict[str, Any]]:
    with urllib.request.urlopen(portal.mail_url + "messages.json", timeout=10) as answer:
        messages: list[dict[str, Any]] = json.load(answer)
    return messages


def _mail_to(portal: Stack, address: str, *, timeout: float = 30) -> dict[str, Any]:
    """The newest message to `address` the catcher holds, waiting until one arrives."""
    deadline = time.monotonic() + timeout
    while True:
        found = [m for m in _messages(portal) if address in m["to"]]
        if found:
            return found[-1]
        if time.monotonic() > deadline:
            raise AssertionError(f"no mail to {address} in {portal.mail_url}")
        time.sleep(0.2)  # polling the catcher for the condition, not a timing assumption


def _nothing_wider_than_the_screen(page: Any) -> None:
    widest = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('#nmo-cabinet *')]"
        ".filter(e => e.offsetParent !== null).map(e => e.getBoundingClientRect().right))"
    )
    assert widest <= 390, widest


def test_doctor_switches_a_kind_off_and_confirms_a_new_address(
    portal: Stack, screen: tuple[str, Any], fresh_contact: None
) -> None:
    name, page = screen
    new_email = f"s.petrov.{name}@clinic.example.ru"
    _login(page, portal)
    section = page.locator("#notifications")
    shown = section.locator(".nmo-notify__email")
    expect(shown).to_have_text(ESIA_EMAIL)  # adopted from ЕСИА at login
    expect(section.locator(".nmo-notify__state")).to_have_text("")

    # One kind switched off stays off after a reload.
    kinds = section.locator(".nmo-notify__kinds input[type=checkbox]")
    kinds.first.wait_for()
    first = kinds.first
    kind_name = first.get_attribute("name")
    expect(first).to_be_checked()
    first.uncheck()
    expect(section.locator(".nmo-notify__kinds-result")).to_have_text("Сохранено.")
    expect(first).to_be_enabled()
    page.reload()
    box = section.locator(f'.nmo-notify__kinds input[name="{kind_name}"]')
    box.wait_for()
    expect(box).not_to_be_checked()
    expect(kinds.nth(1)).to_be_checked()  # the others are untouched

    section.screenshot(path=str(artifact(f"notifications-{name}-1-esia.png")))

    # A bad address: a Russian message naming the field, nothing changes, no mail goes.
    sent_before = len(_messages(portal))
    field = page.get_by_label("Новый адрес")
    result = section.locator(".nmo-notify__email-result")
    for bad in ("petrov@clinic", "petrov"):
        field.fill(bad)
        page.get_by_role("button", name="Отправить ссылку подтверждения").click()
        expect(result).to_contain_text("Адрес электронной почты")
        expect(result).to_have_class("nmo-notify__email-result nmo-cab__err")
        expect(field).to_have_attribute("aria-invalid", "true")
    expect(shown).to_have_text(ESIA_EMAIL)
    expect(section.locator(".nmo-notify__state")).to_have_text("")
    section.screenshot(path=str(artifact(f"notifications-{name}-2-invalid.png")))
    if name == "phone":
        _nothing_wider_than_the_screen(page)

    # A new address: the link goes there; the old address stays until it is confirmed.
    field.fill(new_email)
    page.get_by_role("button", name="Отправить ссылку подтверждения").click()
    expect(result).to_have_text("Ссылка подтверждения отправлена на s.***@clinic.example.ru.")
    expect(field).not_to_have_attribute("aria-invalid", "true")
    expect(shown).to_have_text(ESIA_EMAIL)
    expect(section.locator(".nmo-notify__state")).to_contain_text(new_email)
    # The link that proves the address is the person's is only in that mailbox.
    page.reload()
    section.locator(".nmo-notify__kinds input").first.wait_for()
    expect(section.locator(".nmo-notify__feed li").first).to_be_visible()
    expect(section.locator('.nmo-notify__feed a[href*="/email/confirm"]')).to_have_count(0)
    expect(section.locator(".nmo-notify__feed")).not_to_contain_text("token=")
    section.screenshot(path=str(artifact(f"notifications-{name}-3-pending.png")))
    if name == "phone":
        _nothing_wider_than_the_screen(page)
    mail = _mail_to(portal, new_email)
    assert [m for m in _messages(portal)[sent_before:] if m["to"] != [new_email]] == []
    links = [u for u in mail["links"] if "/api/notifications/email/confirm?token=" in u]
    assert len(links) == 1, mail["links"]
    assert links[0].startswith(portal.url + "/")

    # The mail as the local mail page shows it, then the link opened in the browser.
    page.goto(portal.mail_url)
    page.locator("article", has_text=new_email).first.wait_for()
    page.screenshot(path=str(artifact(f"notifications-{name}-4-mail.png")), full_page=True)
    page.goto(links[0])
    expect(page.get_by_role("heading", level=1)).to_have_text("Подтверждение адреса")
    page.screenshot(path=str(artifact(f"notifications-{name}-5-confirm.png")), full_page=True)
    page.get_by_role("button", name="Подтвердить").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Адрес подтверждён")
    page.screenshot(path=str(artifact(f"notifications-{name}-6-confirmed.png")), full_page=True)
    page.get_by_role("link", name="Перейти в личный кабинет").click()
    page.locator(".nmo-cab__content").wait_for(state="visible")
    section = page.locator("#notifications")
    expect(section.locator(".nmo-notify__email")).to_have_text(new_email)
    expect(section.locator(".nmo-notify__state")).to_have_text("")
    section.locator(f'.nmo-notify__kinds input[name="{kind_name}"]').wait_for()
    expect(section.locator(f'.nmo-notify__kinds input[name="{kind_name}"]')).not_to_be_checked()
    section.screenshot(path=str(artifact(f"notifications-{name}-7-cabinet.png")))
    if name == "phone":
        _nothing_wider_than_the_screen(page)

    # The link works once: opened again, it says so in Russian.
    page.goto(links[0])
    page.get_by_role("button", name="Подтвердить").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ссылка не сработала")
    expect(page.locator("p").first).to_contain_text("уже использована")
    assert _script_errors(page) == []
