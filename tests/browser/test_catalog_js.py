"""The catalog scripts in real Chromium against a small built site on a tiny static server, with
/api routed by Playwright (unit level: the script's side of the API contract). The same pages
against the real API are in test_catalog.py."""

from __future__ import annotations

import functools
import http.server
import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from nmo_cli.site_build import content_security_policy

from tests.site_catalog import build_site, sample_catalog, stemming

ME = {
    "oid": "1000000001",
    "full_name": "Иванова Мария Петровна",
    "csrf_token": "csrf-123",
    "roles": ["specialist"],
}
SEATS = {
    "id": "ev-cardio00001",
    "capacity": 40,
    "seats_left": 7,
    "waitlist_length": 0,
    "registration_open": True,
}


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    site = build_site(tmp_path_factory.mktemp("jsite"), sample_catalog())
    policy = content_security_policy(site)

    class Handler(http.server.SimpleHTTPRequestHandler):
        def end_headers(self) -> None:
            self.send_header("Content-Security-Policy", policy)
            super().end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=str(site))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


class FakeApi:
    """Routes /api/* of one page; records what the scripts sent."""

    def __init__(self, page: Any, *, me: dict[str, Any] | None = None) -> None:
        self.me = me
        self.calls: list[tuple[str, str, dict[str, str]]] = []
        self.registration = (201, {"status": "confirmed", "position": None})
        self.mine: dict[str, Any] | None = None  # the visitor's own registration (GET …/me)
        self.seats = dict(SEATS)
        page.route("**/api/**", self._handle)

    def _handle(self, route: Any) -> None:
        request = route.request
        path = re.sub(r"^https?://[^/]+", "", request.url)
        self.calls.append((request.method, path, request.headers))
        if path == "/api/me":
            if self.me is None:
                return self._json(route, 401, _error("not_logged_in", "Войдите через Госуслуги."))
            return self._json(route, 200, self.me)
        if path == "/api/auth/logout" and request.method == "POST":
            return self._json(route, 200, {"logout_url": "/?logged-out=1"})
        if path.startswith("/api/events/") and path.endswith("/registrations"):
            return self._json(route, *self.registration)
        if path.startswith("/api/events/") and path.endswith("/registrations/me"):
            if request.method == "DELETE" and self.mine is not None:
                self.mine = None
                return self._json(route, 200, {"status": "cancelled", "position": None})
            return self._json(route, 200, {"registration": self.mine})
        if path.startswith("/api/events/"):
            return self._json(route, 200, self.seats)
        if path.startswith("/api/auth/esia/login"):
            return route.fulfill(
                status=200, content_type="text/html; charset=utf-8", body="<title>ЕСИА</title>"
            )
        return self._json(route, 404, _error("not_found", "Нет такого адреса."))

    @staticmethod
    def _json(route: Any, status: int, body: dict[str, Any]) -> None:
        route.fulfill(
            status=status, content_type="application/json; charset=utf-8", body=json.dumps(body)
        )


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "field": None}}


def _sign_in(page: Any, site_url: str) -> None:
    """What clicking «Войти через Госуслуги» leaves behind once the login has come back."""
    page.goto(site_url + "/404.html")
    page.evaluate("localStorage.setItem('nmo.signedIn', '1')")


def test_browser_stemmer_gives_the_build_stemmer_stems(page: Any, site_url: str) -> None:
    root = Path(__file__).resolve().parents[2]
    text = " ".join(
        p.read_text(encoding="utf-8")
        for p in [
            *sorted((root / "site" / "help").glob("*.md")),
            root / "functions/chalicelib/reference/specialties.csv",
        ]
    )
    words = [
        *sorted(set(stemming.words(text))),
        "кардиологии", "хирургическое", "красивейшая", "прочитавшись", "читаемых", "ёжиками",
        "длиннейший", "организованностью", "бегающий", "сделавши", "отнесённые",
    ]  # fmt: skip
    page.goto(site_url + "/search/")
    browser_stems = page.evaluate("ws => ws.map(w => NmoStem.stem(w))", words)
    mismatched = [
        (w, stemming.stem(w), b)
        for w, b in zip(words, browser_stems, strict=True)
        if stemming.stem(w) != b
    ]
    assert len(words) > 500 and mismatched == []
    assert page.console_errors == []


