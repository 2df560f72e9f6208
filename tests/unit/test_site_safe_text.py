"""Organizer text on catalog pages: the safe Markdown subset and cleaned plain fields."""

from __future__ import annotations

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
