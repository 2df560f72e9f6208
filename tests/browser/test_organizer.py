"""Organizer and moderator pages in real Chromium: each API error lands on its field, a draft is
saved and sent to review, the moderator rejects it only with a reason."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from tests.stack import Stack


@pytest.fixture
def signed_in(portal: Stack, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Creates people with roles in the stack's DynamoDB and opens a browser session for them."""
    from chalicelib.db import connection
    from chalicelib.db.models import Organization
    from chalicelib.settings import reset_settings

    from tests.people import login_headers, make_person

    for key, value in portal.env().items():
        monkeypatch.setenv(key, value)
    reset_settings()
    connection.unbind()
    connection.ensure_bound()
    Organization(
        org_id="org-browser", name="Браузерный университет", created_at=dt.datetime.now(dt.UTC)
    ).save()

    def sign_in(context: Any, oid: str, roles: list[str]) -> None:
        organization = "org-browser" if "organizer" in roles else None
        person = make_person(oid, roles=roles, organization_id=organization)
        name, value = login_headers(person)["Cookie"].split("=", 1)
        context.add_cookies([{"name": name, "value": value, "url": portal.url}])

    yield sign_in
    connection.unbind()
    reset_settings()


def _script_errors(page: Any) -> list[str]:
    return [e for e in page.console_errors if not e.startswith("Failed to load resource")]


def test_organizer_sees_each_mistake_at_its_field_then_submits_and_moderator_needs_a_reason(
    portal: Stack, page: Any, browser: Any, signed_in: Any
) -> None:
    signed_in(page.context, "browser-organizer", ["specialist", "organizer"])
    page.goto(portal.url + "/organizer/")
    page.locator(".nmo-org__content").wait_for(state="visible")
    page.locator(".nmo-org__new").click()

    title = f"Семинар по ЭКГ {dt.datetime.now().timestamp():.0f}"
    day = (dt.date.today() + dt.timedelta(days=20)).isoformat()
    page.locator("#nmo-f-title").fill(title)
    page.locator(".nmo-d-date").fill(day)
    page.locator(".nmo-d-hours").fill("7")
    page.locator("#nmo-f-address").fill("г. Казань, ул. Толстого, 4")
    # The specialty picker: type part of the name, pick it, see it as a chip.
    page.locator("#nmo-f-specialty-search").fill("тера")
    page.locator(".nmo-picker__option", has_text="Терапия (76)").click()
    page.locator(".nmo-picker__chip", has_text="Терапия").wait_for()
    assert page.locator(".nmo-picker__group").count() == 0  # the list closes once chosen
    page.locator("#nmo-f-capacity").fill("30")
    page.locator("#nmo-f-program").fill("Разбор ЭКГ")
    page.locator("#nmo-f-contact").fill("ecg@example.ru")
    page.locator(".nmo-org__form button[type=submit]").click()

    hours = page.locator('[data-field="days[0].hours"]')
    page.locator('[data-field="days[0].hours"][aria-invalid="true"]').wait_for()
    assert "от 1 до 6" in page.locator(".nmo-org__field-error").inner_text()

    hours.fill("6")
    page.locator("#nmo-f-capacity").fill("0")
    page.locator(".nmo-org__form button[type=submit]").click()
    page.locator('#nmo-f-capacity[aria-invalid="true"]').wait_for()
    assert hours.get_attribute("aria-invalid") is None
    assert "Число мест" in page.locator(".nmo-org__field-error").inner_text()

    page.locator("#nmo-f-capacity").fill("30")
    page.locator(".nmo-org__form button[type=submit]").click()
    row = page.locator(".nmo-org__events tr", has_text=title)
    row.wait_for()
    assert "черновик" in row.inner_text()
    row.get_by_role("button", name="Отправить на рассмотрение").click()
    page.locator(".nmo-org__events tr", has_text="на рассмотрении").filter(
        has_text=title
    ).wait_for()
    assert _script_errors(page) == []

    moderator = browser.new_context(locale="ru-RU", timezone_id="Europe/Moscow")
    try:
        signed_in(moderator, "browser-moderator", ["specialist", "moderator"])
        mod_page = moderator.new_page()
        errors: list[str] = []
        mod_page.on("pageerror", lambda exc: errors.append(str(exc)))
        mod_page.goto(portal.url + "/moderation/")
        item = mod_page.locator(".nmo-mod__item", has_text=title)
        item.wait_for()
        assert "Разбор ЭКГ" in item.inner_text()
        item.get_by_role("button", name="Отклонить").click()
        item.locator('textarea[aria-invalid="true"]').wait_for()
        assert "Причина" in item.locator(".nmo-mod__error").inner_text()
        item.locator("textarea").fill("Добавьте лектора")
        item.get_by_role("button", name="Отклонить").click()
        item.wait_for(state="detached")
        assert errors == []
    finally:
        moderator.close()

    page.reload()
    row = page.locator(".nmo-org__events tr", has_text=title)
    row.wait_for()
    assert "Добавьте лектора" in row.inner_text()


