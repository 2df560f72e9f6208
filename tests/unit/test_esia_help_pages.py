"""Every failure of the login lands on a help section that exists, in Russian, with a title."""

from __future__ import annotations

import re
from pathlib import Path

from chalicelib.services.auth import _HELP_FOR_CODE, HELP_ANCHORS, HELP_ERRORS, help_page

LOGIN_HELP = Path(__file__).resolve().parents[2] / "site" / "help" / "login"


def test_every_section_the_callback_redirects_to_exists_on_the_errors_page() -> None:
    page = (LOGIN_HELP / "errors" / "index.md").read_text(encoding="utf-8")
    anchors = set(re.findall(r"^## .+\{#([a-z-]+)\}\s*$", page, flags=re.MULTILINE))
    assert anchors == set(HELP_ANCHORS)
    assert set(_HELP_FOR_CODE.values()) <= anchors
    assert HELP_ERRORS == "/help/login/errors/"


def test_the_unconfirmed_section_quotes_esias_own_wording_and_explains_confirmation() -> None:
    page = (LOGIN_HELP / "errors" / "index.md").read_text(encoding="utf-8")
    section = page.split("{#unconfirmed}", 1)[1].split("\n## ", 1)[0]
    assert "Недостаточный уровень учетной записи" in page
    assert "подтверждённую" in section and "levels.md" in section


def test_login_help_pages_are_russian_and_titled() -> None:
    pages = sorted(LOGIN_HELP.rglob("*.md"))
    assert {p.relative_to(LOGIN_HELP).as_posix() for p in pages} >= {
        "index.md",
        "levels.md",
        "errors/index.md",
    }
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert text.startswith("# "), page
        letters = re.findall(r"[A-Za-zА-Яа-яЁё]", text)
        cyrillic = [c for c in letters if re.match(r"[А-Яа-яЁё]", c)]
        assert len(cyrillic) > 0.8 * len(letters), page


def test_help_links_between_login_pages_resolve() -> None:
    for page in LOGIN_HELP.rglob("*.md"):
        for target in re.findall(r"\]\(([^)#/][^)#]*\.md)", page.read_text(encoding="utf-8")):
            assert (page.parent / target).resolve().exists(), f"{page}: {target}"


def test_an_unknown_help_section_is_a_programming_error() -> None:
    import pytest

    with pytest.raises(ValueError):
        help_page("nonexistent")


def test_the_errors_page_says_the_person_is_not_logged_in_and_offers_a_retry() -> None:
    page = (LOGIN_HELP / "errors" / "index.md").read_text(encoding="utf-8")
    intro = page.split("\n## ", 1)[0]
    assert "Вы не вошли на портал" in intro
    assert "[Попробовать ещё раз](/api/auth/esia/login){" in intro and ".nmo-login-retry" in intro


def test_help_links_carry_the_page_to_return_to_unless_it_is_the_cabinet() -> None:
    assert help_page("declined", "/catalog/") == "/help/login/errors/?next=%2Fcatalog%2F#declined"
    assert (
        help_page("declined", "/cabinet/")
        == help_page("declined")
        == ("/help/login/errors/#declined")
    )
