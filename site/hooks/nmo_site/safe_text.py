"""Organizer-entered text made safe for pages: plain fields cleaned, descriptions rendered from a
Markdown subset (no raw HTML) and passed through an allow-list sanitizer."""

from __future__ import annotations

import functools
import html
import re

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "code", "pre", "blockquote",
    "ul", "ol", "li", "h3", "h4", "h5", "h6", "a",
}  # fmt: skip
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
_URL_SCHEMES = {"http", "https", "mailto"}


def clean(value: object, limit: int = 20000) -> str:
    """A plain text field: valid Unicode only, no bidi controls, bounded, trimmed (the API's
    rule, chalicelib.domain.text.display_text)."""
    from chalicelib.domain.text import display_text

    return display_text(value, limit)


@functools.cache
def _markdown() -> MarkdownIt:
    # Only the rules of the subset are on ("zero" preset + these); "html": False makes raw HTML in
    # the source plain text. No images, tables, raw HTML or link guessing.
    # "breaks": a new line in the organizer's text is a new line on the page (schedules).
    return MarkdownIt("zero", {"html": False, "breaks": True}).enable(
        ["emphasis", "list", "link", "blockquote", "fence", "code", "heading", "hr", "backticks",
         "newline", "escape", "entity"]
    )  # fmt: skip


def _demote_headings(html: str) -> str:
    # The page owns h1/h2; an organizer's headings start at h3.
    return re.sub(r"<(/?)h[12]>", r"<\1h3>", html)


def safe_link(url: object) -> str | None:
    """An organizer's link if it is an absolute http(s) URL without tricks, else None."""
    text = clean(url, 2000)
    if not re.fullmatch(r"https?://[^\s<>\"'`\\]+", text, flags=re.IGNORECASE):
        return None
    return text


# Text that cannot contain any Markdown construct of the subset: no inline markup characters, no
# line that could open a block (list, quote, heading underline, ordered list, indented code), no
# hard line break. Such text is only paragraphs, and is rendered without the parser (most catalog
# descriptions and schedules are like that; on 20,000 elements the parser was a visible share of
# the build). tests/unit/test_site_safe_text.py checks both paths give the same HTML.
_INLINE_MARKUP = re.compile(r"[*_\[\]<>`\\&#!|~]")
_BLOCK_START = re.compile(r"^(?: {0,3}(?:[-+>=]|\d+[.)])|[ \t]{4}|\t)", re.MULTILINE)
_BLANK_LINES = re.compile(r"\n(?:[ \t]*\n)+")
_OTHER_SPACE = re.compile(r"[^\S \n]")  # tabs, no-break and other Unicode spaces: parser's rules


def plain_paragraphs(text: str) -> str | None:
    """HTML for text that is paragraphs only, or None when the Markdown parser is needed."""
    if (
        _INLINE_MARKUP.search(text)
        or _BLOCK_START.search(text)
        or _OTHER_SPACE.search(text)
        or "  \n" in text
    ):
        return None
    paragraphs = []
    for block in _BLANK_LINES.split(text.strip()):
        lines = [line.strip(" ") for line in block.split("\n")]
        body = "<br />\n".join(html.escape(line, quote=True) for line in lines)
        paragraphs.append("<p>" + body + "</p>\n")
    return "".join(p for p in paragraphs if p != "<p></p>\n")


def render_markdown(source: object) -> Markup:
    """Description/program from the safe subset: emphasis, lists, quotes, code, links.

    Links keep only http/https/mailto targets and get rel="nofollow noopener"."""
    text = clean(source)
    fast = plain_paragraphs(text)
    html_text = fast if fast is not None else _demote_headings(_markdown().render(text))
    cleaned = nh3.clean(
        html_text,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        link_rel="nofollow noopener",
        strip_comments=True,
    )
    return Markup(cleaned)  # noqa: S704 - sanitized by nh3 with an allow-list just above