# The visitor's clock in the filtering tests: the catalog lists what has ended behind a switch
# (by the visitor's own date), and every sample element is still ahead on this day, whatever day
# the suite runs on.
BEFORE_THE_SAMPLES = "2026-11-20T12:00:00+03:00"


def test_filtering_by_specialty_shows_only_its_elements(page: Any, site_url: str) -> None:
    FakeApi(page)
    page.clock.set_fixed_time(BEFORE_THE_SAMPLES)
    page.goto(site_url + "/catalog/")
    page.select_option("select[name=specialty]", label="Кардиология")
    status = page.locator("#nmo-results-status")
    status.filter(has_text="Найдено: 2.").wait_for()
    titles = page.locator("#nmo-results .nmo-item__title").all_text_contents()
    assert titles == [
        "Конференция «Кардиология сегодня»",
        "Фибрилляция предсердий в практике терапевта",
    ]
    assert "specialty=25" in page.url  # a shareable link to the filtered list
    page.select_option("select[name=kind]", value="iom")
    status.filter(has_text="Найдено: 1.").wait_for()
    page.select_option("select[name=kind]", value="")
    page.fill("input[name=hours_min]", "5")
    status.filter(has_text="Найдено: 1.").wait_for()
    assert page.console_errors == []


def test_choices_made_while_the_index_loads_render_once_and_nothing_rewrites_later(
    page: Any, site_url: str
) -> None:
    """Each choice asks for a render; while the index loads they pile up. Only the newest renders,
    and no late render or address rewrite follows: either would land under a visitor's click on a
    result (a rebuilt list moves the link, and Chromium drops a pending navigation when the page
    rewrites its own address). The clock is fake, so "later" is exact, not a wait."""
    FakeApi(page)
    page.clock.install(time=BEFORE_THE_SAMPLES)
    held: list[Any] = []
    page.route("**/catalog/index.json", lambda route: held.append(route))
    page.goto(site_url + "/catalog/")
    page.evaluate(
        """() => {
        window.nmoRenders = 0; window.nmoRewrites = 0;
        const replace = history.replaceState.bind(history);
        history.replaceState = (...args) => { window.nmoRewrites += 1; return replace(...args); };
        new MutationObserver((records) => {
          records.forEach((r) => r.addedNodes.forEach((node) => {
            if (/^Найдено/.test(node.textContent)) window.nmoRenders += 1;
          }));
        }).observe(document.getElementById("nmo-results-status"), {childList: true});
      }"""
    )
    page.fill("input[name=q]", "кардиолог")  # typing: waits for a pause
    page.select_option("select[name=specialty]", label="Кардиология")
    page.select_option("select[name=kind]", value="event")
    page.fill("input[name=from]", "2026-01-01")
    page.wait_for_function("() => true")  # let the route handler see the request
    assert len(held) == 1  # one index load for all the choices
    held[0].continue_()
    status = page.locator("#nmo-results-status")
    status.filter(has_text="Найдено: 1.").wait_for()
    page.locator("#nmo-results .nmo-item").first.evaluate("li => li.dataset.seen = '1'")
    page.clock.run_for(5000)  # any render still waiting would run now
    assert page.evaluate("[window.nmoRenders, window.nmoRewrites]") == [1, 1]
    assert page.locator("#nmo-results .nmo-item[data-seen='1']").count() == 1
    assert "from=2026-01-01" in page.url and "kind=event" in page.url
    assert page.console_errors == []