def test_an_empty_form_shows_every_missing_field_after_one_save(
    portal: Stack, page: Any, signed_in: Any
) -> None:
    signed_in(page.context, "browser-organizer-2", ["specialist", "organizer"])
    page.goto(portal.url + "/organizer/")
    page.locator(".nmo-org__content").wait_for(state="visible")
    page.locator(".nmo-org__new").click()
    page.locator(".nmo-org__form button[type=submit]").click()
    page.locator('#nmo-f-title[aria-invalid="true"]').wait_for()
    for selector in (
        '[data-field="days[0]"]',  # the missing date, on the date input
        "#nmo-f-address",
        "#nmo-f-specialty-search",
        "#nmo-f-capacity",
        "#nmo-f-program",
        "#nmo-f-contact",
    ):
        assert page.locator(selector).get_attribute("aria-invalid") == "true", selector
    notes = page.locator(".nmo-org__field-error").all_inner_texts()
    assert len(notes) == 7 and "День 1: укажите дату." in notes
    assert not any("+03:00" in n or "T10:00" in n for n in notes)
    summary = page.locator(".nmo-org__form-error").inner_text()
    assert summary == "Исправьте 7 полей — они отмечены ниже."
    assert page.evaluate("document.activeElement.id") == "nmo-f-title"
    assert _script_errors(page) == []


def test_the_specialty_picker_groups_by_level_and_chips_can_be_removed(
    portal: Stack, page: Any, signed_in: Any
) -> None:
    signed_in(page.context, "browser-organizer-3", ["specialist", "organizer"])
    page.goto(portal.url + "/organizer/")
    page.locator(".nmo-org__content").wait_for(state="visible")
    page.locator(".nmo-org__new").click()
    search = page.locator("#nmo-f-specialty-search")
    search.fill("лечебное")
    groups = page.locator(".nmo-picker__group").all_inner_texts()
    assert [g.lower() for g in groups] == ["высшее образование", "среднее образование"]
    search.press("ArrowDown")
    page.keyboard.press("Enter")
    chip = page.locator(".nmo-picker__chip", has_text="Лечебное дело (высшее образование)")
    chip.wait_for()
    assert page.locator("#nmo-f-specialties").evaluate(
        "s => [...s.selectedOptions].map(o => o.value)"
    ) == ["95"]
    chip.get_by_role("button").click()
    assert page.locator(".nmo-picker__chip").count() == 0
    search.fill("нет такой")
    page.locator(".nmo-picker__empty").wait_for()
    assert _script_errors(page) == []


def test_persona_organizer_sees_upcoming_first_filters_by_status_and_enters_attendance(
    portal: Stack, page: Any
) -> None:
    page.goto(portal.url + "/organizer/")
    page.locator(".nmo-org__login a").click()
    page.locator('button.persona[value="1000000005"]').click()
    page.wait_for_url(portal.url + "/organizer/")
    page.locator(".nmo-org__events tr").nth(1).wait_for()
    today = dt.date.today()
    rows = page.locator(".nmo-org__events tbody tr")
    first_dates = rows.nth(0).locator('td[data-label="Даты"]').inner_text()
    first_day = dt.datetime.strptime(first_dates[:10], "%d.%m.%Y").date()
    assert first_day >= today - dt.timedelta(days=1), first_dates  # ahead first, not July
    page.locator("#nmo-org-status").select_option("finished")
    statuses = page.locator('.nmo-org__events td[data-label="Статус"]').all_inner_texts()
    assert statuses and set(statuses) == {"завершено"}
    # The demo's past seminar has registrations: attendance can be entered and codes issued.
    seminar = page.locator(".nmo-org__events tr", has_text="Артериальная гипертензия: разбор")
    seminar.get_by_role("button", name="Участники и посещаемость").click()
    page.locator(".nmo-org__published").wait_for(state="visible")
    assert page.locator(".nmo-org__cancel-form").is_hidden()  # a finished event is not cancelled
    minutes = page.locator(".nmo-a-minutes")
    assert minutes.count() == 5
    minutes.first.fill("300")
    page.get_by_role("button", name="Сохранить посещаемость и выдать коды").click()
    page.locator(".nmo-org__issued").first.wait_for()
    assert "действует до" in page.locator(".nmo-org__issued").first.inner_text()
    page.locator("#nmo-org-status").select_option("published")
    buttons = page.locator(".nmo-org__events td[data-label='Действия'] button").all_inner_texts()
    assert "Участники" in buttons  # before any day is over: no attendance yet
    assert _script_errors(page) == []
