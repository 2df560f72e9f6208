"""The dashboard pages in real Chromium, on a phone-sized screen: the ministry's heat map with its
table, the employer's upload (a check first, written only on confirm, a bad row named by its
number) and the staff list, the cabinet's switch for sharing with the employer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import artifact
from tests.stack import Stack

ORG = "org-7707083893"


@pytest.fixture
def people(portal: Stack, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
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
        org_id=ORG, name="Городская больница № 7", created_at=dt.datetime.now(dt.UTC)
    ).save()

    def sign_in(context: Any, person: Any) -> None:
        name, value = login_headers(person)["Cookie"].split("=", 1)
        context.add_cookies([{"name": name, "value": value, "url": portal.url}])

    yield make_person, sign_in
    connection.unbind()
    reset_settings()


def test_employer_checks_then_confirms_a_staff_list_and_analyst_sees_the_heat_map(
    portal: Stack, page: Any, people: Any, tmp_path: Path
) -> None:
    from chalicelib.services import dashboard_counters

    from tests.people import valid_snils

    make_person, sign_in = people
    page.set_viewport_size({"width": 390, "height": 800})
    nurse = make_person("4100000001", specialties=[("76", "2022-06-01")], snils=valid_snils(4101))
    dashboard_counters.sync(nurse)
    employer = make_person("4100000002", roles=["specialist", "employer"], organization_id=ORG)
    sign_in(page.context, employer)

    bad = tmp_path / "staff.csv"
    bad.write_text(f"СНИЛС;ФИО\n{nurse.snils};Петрова А. А.\n123-456-789 00;Ошибка\n", "utf-8")
    page.goto(portal.url + "/employer/")
    page.locator(".nmo-emp__content").wait_for(state="visible")
    page.locator(".nmo-emp__file").set_input_files(str(bad))
    page.locator(".nmo-emp__check").click()
    page.locator(".nmo-emp__errors li").first.wait_for()
    assert "Строка 3" in page.locator(".nmo-emp__errors").inner_text()
    assert page.locator(".nmo-emp__confirm-box").is_hidden()

    good = tmp_path / "staff2.csv"
    good.write_text(
        f"СНИЛС;ФИО\n{nurse.snils};Петрова А. А.\n{valid_snils(4102)};Новикова\n", "utf-8"
    )
    page.locator(".nmo-emp__file").set_input_files(str(good))
    page.locator(".nmo-emp__check").click()
    page.locator(".nmo-emp__confirm-box").wait_for(state="visible")
    assert "добавится 2" in page.locator(".nmo-emp__result").inner_text()
    assert page.locator(".nmo-emp__empty").is_visible()  # nothing written before the confirm
    page.locator(".nmo-emp__confirm").click()
    row = page.locator(".nmo-emp__staff tr", has_text="Петрова")
    row.wait_for()
    assert "Список записан: строк 2, добавлено 2" in page.locator(".nmo-emp__result").inner_text()
    assert "01.06.2027" in row.inner_text()
    assert "ещё не входил" in page.locator(".nmo-emp__staff tr", has_text="Новикова").inner_text()
    page.screenshot(path=str(artifact("employer-phone.png")), full_page=True)
    # On the phone each employee is a card: status and expiry in view, nothing scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    status = row.locator("td[data-label='Статус']")
    box = status.bounding_box()
    assert status.is_visible() and box["x"] + box["width"] <= 390

    analyst = make_person("4100000003", roles=["specialist", "analyst"])
    context = page.context
    context.clear_cookies()
    sign_in(context, analyst)
    page.goto(portal.url + "/dashboard/")
    page.locator(".nmo-dash__content").wait_for(state="visible")
    table = page.locator(".nmo-dash__region")
    table.locator("tr", has_text="Терапия").first.wait_for()
    assert "<5" in table.inner_text()
    assert page.locator(".nmo-dash__heat span").count() > 24
    page.locator(".nmo-dash__events-org thead").wait_for(state="attached")
    # One sharing employee: the organization's total is «<5», its bar hatched, not empty.
    bar = page.locator(".nmo-dash__bar", has_text="Городская больница № 7")
    assert bar.inner_text().strip().endswith("<5")
    assert bar.locator(".nmo-dash__bar-track--hidden").count() == 1
    page.locator(".nmo-dash__bar button", has_text="Городская больница № 7").click()
    page.locator(".nmo-dash__detail-table tr", has_text="Терапия").wait_for()
    page.screenshot(path=str(artifact("dashboard-phone.png")), full_page=True)
    # Nothing is wider than the phone's screen but the tables' own scrolling boxes.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400


def test_specialist_switches_sharing_off_in_the_cabinet(
    portal: Stack, page: Any, people: Any
) -> None:
    make_person, sign_in = people
    person = make_person("4100000010", specialties=[("76", "2022-06-01")])
    sign_in(page.context, person)
    page.goto(portal.url + "/cabinet/")
    switch = page.locator(".nmo-cab__sharing")
    page.locator("#nmo-cab-sharing").wait_for(state="visible")
    assert switch.is_checked()
    assert "не список пройденных" in page.locator(".nmo-cab__sharing-explained").inner_text()
    switch.uncheck()
    page.locator(".nmo-cab__sharing-result", has_text="больше не видит").wait_for()
    page.reload()
    page.locator("#nmo-cab-sharing").wait_for(state="visible")
    assert not page.locator(".nmo-cab__sharing").is_checked()


def test_employer_sees_the_first_page_of_a_long_staff_list_and_asks_for_the_rest(
    portal: Stack, page: Any, people: Any
) -> None:
    from chalicelib.db import dashboard_repo
    from chalicelib.db.models import Organization

    from tests.people import valid_snils

    make_person, sign_in = people
    page.set_viewport_size({"width": 390, "height": 800})
    org = "org-7728168971"  # its own organization: the stack is shared with the test above
    Organization(org_id=org, name="Областная больница", created_at=dt.datetime.now(dt.UTC)).save()
    for i in range(57):
        dashboard_repo.staff_member(org, valid_snils(5000 + i), f"Сотрудник {i:02d}", None).save()
    employer = make_person("4100000020", roles=["specialist", "employer"], organization_id=org)
    sign_in(page.context, employer)
    page.goto(portal.url + "/employer/")
    rows = page.locator(".nmo-emp__staff tbody tr")
    more = page.locator(".nmo-emp__more")
    more.wait_for(state="visible")  # shown once the first page says there is a next one
    assert rows.count() == 50
    more.click()
    more.wait_for(state="hidden")
    assert rows.count() == 57
    page.screenshot(path=str(artifact("employer-staff-pages-phone.png")))
    names = [rows.nth(i).locator("th").inner_text() for i in range(57)]
    assert sorted(names) == sorted(f"Сотрудник {i:02d}" for i in range(57))  # each once
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