def test_filters_by_format_city_and_dates(page: Any, site_url: str) -> None:
    FakeApi(page)
    page.clock.set_fixed_time(BEFORE_THE_SAMPLES)
    page.goto(site_url + "/catalog/?format=online")
    page.locator("#nmo-results-status").filter(has_text="Найдено: 2.").wait_for()
    page.goto(site_url + "/catalog/?city=" + "Ярославль")
    page.locator("#nmo-results-status").filter(has_text="Найдено: 2.").wait_for()
    page.goto(site_url + "/catalog/?from=2027-01-01&kind=dpp_pk")
    page.locator("#nmo-results-status").filter(has_text="Найдено: 1.").wait_for()
    assert page.locator("#nmo-results .nmo-item__title").all_text_contents() == [
        "Неврология: инсульт на догоспитальном этапе"
    ]
    assert page.console_errors == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("кардиологии", "Кардиология"),
        ("хирургическое", "Хирургия"),
        ("неврологией", "Неврология: инсульт на догоспитальном этапе"),
        ("аккредитации", "Баллы (ЗЕТ) и циклы"),
    ],
)
def test_search_finds_word_forms(page: Any, site_url: str, query: str, expected: str) -> None:
    FakeApi(page)
    page.goto(site_url + "/search/")
    page.fill("#nmo-search input[name=q]", query)
    page.press("#nmo-search input[name=q]", "Enter")
    page.locator("#nmo-search-status").filter(has_text="Найдено").wait_for()
    assert expected in page.locator("#nmo-search-results a").all_text_contents()
    assert page.console_errors == []


def test_anonymous_visitor_sees_seats_and_is_sent_to_login_without_calling_me(
    page: Any, site_url: str
) -> None:
    api = FakeApi(page)
    page.goto(site_url + "/catalog/e/ev-cardio00001/")
    page.locator(".nmo-seats__live").filter(has_text="Свободных мест: 7 из 40.").wait_for()
    assert not [c for c in api.calls if c[1] == "/api/me"]
    assert page.locator(".nmo-account__login").is_visible()
    assert not page.locator(".nmo-account__logout").is_visible()
    assert not page.locator(".nmo-account__cabinet").is_visible()
    page.click(".nmo-seats__register")
    page.wait_for_url(re.compile(r"/api/auth/esia/login\?next=%2Fcatalog%2Fe%2Fev-cardio00001%2F$"))
    assert page.console_errors == []


def test_signed_in_person_registers_with_the_csrf_token_and_sees_the_result(
    page: Any, site_url: str
) -> None:
    _sign_in(page, site_url)
    api = FakeApi(page, me=ME)
    page.goto(site_url + "/catalog/e/ev-cardio00001/")
    page.locator(".nmo-account__name").filter(has_text="Иванова Мария Петровна").wait_for()
    assert page.locator(".nmo-account__cabinet").get_attribute("href") == "/cabinet/"
    assert page.locator(".nmo-account__logout").is_visible()
    assert not page.locator(".nmo-account__login").is_visible()
    api.seats = {**SEATS, "seats_left": 6}
    page.click(".nmo-seats__register")
    page.locator(".nmo-seats__result").filter(has_text="Вы записаны").wait_for()
    posts = [c for c in api.calls if c[0] == "POST"]
    assert [p[1] for p in posts] == ["/api/events/ev-cardio00001/registrations"]
    assert posts[0][2]["x-csrf-token"] == "csrf-123"
    page.locator(".nmo-seats__live").filter(has_text="Свободных мест: 6 из 40.").wait_for()
    assert page.console_errors == []


def test_full_event_puts_the_person_on_the_waiting_list_with_a_position(
    page: Any, site_url: str
) -> None:
    _sign_in(page, site_url)
    api = FakeApi(page, me=ME)
    api.seats = {**SEATS, "seats_left": 0, "waitlist_length": 2}
    api.registration = (201, {"status": "waitlisted", "position": 3})
    page.goto(site_url + "/catalog/e/ev-cardio00001/")
    page.locator(".nmo-seats__live").filter(
        has_text="Свободных мест нет, в листе ожидания: 2"
    ).wait_for()
    page.click(".nmo-seats__register")
    page.locator(".nmo-seats__result").filter(has_text="Ваше место в очереди: 3.").wait_for()
    assert page.console_errors == []


def test_api_refusal_is_shown_in_russian_from_the_error_shape(page: Any, site_url: str) -> None:
    _sign_in(page, site_url)
    api = FakeApi(page, me=ME)
    api.registration = (
        403,
        _error("forbidden", "Мероприятие не аккредитовано для ваших специальностей."),
    )
    page.goto(site_url + "/catalog/e/ev-cardio00001/")
    page.click(".nmo-seats__register")
    result = page.locator(".nmo-seats__result--error")
    result.filter(has_text="Мероприятие не аккредитовано для ваших специальностей.").wait_for()
    assert page.locator(".nmo-seats__register").is_enabled()  # can try again
    page.console_errors[:] = [e for e in page.console_errors if "status of 403" not in e]
    assert page.console_errors == []


