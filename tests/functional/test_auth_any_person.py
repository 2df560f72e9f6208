"""Logging in people the portal has never seen, as ЕСИА really sends them: numeric oids, tokens
signed RS256 or GOST3410_2012_256, people defined on the emulator's page or in a file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from chalicelib.db import people_repo

from tests.esia_support import Browser, person_fields, query_of


@pytest.mark.parametrize("alg", ["RS256", "GOST3410_2012_256"])
def test_a_new_person_defined_at_esia_logs_in_with_either_token_signature(
    client: Any, esia: Any, alg: str
) -> None:
    esia.app.token_alg = alg
    fields = person_fields(1)
    browser = Browser(client)
    response = browser.back_from_esia(browser.define_person(browser.start(), fields))
    assert response.headers["Location"] == "/cabinet/"
    me = browser.get("/api/me").json_body
    oid = "2" + fields["snils"].replace("-", "").replace(" ", "")
    assert me["oid"] == oid
    assert me["full_name"] == "Тестова Мария Номер1"
    stored = people_repo.get_specialist(oid)
    assert stored is not None and stored.birth_date == "1985-06-01" and stored.trusted


def test_twenty_distinct_people_get_twenty_accounts(client: Any, esia: Any) -> None:
    oids = set()
    for n in range(20):
        browser = Browser(client)
        browser.back_from_esia(browser.define_person(browser.start(), person_fields(100 + n)))
        oids.add(browser.get("/api/me").json_body["oid"])
    assert len(oids) == 20


def test_an_unconfirmed_person_from_the_page_is_turned_away(client: Any, esia: Any) -> None:
    browser = Browser(client)
    fields = person_fields(2, trusted=False)
    response = browser.back_from_esia(browser.define_person(browser.start(), fields))
    assert response.headers["Location"] == "/help/login/errors/#unconfirmed"
    assert browser.get("/api/me").status_code == 401


def test_a_person_with_a_broken_snils_at_esia_gets_the_snils_help(client: Any, esia: Any) -> None:
    browser = Browser(client)
    fields = {**person_fields(3), "snils": "112-233-445 00"}  # wrong control number
    response = browser.back_from_esia(browser.define_person(browser.start(), fields))
    assert response.headers["Location"] == "/help/login/errors/#no-snils"


def test_people_from_a_file_log_in_by_their_oid(
    client: Any, esia_files: Any, tmp_path: Path
) -> None:
    from nmo_cli.esia_emulator.personas import People, load_people

    people_file = tmp_path / "people.json"
    people_file.write_text(
        json.dumps(
            [
                {"oid": "3000000001", "last_name": "Файлова", "first_name": "Ольга",
                 "snils": "130-245-367 12", "birth_date": "12.03.1979", "trusted": True},
                {"last_name": "Второв", "first_name": "Иван", "snils": "112-233-445 95",
                 "gender": "M", "trusted": False},
            ],
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )  # fmt: skip
    people = People(load_people(people_file))
    assert [p.oid for p in people.added()] == ["3000000001", "211223344595"]
    assert people.get("211223344595").trusted is False  # type: ignore[union-attr]


def test_a_broken_people_file_is_refused_naming_the_entry(tmp_path: Path) -> None:
    from nmo_cli.esia_emulator.personas import PersonInvalid, load_people

    people_file = tmp_path / "people.json"
    people_file.write_text('[{"last_name": "А", "first_name": "Б", "snils": "12"}]', "utf-8")
    with pytest.raises(PersonInvalid, match="запись 1: СНИЛС"):
        load_people(people_file)


def test_a_person_form_without_a_name_is_refused_and_the_page_stays_usable(
    client: Any, esia: Any
) -> None:
    import re
    import urllib.parse

    from tests.esia_support import http_request

    browser = Browser(client)
    authorize = browser.start()
    _, _, page = http_request(authorize)
    request_id = re.search(r'name="request_id" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    esia_origin = authorize.split("/aas/", 1)[0]
    form = {**person_fields(4), "last_name": "", "request_id": request_id, "oid": "custom"}
    status, _, body = http_request(
        f"{esia_origin}/idp/login", "POST", urllib.parse.urlencode(form),
        {"Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    assert status == 400 and "Укажите: фамилия" in body
    form["last_name"] = "Исправленная"
    status, headers, _ = http_request(
        f"{esia_origin}/idp/login", "POST", urllib.parse.urlencode(form),
        {"Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    assert status == 302 and "code" in query_of(headers["Location"])
