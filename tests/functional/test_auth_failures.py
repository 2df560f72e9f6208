"""Bad input and failure on the login path (issue 3): each ends on a clear help page, never a 500
of ours, with nothing half-created and no personal data or token in the logs."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import urllib.parse
import uuid
from typing import Any

import pytest
from chalicelib.db import people_repo
from chalicelib.db.models import LoginState, SnilsOwner
from chalicelib.settings import reset_settings
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.esia_support import DOCTOR, Browser, query_of

HELP = "/help/login/errors/"


def nothing_created() -> bool:
    try:
        SnilsOwner.get("11223344595")
        return False
    except SnilsOwner.DoesNotExist:
        return people_repo.get_specialist(DOCTOR) is None


def assert_refused(browser: Browser, response: Any, anchor: str) -> None:
    assert response.status_code == 302
    assert response.headers["Location"] == f"{HELP}#{anchor}"
    assert "nmo_session" not in browser.cookies
    assert browser.get("/api/me").status_code == 401
    assert nothing_created()


# --- state -------------------------------------------------------------------------------


def test_a_callback_without_state_is_refused_before_the_token_exchange(
    client: Any, esia: Any
) -> None:
    browser = Browser(client)
    back = query_of(browser.choose_persona(browser.start(), DOCTOR))
    response = browser.get("/api/auth/esia/callback?code=" + urllib.parse.quote(back["code"]))
    assert_refused(browser, response, "expired")
    assert esia.app.token_requests == 0


def test_a_forged_state_is_refused_before_the_token_exchange(client: Any, esia: Any) -> None:
    browser = Browser(client)
    back = query_of(browser.choose_persona(browser.start(), DOCTOR))
    forged = urllib.parse.urlencode({"code": back["code"], "state": str(uuid.uuid4())})
    assert_refused(browser, browser.get(f"/api/auth/esia/callback?{forged}"), "expired")
    assert esia.app.token_requests == 0
    # the real state still works: a forgery does not burn it
    real = urllib.parse.urlencode({"code": back["code"], "state": back["state"]})
    assert browser.get(f"/api/auth/esia/callback?{real}").headers["Location"] == "/cabinet/"


def test_a_replayed_callback_is_refused(client: Any, esia: Any) -> None:
    browser = Browser(client)
    callback = browser.choose_persona(browser.start(), DOCTOR)
    login_cookie = browser.cookies["nmo_esia_login"]
    assert browser.back_from_esia(callback).headers["Location"] == "/cabinet/"
    # an attacker who captured the URL and the login cookie replays them
    replayer = Browser(client, cookies={"nmo_esia_login": login_cookie})
    response = replayer.back_from_esia(callback)
    assert response.headers["Location"] == f"{HELP}#expired"
    assert "nmo_session" not in replayer.cookies
    assert esia.app.token_requests == 1


def test_a_state_issued_to_another_browser_is_refused(client: Any, esia: Any) -> None:
    victim = Browser(client)
    callback = victim.choose_persona(victim.start(), DOCTOR)
    attacker = Browser(client)
    attacker.start()  # has a login cookie of its own
    response = attacker.back_from_esia(callback)
    assert_refused(attacker, response, "expired")
    assert esia.app.token_requests == 0


def test_a_browser_that_blocks_cookies_gets_the_cookies_help(client: Any, esia: Any) -> None:
    browser = Browser(client)
    callback = browser.choose_persona(browser.start(), DOCTOR)
    browser.cookies.clear()
    assert_refused(browser, browser.back_from_esia(callback), "cookies")
    assert esia.app.token_requests == 0


def test_an_expired_state_is_refused(
    client: Any, esia: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.services import auth

    browser = Browser(client)
    callback = browser.choose_persona(browser.start(), DOCTOR)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=auth.LOGIN_TTL_SECONDS + 5)
    monkeypatch.setattr(auth, "utcnow", lambda: later)
    assert_refused(browser, browser.back_from_esia(callback), "expired")
    assert esia.app.token_requests == 0


def test_a_state_record_is_gone_after_use(client: Any, esia: Any) -> None:
    browser = Browser(client)
    callback = browser.choose_persona(browser.start(), DOCTOR)
    state = query_of(callback)["state"]
    assert LoginState.get(state).next_path == "/cabinet/"
    browser.back_from_esia(callback)
    with pytest.raises(LoginState.DoesNotExist):
        LoginState.get(state)


# --- code and tokens ---------------------------------------------------------------------


def test_a_code_used_twice_is_refused(client: Any, esia: Any) -> None:
    first = Browser(client)
    callback = first.choose_persona(first.start(), DOCTOR)
    first.back_from_esia(callback)
    code = query_of(callback)["code"]
    # the same code with a fresh, valid state of another browser
    second = Browser(client)
    fresh_state = query_of(second.start())["state"]
    query = urllib.parse.urlencode({"code": code, "state": fresh_state})
    response = second.get(f"/api/auth/esia/callback?{query}")
    assert response.headers["Location"] == f"{HELP}#esia-error"
    assert "nmo_session" not in second.cookies


@pytest.mark.parametrize("fault", ["wrong_signature", "wrong_audience", "expired", "alg_none"])
def test_a_bad_token_is_refused_and_nothing_is_created(client: Any, esia: Any, fault: str) -> None:
    if fault == "wrong_signature":
        esia.faults.token_signing_key = rsa.generate_private_key(
            public_exponent=65537, key_size=2048
        )
    elif fault == "wrong_audience":
        esia.faults.token_audience = "ANOTHERSYSTEM"
    elif fault == "expired":
        esia.faults.token_time_shift = -2 * 3600
    else:
        esia.faults.token_alg_none = True
    browser = Browser(client)
    assert_refused(browser, browser.login(DOCTOR), "esia-error")


def test_esia_answering_500_gets_the_unavailable_page(client: Any, esia: Any) -> None:
    esia.faults.token_status = 500
    browser = Browser(client)
    assert_refused(browser, browser.login(DOCTOR), "unavailable")


def test_esia_timing_out_gets_the_unavailable_page(
    client: Any, esia: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NMO_ESIA_TIMEOUT_SECONDS", "0.3")
    reset_settings()
    esia.faults.token_hold = threading.Event()
    browser = Browser(client)
    try:
        response = browser.login(DOCTOR)
    finally:
        esia.faults.token_hold.set()
    assert_refused(browser, response, "unavailable")


def test_esia_unreachable_gets_the_unavailable_page(
    client: Any, esia: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    browser = Browser(client)
    callback = browser.choose_persona(browser.start(), DOCTOR)
    monkeypatch.setenv("NMO_ESIA_BASE_URL", "http://127.0.0.1:9")
    reset_settings()
    assert_refused(browser, browser.back_from_esia(callback), "unavailable")


# --- the person record -------------------------------------------------------------------


@pytest.mark.parametrize("snils", [None, "", "112-233-445 96", "11223344", "ABC-DEF-GHI 00"])
def test_a_person_without_a_valid_snils_gets_the_snils_help(
    client: Any, esia: Any, snils: str | None
) -> None:
    esia.faults.person_overrides = {"snils": snils}
    browser = Browser(client)
    assert_refused(browser, browser.login(DOCTOR), "no-snils")


@pytest.mark.parametrize(
    "override",
    [
        {"lastName": None},
        {"firstName": "<script>alert(1)</script>\x00"},
        {"birthDate": "31.02.1980"},
    ],
)
def test_a_broken_person_record_gets_the_esia_error_page(
    client: Any, esia: Any, override: dict[str, Any]
) -> None:
    esia.faults.person_overrides = override
    browser = Browser(client)
    assert_refused(browser, browser.login(DOCTOR), "esia-error")


def test_a_person_record_saying_unconfirmed_is_turned_away(client: Any, esia: Any) -> None:
    esia.faults.person_overrides = {"trusted": False}
    browser = Browser(client)
    assert_refused(browser, browser.login(DOCTOR), "unconfirmed")


def test_an_esia_refusal_with_an_unknown_code_gets_the_generic_page(client: Any, esia: Any) -> None:
    browser = Browser(client)
    state = query_of(browser.start())["state"]
    query = urllib.parse.urlencode(
        {"error": "server_error", "error_description": "ESIA-007999: <b>что-то</b>", "state": state}
    )
    assert_refused(browser, browser.get(f"/api/auth/esia/callback?{query}"), "esia-error")


def test_no_snils_name_or_token_reaches_the_logs(
    client: Any, esia: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)  # the production level, for every logger
    browser = Browser(client)
    browser.login(DOCTOR)  # success
    browser.get("/api/me")
    Browser(client).login("1000000003")  # unconfirmed
    esia.faults.person_overrides = {"snils": "112-233-445 96"}
    Browser(client).login("1000000002")  # invalid СНИЛС
    esia.faults.person_overrides = {}
    esia.faults.token_audience = "OTHER"
    Browser(client).login(DOCTOR)  # bad token
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "esia login ok" in text  # the log is captured at all
    for secret in ("11223344595", "112-233-445 95", "112-233-445 96", "Петров", "Сергей",
                   "Смирнова", "Кузнецов", "eyJ", "client_secret", "code="):  # fmt: skip
        assert secret not in text, secret