def test_expired_session_on_register_leads_to_login(page: Any, site_url: str) -> None:
    _sign_in(page, site_url)
    api = FakeApi(page, me=ME)
    api.registration = (401, _error("not_logged_in", "Сеанс завершён."))
    page.goto(site_url + "/catalog/e/ev-cardio00001/")
    page.click(".nmo-seats__register")
    page.wait_for_url(re.compile(r"/api/auth/esia/login\?next="))


def test_registered_person_sees_the_registration_and_cancels_it(page: Any, site_url: str) -> None:
    _sign_in(page, site_url)
    api = FakeApi(page, me=ME)
    api.mine = {"status": "confirmed", "position": None, "event_id": "ev-cardio00001"}
    page.goto(site_url + "/catalog/e/ev-cardio00001/")
    page.locator(".nmo-seats__mine").filter(has_text="Вы записаны на это мероприятие.").wait_for()
    assert page.locator(".nmo-seats__register").count() == 0  # never offered a second time
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Отменить запись").click()
    page.locator(".nmo-seats__result").filter(has_text="Запись отменена.").wait_for()
    page.locator(".nmo-seats__register").wait_for()
    deletes = [c for c in api.calls if c[0] == "DELETE"]
    assert [d[1] for d in deletes] == ["/api/events/ev-cardio00001/registrations/me"]
    assert deletes[0][2]["x-csrf-token"] == "csrf-123"
    assert page.console_errors == []


def test_waitlisted_person_sees_the_position_in_line(page: Any, site_url: str) -> None:
    _sign_in(page, site_url)
    api = FakeApi(page, me=ME)
    api.mine = {"status": "waitlisted", "position": 4, "event_id": "ev-cardio00001"}
    page.goto(site_url + "/catalog/e/ev-cardio00001/")
    page.locator(".nmo-seats__mine").filter(has_text="место в очереди: 4").wait_for()
    assert page.get_by_role("button", name="Отменить запись").is_visible()


def test_a_past_event_says_it_is_finished_not_closed(page: Any, site_url: str) -> None:
    api = FakeApi(page)
    api.seats = {**SEATS, "registration_open": False, "phase": "finished"}
    page.goto(site_url + "/catalog/e/ev-cardio00001/")
    page.locator(".nmo-seats__live").filter(has_text="Мероприятие завершено.").wait_for()
    assert page.locator(".nmo-seats__register").count() == 0


def test_closed_registration_shows_no_button(page: Any, site_url: str) -> None:
    api = FakeApi(page)
    api.seats = {**SEATS, "registration_open": False}
    page.goto(site_url + "/catalog/e/ev-cardio00001/")
    page.locator(".nmo-seats__live").filter(has_text="Запись закрыта.").wait_for()
    assert page.locator(".nmo-seats__register").count() == 0


def test_logout_posts_with_csrf_and_follows_the_logout_url(page: Any, site_url: str) -> None:
    _sign_in(page, site_url)
    api = FakeApi(page, me=ME)
    page.goto(site_url + "/help/")
    page.locator(".nmo-account__logout").click()
    page.wait_for_url(re.compile(r"/\?logged-out=1$"))
    post = next(c for c in api.calls if c[0] == "POST")
    assert post[1] == "/api/auth/logout" and post[2]["x-csrf-token"] == "csrf-123"
    assert page.evaluate("localStorage.getItem('nmo.signedIn')") is None
    assert page.console_errors == []


def test_event_page_works_without_javascript(browser: Any, site_url: str) -> None:
    context = browser.new_context(java_script_enabled=False, locale="ru-RU")
    page = context.new_page()
    page.goto(site_url + "/catalog/e/ev-cardio00001/")
    assert page.locator("h1").first.text_content() == "Конференция «Кардиология сегодня»"
    assert "Всего мест: 40." in page.content()
    link = page.locator(".nmo-seats__login")
    assert link.get_attribute("href") == "/api/auth/esia/login?next=/catalog/e/ev-cardio00001/"
    assert page.locator("a[href='/api/events/ev-cardio00001/calendar.ics']").count() == 1
    context.close()


