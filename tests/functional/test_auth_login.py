"""Logging in through Госуслуги, end to end: Chalice test client ⇄ the ЕСИА emulator (in process,
ephemeral port) with in-process moto for storage."""

from __future__ import annotations

import urllib.parse
from typing import Any

import pytest
from chalicelib.db import audit_repo, people_repo
from chalicelib.db.models import SnilsOwner

from tests.esia_support import (
    DECLINER,
    DOCTOR,
    NURSE,
    UNCONFIRMED,
    Browser,
    http_request,
    set_cookie_values,
)
from tests.people import make_person

DOCTOR_SNILS = "11223344595"


def snils_owner(snils: str) -> str | None:
    try:
        return SnilsOwner.get(snils).oid
    except SnilsOwner.DoesNotExist:
        return None


def test_the_doctor_logs_in_and_lands_in_the_cabinet_with_their_name(
    client: Any, esia: Any
) -> None:
    browser = Browser(client)
    response = browser.login(DOCTOR)
    assert response.status_code == 302
    assert response.headers["Location"] == "/cabinet/"
    session = next(c for c in set_cookie_values(response.headers) if c.startswith("nmo_session="))
    assert "HttpOnly" in session and "SameSite=Lax" in session and "Path=/" in session
    me = browser.get("/api/me")
    assert me.status_code == 200
    body = me.json_body
    assert body["oid"] == DOCTOR
    assert body["full_name"] == "Петров Сергей Иванович"
    assert body["snils_masked"] == "***-***-*45 95"
    assert body["roles"] == ["specialist"]
    assert body["consent"] == {"egisz": False}
    assert len(body["csrf_token"]) > 20
    stored = people_repo.get_specialist(DOCTOR)
    assert stored is not None and stored.snils == DOCTOR_SNILS and stored.trusted
    assert stored.birth_date == "1980-03-15"
    assert snils_owner(DOCTOR_SNILS) == DOCTOR


def test_the_nurse_logs_in_too(client: Any, esia: Any) -> None:
    browser = Browser(client)
    assert browser.login(NURSE).headers["Location"] == "/cabinet/"
    assert browser.get("/api/me").json_body["full_name"] == "Смирнова Анна Викторовна"


def test_login_returns_to_the_page_it_started_from(client: Any, esia: Any) -> None:
    response = Browser(client).login(DOCTOR, next_path="/catalog/76/?from=2026-01-01#events")
    assert response.headers["Location"] == "/catalog/76/?from=2026-01-01#events"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example",
        "https://evil.example/cabinet/",
        "//evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "/%0a\n/evil.example",
        "javascript:alert(1)",
        "cabinet/",
        "/" + "a" * 600,
    ],
)
def test_a_return_address_outside_the_site_is_refused(client: Any, esia: Any, target: str) -> None:
    response = Browser(client).get(
        "/api/auth/esia/login?next=" + urllib.parse.quote(target, safe="")
    )
    assert response.status_code == 400
    error = response.json_body["error"]
    assert error["field"] == "next"
    assert "путём на этом сайте" in error["message"]
    assert "Location" not in response.headers


def test_a_name_changed_at_gosuslugi_flows_through_on_next_login(client: Any, esia: Any) -> None:
    Browser(client).login(DOCTOR)
    esia.faults.person_overrides = {"lastName": "Петров-Водкин", "middleName": None}
    browser = Browser(client)
    browser.login(DOCTOR)
    assert browser.get("/api/me").json_body["full_name"] == "Петров-Водкин Сергей"
    assert people_repo.get_specialist(DOCTOR).middle_name is None
    actions = [e.action for e in audit_repo.history(f"person#{DOCTOR}")]
    assert actions == ["esia.profile_updated", "esia.profile_created"]
    assert audit_repo.history(f"person#{DOCTOR}")[0].after == {
        "fields": ["last_name", "middle_name"]
    }


def test_logging_in_again_unchanged_keeps_roles_and_adds_no_audit_noise(
    client: Any, esia: Any
) -> None:
    make_person(DOCTOR, roles=["specialist", "organizer"], snils=DOCTOR_SNILS,
                name=("Петров", "Сергей", "Иванович"), specialties=[("76", "2023-03-15")])  # fmt: skip
    people_repo.get_specialist(DOCTOR).update(
        actions=[people_repo.Specialist.birth_date.set("1980-03-15"),
                 people_repo.Specialist.gender.set("M")]
    )  # fmt: skip
    browser = Browser(client)
    browser.login(DOCTOR)
    me = browser.get("/api/me").json_body
    assert me["roles"] == ["specialist", "organizer"]
    assert me["specialties"] == [{"code": "76", "name": "Терапия"}]
    assert audit_repo.history(f"person#{DOCTOR}") == []


def test_a_changed_snils_moves_the_ownership_record(client: Any, esia: Any) -> None:
    Browser(client).login(DOCTOR)
    esia.faults.person_overrides = {"snils": "128-394-576 94"}
    Browser(client).login(DOCTOR)
    assert snils_owner("12839457694") == DOCTOR
    assert snils_owner(DOCTOR_SNILS) is None
    assert people_repo.get_specialist(DOCTOR).snils == "12839457694"


