"""An address the site does not have: a Russian page with status 404 and the ways back (search,
catalog, help), on a phone too."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.stack import Stack


@pytest.mark.browser
def test_a_missing_page_answers_404_in_russian_with_search_catalog_and_help(
    portal: Stack, phone_page: Any
) -> None:
    page = phone_page
    resp = page.goto(portal.url + "/catalog/e/ev-nonexistent/")
    assert resp.status == 404
    assert page.locator("h1").inner_text() == "Страница не найдена"
    assert page.title().startswith("Страница не найдена")
    assert "Not found" not in page.content()
    ways = page.locator(".nmo-notfound__ways a")
    assert [ways.nth(i).get_attribute("href") for i in range(ways.count())][:1] == ["/catalog/"]
    assert ways.filter(has_text="Справка").get_attribute("href") == "/help/"
    # The page's own search leads to the catalog search with the words typed.
    page.locator("#nmo-notfound-q").fill("кардиология")
    page.locator(".nmo-notfound__search button[type=submit]").click()
    page.wait_for_url(re.compile(r"/search/\?q="))
    assert page.evaluate("new URLSearchParams(location.search).get('q')") == "кардиология"
    # From any depth the 404 page's styles and scripts load (absolute asset URLs) and its links
    # lead somewhere real.
    page.go_back()
    assert page.locator(".md-header").evaluate("el => getComputedStyle(el).position") == "sticky"
    with page.expect_navigation() as nav:
        page.locator(".nmo-notfound__ways a", has_text="Справка").click()
    assert nav.value.status == 200
    failed = [e for e in page.console_errors if not e.startswith("Failed to load resource")]
    assert failed == []
