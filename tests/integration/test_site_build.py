"""The catalog site built from a small catalog: pages, navigation, index, sitemap, CSP, weight."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest
from nmo_cli.cli import main
from nmo_cli.site_build import REPO_ROOT, content_security_policy, inline_script_hashes

from tests.site_catalog import (
    build_site,
    catalog_index,
    record,
    sample_catalog,
    source,
    stemming,
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_site(tmp_path_factory.mktemp("site"), sample_catalog())


def _text(site: Path, rel: str) -> str:
    return (site / rel).read_text(encoding="utf-8")


def _sidebar(html: str) -> str:
    match = re.search(r'<nav class="md-nav md-nav--primary".*?</nav>\s*</div>', html, re.DOTALL)
    assert match, "primary navigation missing"
    return match.group(0)


def test_each_published_element_has_a_page_at_a_url_made_from_its_id(site: Path) -> None:
    page = _text(site, "catalog/e/ev-cardio00001/index.html")
    assert "Конференция «Кардиология сегодня»" in page
    assert "Областная клиническая больница" in page
    assert "01.12.2026" in page and "6 ЗЕТ" in page
    assert "Ярославль, ул. Революционная, 5" in page
    assert 'href="/catalog/s/25/"' in page and "Кардиология" in page
    assert 'href="/api/events/ev-cardio00001/calendar.ics"' in page  # the one calendar source
    assert "<title>Конференция «Кардиология сегодня» - Портал НМО</title>" in page


def test_a_draft_appears_nowhere(site: Path) -> None:
    assert not (site / "catalog" / "e" / "ev-draft000001").exists()
    for path in site.rglob("*"):
        if path.is_file() and path.suffix in {".html", ".json", ".xml"}:
            text = path.read_text(encoding="utf-8")
            assert "ev-draft000001" not in text and "Черновик не для показа" not in text, path


def test_event_page_without_javascript_still_offers_login_to_register(site: Path) -> None:
    page = _text(site, "catalog/e/ev-cardio00001/index.html")
    assert 'data-event-id="ev-cardio00001"' in page
    assert "Всего мест: 40." in page
    assert 'href="/api/auth/esia/login?next=/catalog/e/ev-cardio00001/"' in page


def test_element_pages_stay_out_of_the_navigation_and_material_search(site: Path) -> None:
    sidebar = _sidebar(_text(site, "help/index.html"))
    assert "/catalog/e/" not in sidebar and "catalog/e/" not in sidebar
    assert "Каталог" in sidebar and "Справка" in sidebar
    assert not (site / "search" / "search_index.json").exists()


def test_generated_list_pages_drawer_lists_the_top_level_sections_only(site: Path) -> None:
    sidebar = _sidebar(_text(site, "catalog/s/25/index.html"))
    links = re.findall(r'<a class="md-nav__link" href="([^"]+)">([^<]+)</a>', sidebar)
    assert ("../../..", "Главная") in links and ("../../../help/", "Справка") in links
    assert "Баллы (ЗЕТ) и циклы" not in sidebar  # nested help pages live on the section pages


def test_element_pages_are_lean_russian_pages_with_the_bar_and_only_the_scripts_they_run(
    site: Path,
) -> None:
    page = _text(site, "catalog/e/ev-cardio00001/index.html")
    assert len(page.encode("utf-8")) <= 5 * 1024
    assert page.startswith('<!doctype html>\n<html lang="ru">')
    assert re.findall(r'<script src="([^"]+)"></script>', page) == [
        "/assets/js/nmo-dom.js",
        "/assets/js/portal.js",
    ]
    assert "<script>" not in page and "__config" not in page and "md-sidebar" not in page
    assert 'action="/search/"' in page and 'id="nmo-account"' in page
    assert '<main class="md-main" id="nmo-main">' in page and 'href="#nmo-main"' in page
    sheets = re.findall(r'rel="stylesheet" href="([^"]+)"', page)
    assert [s.split("/")[-1].split(".")[0] for s in sheets] == ["main", "portal"]
    for href in sheets:
        assert (site / href.lstrip("/")).is_file(), href
    assert "\n " not in page  # no indentation left


def test_theme_files_no_page_uses_are_not_in_the_build(site: Path) -> None:
    shipped = [p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()]
    assert not [p for p in shipped if p.endswith(".map")]
    assert not [p for p in shipped if "/lunr/" in p or "/workers/" in p]
    assert not (site / "catalog" / "ics").exists()
    # Material's bundle is what the full-theme pages run: it stays, and every page's scripts exist.
    for path in site.rglob("*.html"):
        for src in re.findall(r'<script src="([^"]+)"', path.read_text(encoding="utf-8")):
            target = site / src.lstrip("/") if src.startswith("/") else path.parent / src
            assert target.resolve().is_file(), (path, src)


def test_specialty_page_lists_its_elements_and_links_the_kinds_to_the_filters(
    site: Path,
) -> None:
    page = _text(site, "catalog/s/25/index.html")
    assert "<h1>Кардиология</h1>" in page
    assert 'href="/catalog/e/ev-cardio00001/"' in page
    assert 'href="/catalog/e/iom-cardio0002/"' in page
    assert 'href="/catalog/e/ev-surgery0001/"' not in page
    assert 'href="/catalog/?specialty=25&amp;kind=event"' in page
    assert "nmo-pages" not in page  # one page: no page links


def test_catalog_index_carries_filters_and_plain_links_for_every_specialty(site: Path) -> None:
    page = _text(site, "catalog/index.html")
    for name in (
        "specialty",
        "kind",
        "format",
        "city",
        "from",
        "to",
        "hours_min",
        "hours_max",
        "q",
    ):
        assert f'name="{name}"' in page
    assert 'data-index="/catalog/index.json"' in page
    for code in ("25", "90", "35", "76"):
        assert f'href="/catalog/s/{code}/"' in page
    assert '<option value="Ярославль">Ярославль</option>' in page


def test_json_index_holds_compact_rows_with_snowball_stems(site: Path) -> None:
    head, parts = catalog_index(site)
    assert len(parts) == 1  # a small catalog: one part
    part = parts[0]
    rows = {r[0]: r for r in part["elements"]}
    assert set(rows) == {"ev-cardio00001", "ev-surgery0001", "pk-neuro000001", "iom-cardio0002"}
    cardio = rows["ev-cardio00001"]
    assert cardio[1] == "Конференция «Кардиология сегодня»"
    assert head["kinds"][cardio[2]] == "event" and head["formats"][cardio[3]] == "in_person"
    assert part["cities"][cardio[4]] == "Ярославль"
    assert cardio[5:9] == [["25"], "2026-12-01", "2026-12-01", 6]
    assert stemming.stem("кардиологии") in [part["stems"][i] for i in cardio[9]]
    surgery_stems = head["specialties"]["90"][1]
    assert head["specialties"]["90"][0] == "Хирургия" and stemming.stem("хирургии") in surgery_stems
    help_pages = {p[0]: p for p in head["pages"]}
    assert "/help/credits/" in help_pages
    assert stemming.stem("аккредитации") in help_pages["/help/credits/"][2]


def test_a_big_index_is_split_into_stable_parts_named_by_their_content() -> None:
    from nmo_site import search_index

    entries = [
        source.entry_from_record(record(f"ev-part{n:07d}", title=f"Школа {n}")) for n in range(50)
    ]
    head, parts = search_index.build_index([e for e in entries if e], {}, [], per_part=10)
    assert len(parts) == 8 and head["parts"] == [f"/catalog/index/{n}" for n in parts]
    for name, text in parts.items():
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
        assert name.endswith(f".{digest}.json")
    assert sum(len(json.loads(t)["elements"]) for t in parts.values()) == 50
    # One more element changes exactly one part (publishing sends that one and the head).
    more = source.entry_from_record(record("ev-part-new0001", title="Новая школа"))
    _, after = search_index.build_index([*[e for e in entries if e], more], {}, [], per_part=10)
    assert len(set(parts) - set(after)) == 1 and len(set(after) - set(parts)) == 1


def test_month_calendar_shows_each_event_on_its_day(site: Path) -> None:
    page = _text(site, "catalog/calendar/2026-12/index.html")
    assert "Мероприятия: Декабрь 2026" in page
    day = re.search(r'<span class="nmo-day__date">10\.12</span>\s*<ul>(.*?)</ul>', page, re.DOTALL)
    assert day and 'href="/catalog/e/ev-surgery0001/"' in day.group(1)
    assert 'href="/catalog/calendar/2026-12/"' in _text(site, "catalog/calendar/index.html")


def test_every_page_has_the_login_widget_pointing_back_to_itself(site: Path) -> None:
    page = _text(site, "help/credits/index.html")
    assert 'href="/api/auth/esia/login?next=/help/credits/"' in page
    assert "Войти через Госуслуги" in page  # the signed-in parts are added by portal.js


def test_help_explains_cycles_with_the_rule_set_numbers(site: Path) -> None:
    page = _text(site, "help/credits/index.html")
    for fact in (
        "144 часов за 5 лет",
        "72 часов",
        "250 ЗЕТ за цикл",
        "50 ЗЕТ в год",
        "12 месяцев",
        "270 минут",
    ):
        assert fact in page, fact


def test_policy_allows_exactly_the_inline_scripts_the_site_contains(site: Path) -> None:
    policy = content_security_policy(site)
    hashes = inline_script_hashes(site)
    assert hashes, "Material's inline bootstrap script should be found"
    for digest in hashes:
        assert digest in policy
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    for path in site.rglob("*.html"):
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", path.read_text(encoding="utf-8")), path


def test_cli_prints_the_policy_for_the_dev_server_and_the_cdn(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["site", "csp", "--site-dir", str(site)]) == 0
    assert capsys.readouterr().out.strip() == content_security_policy(site)


def test_pages_dropped_into_help_and_the_cabinet_appear_in_the_navigation(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(
        REPO_ROOT / "site", project / "site", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copytree(REPO_ROOT / "templates", project / "templates")
    shutil.copy(REPO_ROOT / "mkdocs.yml", project / "mkdocs.yml")
    login = project / "site" / "help" / "login"
    login.mkdir(exist_ok=True)
    (login / "index.md").write_text("# Вход через Госуслуги\n\nКак войти.\n", encoding="utf-8")
    (login / "unconfirmed.md").write_text(
        "# Неподтверждённая учётная запись\n\nТекст.\n", encoding="utf-8"
    )
    (project / "site" / "help" / "zzz-extra.md").write_text(
        "# Новая страница справки\n", encoding="utf-8"
    )
    (project / "site" / "cabinet").mkdir(exist_ok=True)
    (project / "site" / "cabinet" / "index.md").write_text("# Личный кабинет\n", encoding="utf-8")
    site = build_site(tmp_path, sample_catalog()[:1], config_file=project / "mkdocs.yml")
    sidebar = _sidebar((site / "index.html").read_text(encoding="utf-8"))
    for text in (
        "Вход через Госуслуги",
        "Неподтверждённая учётная запись",
        "Новая страница справки",
        "Личный кабинет",
    ):
        assert text in sidebar, text
    assert 'href="help/login/unconfirmed/"' in sidebar


def test_help_pages_take_their_numbers_from_the_rule_data(site: Path) -> None:
    from chalicelib.domain.events import rules

    credits_page = _text(site, "help/credits/index.html")
    assert "[[nmo:" not in credits_page
    assert f"<strong>действует {rules()['code_valid_days']} дней</strong>" in credits_page
    assert "144 часов" in credits_page and "28.02.2029" in credits_page
    for page in site.glob("help/**/*.html"):
        assert "[[nmo:" not in page.read_text(encoding="utf-8"), page


def test_an_unknown_rule_value_in_a_help_page_stops_the_build() -> None:
    from nmo_site import rule_values

    assert rule_values.fill("[[nmo:code_valid_days]] дней") == "90 дней"
    with pytest.raises(ValueError):
        rule_values.fill("[[nmo:code_valid_dayz]]")


def test_a_specialty_page_lists_what_is_ahead_and_keeps_the_past_behind_a_summary(
    tmp_path: Path,
) -> None:
    from tests.site_catalog import record

    today = dt.date.today()

    def event(element_id: str, days_from_now: int) -> dict[str, object]:
        day = (today + dt.timedelta(days=days_from_now)).isoformat()
        return record(
            element_id,
            title=f"Событие {element_id}",
            specialties=["76"],
            starts_on=day,
            ends_on=day,
            days=[
                {
                    "date": day,
                    "starts_at": f"{day}T10:00:00+03:00",
                    "ends_at": f"{day}T16:00:00+03:00",
                    "hours": 6,
                }
            ],
        )

    site = build_site(tmp_path, [event("ev-past0000001", -40), event("ev-ahead000001", 30)])
    page = _text(site, "catalog/s/76/index.html")
    ahead, _, past = page.partition("<h2>Прошедшие <small>(1)</small></h2>")
    assert "Событие ev-ahead000001" in ahead and "Событие ev-past0000001" not in ahead
    assert "Событие ev-past0000001" in past
    # The past event keeps its page (a bookmark still works).
    assert (site / "catalog/e/ev-past0000001/index.html").exists()


def test_a_long_specialty_is_paginated_upcoming_first_with_page_links(tmp_path: Path) -> None:
    from tests.site_catalog import record

    today = dt.date.today()

    def module(n: int, days: int | None) -> dict[str, object]:
        day = (today + dt.timedelta(days=days)).isoformat() if days is not None else None
        return record(
            f"pk-page{n:07d}",
            kind="dpp_pk",
            title=f"Программа {n:03d}",
            specialties=["76"],
            starts_on=day,
            ends_on=day,
            days=[],
        )

    # 150 ahead (one each day from tomorrow), 60 ended (one each day before today).
    records = [module(n, n + 1) for n in range(150)] + [module(200 + n, -n - 1) for n in range(60)]
    site = build_site(tmp_path, records)
    first = _text(site, "catalog/s/76/index.html")
    second = _text(site, "catalog/s/76/2/index.html")
    third = _text(site, "catalog/s/76/3/index.html")
    assert not (site / "catalog/s/76/4").exists()

    def titles(page: str) -> list[str]:
        return re.findall(r">Программа (\d{3})</a>", page)

    assert titles(first) == [f"{n:03d}" for n in range(100)]  # soonest first
    assert titles(second) == [f"{n:03d}" for n in range(100, 150)] + [
        f"{200 + n:03d}"
        for n in range(50)  # then the past, the most recent first
    ]
    assert titles(third) == [f"{200 + n:03d}" for n in range(50, 60)]
    assert "<h1>Терапия: страница 2 из 3</h1>" in second
    assert "Показаны 101–200 из 210." in second
    nav = second[second.index('<nav class="nmo-pages"') :]
    nav = nav[: nav.index("</nav>")]
    assert 'aria-label="Страницы списка «Терапия»"' in nav
    assert '<a href="/catalog/s/76/" rel="prev">← Предыдущая</a>' in nav
    assert '<a href="/catalog/s/76/3/" rel="next">Следующая →</a>' in nav
    assert 'href="/catalog/s/76/2/" aria-current="page"' in nav
    assert 'rel="prev"' not in first and 'href="/catalog/s/76/2/" rel="next"' in first


def test_page_links_keep_the_ends_and_the_neighbours_of_the_current_page() -> None:
    from nmo_site.pages import page_links

    assert page_links(1, 3) == [1, 2, 3]
    assert page_links(10, 20) == [1, None, 8, 9, 10, 11, 12, None, 20]
    assert page_links(1, 20) == [1, 2, 3, None, 20]


def test_the_sitemap_lists_every_page_once_with_the_element_dates(site: Path) -> None:
    text = _text(site, "sitemap.xml")
    locs = re.findall(r"<loc>([^<]+)</loc>", text)
    assert len(locs) == len(set(locs))
    assert "http://127.0.0.1:8000/catalog/e/ev-cardio00001/" in locs
    assert "http://127.0.0.1:8000/help/credits/" in locs
    assert not any("ev-draft" in loc for loc in locs)
    assert "<lastmod>" not in text  # the sample records do not say when they changed
    assert not (site / "sitemap.xml.gz").exists()


def test_a_sitemap_over_the_limit_becomes_an_index_of_parts(site: Path, tmp_path: Path) -> None:
    whole = site
    site = build_site(tmp_path, sample_catalog(), extra={"nmo_sitemap_max_urls": 5})
    index = _text(site, "sitemap.xml")
    assert "<sitemapindex" in index and "<urlset" not in index
    parts = re.findall(r"<loc>http://127\.0\.0\.1:8000/(sitemap-\d+\.xml)</loc>", index)
    assert len(parts) >= 2
    locs: list[str] = []
    for name in parts:
        part = _text(site, name)
        found = re.findall(r"<loc>([^<]+)</loc>", part)
        assert len(found) <= 5 and part.startswith(
            '<?xml version="1.0" encoding="UTF-8"?>\n<urlset'
        )
        locs += found
    assert sorted(locs) == sorted(re.findall(r"<loc>([^<]+)</loc>", _text(whole, "sitemap.xml")))


def test_the_schedule_of_an_event_is_a_spaced_table_in_moscow_time(site: Path) -> None:
    page = _text(site, "catalog/e/ev-surgery0001/index.html")
    table = page[page.index('<table class="nmo-days">') :]
    table = table[: table.index("</table>")]
    assert '<th scope="col">Время (МСК)</th>' in table
    assert "<td>10.12.2026</td><td>09:00 – 15:00</td><td>6</td>" in table


def test_calendar_cells_show_what_tells_events_apart_with_the_full_title_kept(site: Path) -> None:
    page = _text(site, "catalog/calendar/2026-12/index.html")
    assert 'title="Конференция «Кардиология сегодня»">Кардиология сегодня</a>' in page


def test_a_title_without_a_quoted_name_is_shown_whole() -> None:
    from nmo_site.pages import short_title

    assert short_title("Вебинар по ЭКГ") == "Вебинар по ЭКГ"
    assert short_title("Семинар «Хирургия грыж»") == "Хирургия грыж"
    assert short_title("«»") == "«»"