def test_when_the_api_is_down_the_event_page_says_so_instead_of_offering_a_broken_file(
    page: Any, site_url: str
) -> None:
    page.route("**/api/**", lambda route: route.abort())
    page.goto(site_url + "/catalog/e/ev-cardio00001/")
    live = page.locator(".nmo-seats__live")
    live.filter(has_text="Сведения о местах сейчас недоступны.").wait_for()
    calendar = page.locator(".nmo-calendar")
    calendar.filter(has_text="Файл для календаря сейчас недоступен").wait_for()
    assert calendar.locator("a").count() == 0
    assert page.locator(".nmo-days").is_visible()  # the schedule the note points to


def test_with_the_api_up_the_event_page_offers_the_apis_calendar_file(
    page: Any, site_url: str
) -> None:
    FakeApi(page)
    page.goto(site_url + "/catalog/e/ev-cardio00001/")
    page.locator(".nmo-seats__live").filter(has_text="Свободных мест: 7 из 40.").wait_for()
    link = page.get_by_role("link", name="Добавить в календарь (.ics)")
    assert link.get_attribute("href") == "/api/events/ev-cardio00001/calendar.ics"
    assert page.console_errors == []


def test_filtered_results_put_what_is_ahead_first_and_past_behind_a_switch(
    page: Any, site_url: str
) -> None:
    FakeApi(page)
    # 01.01.2027 by the visitor's clock: both December events are over, January's programme and
    # the undated module are ahead.
    page.clock.set_fixed_time("2027-01-01T12:00:00+03:00")
    page.goto(site_url + "/catalog/?kind=")
    page.fill("#nmo-filters input[name=q]", "")
    page.select_option("#nmo-filters select[name=kind]", "dpp_pk")
    page.select_option("#nmo-filters select[name=kind]", "")
    status = page.locator("#nmo-results-status")
    status.filter(has_text="Прошедших: 2").wait_for()
    titles = page.locator("#nmo-results .nmo-item__title").all_text_contents()
    assert titles == [
        "Неврология: инсульт на догоспитальном этапе",
        "Фибрилляция предсердий в практике терапевта",
    ]
    page.check("#nmo-filters input[name=past]")
    page.locator("#nmo-results .nmo-item--past").first.wait_for()
    titles = page.locator("#nmo-results .nmo-item__title").all_text_contents()
    assert titles[:2] == [
        "Неврология: инсульт на догоспитальном этапе",
        "Фибрилляция предсердий в практике терапевта",
    ]
    assert titles[2] == "Семинар «Хирургия грыж передней брюшной стенки»"  # newest past first
    assert "past=1" in page.url
    assert page.console_errors == []


def test_the_calendar_opens_on_the_current_month(page: Any, site_url: str) -> None:
    FakeApi(page)
    page.clock.set_fixed_time("2026-12-05T12:00:00+03:00")
    page.goto(site_url + "/catalog/calendar/")
    page.wait_for_url(re.compile(r"/catalog/calendar/2026-12/$"))
    # A month without events: the list of months stays.
    page.clock.set_fixed_time("2026-10-05T12:00:00+03:00")
    page.goto(site_url + "/catalog/calendar/")
    page.locator("#nmo-months").wait_for()
    assert page.url.endswith("/catalog/calendar/")


def test_without_javascript_pages_say_what_needs_it_and_filters_do_not_pretend(
    browser: Any, site_url: str
) -> None:
    context = browser.new_context(java_script_enabled=False, locale="ru-RU")
    try:
        page = context.new_page()
        for path in ("/cabinet/", "/organizer/", "/moderation/"):
            page.goto(site_url + path)
            notice = page.locator(".nmo-noscript")
            assert notice.is_visible() and "JavaScript" in notice.inner_text(), path
            assert "Загружаем" not in page.locator("article").inner_text(), path
        page.goto(site_url + "/catalog/")
        assert page.locator("#nmo-filters").is_hidden()
        notice = page.locator(".nmo-noscript")
        assert notice.is_visible()
        notice.get_by_role("link", name="специальность").click()
        assert page.locator("#specialties + ul a").first.is_visible()
        page.goto(site_url + "/catalog/e/ev-cardio00001/")
        assert page.locator(".nmo-noscript").is_visible()
    finally:
        context.close()
