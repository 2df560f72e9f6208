"""Organizer text on catalog pages: the safe Markdown subset and cleaned plain fields."""

from __future__ import annotations

import nh3
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.site_catalog import safe_text


def test_description_keeps_emphasis_lists_and_http_links_with_nofollow() -> None:
    html = safe_text.render_markdown("**Важно**\n\n- раз\n- два\n\n[сайт](https://example.org/a)")
    assert "<strong>Важно</strong>" in html
    assert "<li>раз</li>" in html
    assert '<a href="https://example.org/a" rel="nofollow noopener">сайт</a>' in html


def test_raw_html_in_a_description_is_shown_as_text_not_markup() -> None:
    html = safe_text.render_markdown('<script>alert(1)</script>\n\n<img src=x onerror="alert(2)">')
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html


def test_javascript_and_data_links_lose_their_target() -> None:
    for target in (
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,<b>x</b>",
        "vbscript:x",
    ):
        html = safe_text.render_markdown(f"[нажми]({target})")
        assert "href" not in html, target


def test_mailto_links_are_allowed() -> None:
    assert 'href="mailto:org@example.org"' in safe_text.render_markdown(
        "[почта](mailto:org@example.org)"
    )


def test_images_and_top_level_headings_are_not_part_of_the_subset() -> None:
    html = safe_text.render_markdown("# Заголовок\n\n![x](https://example.org/x.png)")
    assert "<h1>" not in html and "<h3>Заголовок</h3>" in html
    assert "<img" not in html


def test_broken_unicode_and_control_characters_are_replaced() -> None:
    cleaned = safe_text.clean("Курс\ud800 \x00по\x1b кардиологии\ufffe")
    assert "\ud800" not in cleaned and "\x00" not in cleaned and "\x1b" not in cleaned
    assert cleaned.encode("utf-8")  # encodable: valid Unicode only


def test_organizer_link_must_be_plain_http_or_https() -> None:
    assert (
        safe_text.safe_link("https://example.org/course?id=1") == "https://example.org/course?id=1"
    )
    assert safe_text.safe_link("javascript:alert(1)") is None
    assert safe_text.safe_link('https://x.org/"onmouseover="alert(1)') is None
    assert safe_text.safe_link("//evil.example") is None


_PIECES = [
    *"абвгдеёжзий КЛМНОП abcXYZ 0123456789 .,:;()—«»\"'?%/@=+-*_[]<>`\\&#!|~\t\n",
    *["\u00a0", "1. ", "- ", "> ", "    ", "  \n", "\n\n", "---", "===", "кардиология "],
]
_PLAIN = [*"абв где КЛМ xyz 09 .,:;()—«»?%/", " ", "  ", "\t", "\n", "\n \n", "\u00a0"]
# Mostly text the shortcut takes (plain pieces only), some with every kind of markup mixed in.
_TEXT = st.one_of(
    st.lists(st.sampled_from(_PLAIN), max_size=40).map("".join),
    st.lists(st.sampled_from(_PIECES), max_size=40).map("".join),
)


@settings(max_examples=400, deadline=None)
@given(_TEXT)
def test_plain_text_shortcut_renders_exactly_like_the_markdown_parser(text: str) -> None:
    cleaned = safe_text.clean(text)
    fast = safe_text.plain_paragraphs(cleaned)
    if fast is None:
        return
    parsed = safe_text._markdown().render(cleaned)
    assert nh3.clean(fast) == nh3.clean(parsed)


def test_schedules_and_descriptions_take_the_shortcut_and_markup_does_not() -> None:
    schedule = "09:30 Регистрация участников\n10:00 Открытие, доклады (ЗЕТ: 6)"
    assert safe_text.plain_paragraphs(schedule) == (
        "<p>09:30 Регистрация участников<br />\n10:00 Открытие, доклады (ЗЕТ: 6)</p>\n"
    )
    for marked in ("**жирный**", "- пункт", "1. пункт", "> цитата", "[a](https://x.ru)", "a  \nb"):
        assert safe_text.plain_paragraphs(marked) is None, marked
