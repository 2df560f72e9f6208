"""Applications in real Chromium: the therapist disputes a missing event credit with a PDF from a
phone, the organizer accepts it, the cycle grows by the event's hours and the history shows both
steps."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.applications_support import PDF, finished_event
from tests.stack import Stack

ORG = "org-apps-browser"


@pytest.fixture
def people(portal: Stack, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from chalicelib.db import connection
    from chalicelib.settings import reset_settings

    from tests.people import login_headers, make_person

    for key, value in portal.env().items():
        monkeypatch.setenv(key, value)
    reset_settings()
    connection.unbind()
    connection.ensure_bound()

    def sign_in(context: Any, oid: str, **kwargs: Any) -> None:
        person = make_person(oid, **kwargs)
        name, value = login_headers(person)["Cookie"].split("=", 1)
        context.add_cookies([{"name": name, "value": value, "url": portal.url}])

    yield sign_in
    connection.unbind()
    reset_settings()


def _earned(page: Any) -> float:
    cycles = page.evaluate("fetch('/api/me/cycles').then(r => r.json())")["items"]
    return float(next(c for c in cycles if c["specialty"] == "76")["earned"]["total"])


def _script_errors(page: Any) -> list[str]:
    return [e for e in page.console_errors if not e.startswith("Failed to load resource")]


def test_therapist_disputes_a_missing_event_credit_and_the_organizer_accepts_it(
    portal: Stack, phone_page: Any, page: Any, people: Any, tmp_path: Path
) -> None:
    event_id, day = finished_event(ORG, hours=6, title="Школа терапевта: браузерный тест")
    people(
        phone_page.context,
        "7700001",
        specialties=[("76", "2022-06-01")],
        name=("Терапевтова", "Ольга", "Сергеевна"),
    )
    people(page.context, "7700002", roles=["specialist", "organizer"], organization_id=ORG)

    doctor = phone_page
    doctor.goto(portal.url + "/cabinet/")
    doctor.locator(".nmo-cab__content").wait_for(state="visible")
    before = _earned(doctor)
    doctor.get_by_role("link", name="Подать заявление").click()
    doctor.locator(".nmo-apps__content").wait_for(state="visible")
    doctor.locator("#nmo-apps-event-id").fill(event_id)
    doctor.locator("#nmo-apps-day").fill(day)
    doctor.locator("#nmo-apps-specialty").select_option("76")
    doctor.locator("#nmo-apps-description").fill("Был весь день, код на выходе не выдали")
    scan = tmp_path / "бейдж и программа.pdf"
    scan.write_bytes(PDF)
    doctor.locator("#nmo-apps-files").set_input_files(str(scan))
    doctor.get_by_role("button", name="Подать").click()
    doctor.locator(".nmo-apps__result", has_text="Заявление подано").wait_for()
    filed = doctor.locator('.nmo-apps__item[data-status="submitted"]')
    filed.wait_for()
    assert "Школа терапевта: браузерный тест" in filed.inner_text()
    filed.locator(".nmo-apps__steps li", has_text="заявление подано").wait_for()

    page.goto(portal.url + "/organizer/applications/")
    item = page.locator(".nmo-apps__item", has_text="Терапевтова Ольга Сергеевна")
    item.wait_for()
    item.get_by_role("button", name="Открыть «бейдж и программа.pdf»").wait_for()
    item.get_by_role("button", name="Принять").click()
    page.locator('.nmo-apps__item[data-status="accepted"]').wait_for()

    assert _earned(doctor) == before + 6
    doctor.goto(portal.url + "/cabinet/applications/")
    accepted = doctor.locator('.nmo-apps__item[data-status="accepted"]')
    accepted.locator(".nmo-apps__steps li", has_text="организатор").wait_for()
    doctor.goto(portal.url + "/cabinet/")
    history = doctor.locator(".nmo-cab__history")
    history.get_by_text("Зачтено по принятому заявлению").wait_for()
    history.get_by_text("Подано заявление").wait_for()
    ledger = doctor.locator(
        ".nmo-cab__credits tbody tr", has_text="Школа терапевта: браузерный тест"
    )
    ledger.wait_for()
    assert "заявление" in ledger.inner_text()
    assert _script_errors(doctor) == [] and _script_errors(page) == []