def test_one_snils_is_never_two_accounts(client: Any, esia: Any) -> None:
    make_person("2000000099", snils=DOCTOR_SNILS)
    browser = Browser(client)
    response = browser.login(DOCTOR)
    assert response.headers["Location"] == "/help/login/errors/#snils-taken"
    assert people_repo.get_specialist(DOCTOR) is None
    assert snils_owner(DOCTOR_SNILS) == "2000000099"
    assert "nmo_session" not in browser.cookies


def test_an_unconfirmed_account_gets_the_help_page_and_no_profile(client: Any, esia: Any) -> None:
    browser = Browser(client)
    response = browser.login(UNCONFIRMED)
    assert response.headers["Location"] == "/help/login/errors/#unconfirmed"
    assert people_repo.get_specialist(UNCONFIRMED) is None
    assert "nmo_session" not in browser.cookies
    assert browser.get("/api/me").status_code == 401


def test_a_person_who_declines_gets_the_refusal_help_page(client: Any, esia: Any) -> None:
    browser = Browser(client)
    response = browser.login(DECLINER)
    assert response.headers["Location"] == "/help/login/errors/#declined"
    assert people_repo.get_specialist(DECLINER) is None
    assert esia.app.token_requests == 0


def test_a_computer_clock_minutes_off_gets_the_clock_help_page(
    client: Any, esia: Any, esia_clock: Any
) -> None:
    esia_clock.offset = 600  # ЕСИА's clock and ours disagree by ten minutes
    browser = Browser(client)
    refusal = browser.start()
    status, headers, _ = http_request(refusal)
    assert status == 302
    response = browser.back_from_esia(headers["Location"])
    assert response.headers["Location"] == "/help/login/errors/#clock"


def test_a_login_costs_a_handful_of_dynamodb_calls(client: Any, esia: Any) -> None:
    from chalicelib.db.connection import call_counter

    for _ in range(2):  # a new profile, then a returning person with history
        browser = Browser(client)
        call_counter.clear()
        authorize = browser.start()
        assert sum(call_counter.values()) == 1  # the state
        callback = browser.choose_persona(authorize, DOCTOR)
        call_counter.clear()
        assert browser.back_from_esia(callback).headers["Location"] == "/cabinet/"
        assert "Scan" not in call_counter
        assert call_counter["TransactWriteItems"] == 1
        assert sum(call_counter.values()) <= 7, dict(call_counter)


def test_two_login_tabs_in_one_browser_both_work(client: Any, esia: Any) -> None:
    browser = Browser(client)
    first_tab = browser.start("/catalog/")
    second_tab = browser.start("/cabinet/")
    first_back = browser.choose_persona(first_tab, DOCTOR)
    second_back = browser.choose_persona(second_tab, DOCTOR)
    assert browser.back_from_esia(first_back).headers["Location"] == "/catalog/"
    assert browser.back_from_esia(second_back).headers["Location"] == "/cabinet/"


def test_a_return_address_in_cyrillic_works_and_the_location_is_ascii(
    client: Any, esia: Any
) -> None:
    browser = Browser(client)
    response = browser.login(DOCTOR, next_path="/поиск/?q=кардиология")
    location = response.headers["Location"]
    assert (
        location
        == "/%D0%BF%D0%BE%D0%B8%D1%81%D0%BA/?q=%D0%BA%D0%B0%D1%80%D0%B4%D0%B8%D0%BE%D0%BB%D0%BE%D0%B3%D0%B8%D1%8F"
    )
    assert urllib.parse.unquote(location) == "/поиск/?q=кардиология"
    assert browser.get("/api/me").status_code == 200


def test_a_failed_login_sends_the_person_to_help_with_the_way_back(client: Any, esia: Any) -> None:
    response = Browser(client).login(DECLINER, next_path="/catalog/76/?from=2026-01-01")
    location = response.headers["Location"]
    assert location.startswith("/help/login/errors/?") and location.endswith("#declined")
    back = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)["next"]
    assert back == ["/catalog/76/?from=2026-01-01"]
    # the retry link's target starts the login again towards the same page
    retry = Browser(client).get("/api/auth/esia/login?" + urllib.parse.urlencode({"next": back[0]}))
    assert retry.status_code == 302


def test_first_login_credits_the_provider_rows_waiting_for_the_snils(
    client: Any, esia: Any
) -> None:
    import datetime as dt

    from chalicelib.db import credits_repo
    from chalicelib.db.models import PendingCredit, SpecialtyRecord
    from chalicelib.db.models import Specialist as SpecialistModel

    now = dt.datetime.now(dt.UTC)
    SpecialistModel(
        DOCTOR,
        education_level="higher",
        roles=["specialist"],
        specialties=[SpecialtyRecord(code="76", admitted_on="2022-03-15")],
        created_at=now,
        updated_at=now,
    ).save()
    for n, (title, hours) in enumerate([("Кардиология", 36), ("Пульмонология", 18)]):
        credits_repo.save_pending(
            PendingCredit(
                snils=DOCTOR_SNILS,
                record_id=credits_repo.new_record_id(f"2024-04-1{n}", f"t{n}"),
                kind="dpp_pk",
                title=title,
                hours=hours,
                completed_on=f"2024-04-1{n}",
                specialty="76",
                candidate_specialties=["76"],
                document=f"УД-{n}",
                created_at=now,
            )
        )
    browser = Browser(client)
    browser.login(DOCTOR)
    cycles = browser.get("/api/me/cycles").json_body["items"]
    assert cycles[0]["earned"]["dpp_pk"] == 54
    assert credits_repo.pending_for(DOCTOR_SNILS) == []  # moved, not copied
