"""Organizer-entered text made safe for pages: plain fields cleaned, descriptions rendered from a
Markdown subset (no raw HTML) and passed through an allow-list sanitizer."""

from __future__ import annotations

import functools
import re

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# C0/C1 controls (except tab and newline), lone surrogates and non-characters: broken Unicode that
# must not reach a page, a JSON index or a calendar file.
_BROKEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
_TAG = re.compile(r"<[^>]*>?")
_ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "code", "pre", "blockquote",
    "ul", "ol", "li", "h3", "h4", "h5", "h6", "a",
}  # fmt: skip
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
_URL_SCHEMES = {"http", "https", "mailto"}


def clean(value: object, limit: int = 20000) -> str:
    """A plain text field: valid Unicode only, bounded length, surrounding whitespace trimmed."""
    if value is None:
        return ""
    text = str(value)
    text = _BROKEN.sub("\ufffd", text.replace("\r\n", "\n").replace("\r", "\n"))
    return text.strip()[:limit]


def plain(value: object, limit: int = 20000) -> str:
    """Text without anything tag-like: for calendar files, whose readers may render HTML."""
    return _TAG.sub("", clean(value, limit)).replace("<", "").replace(">", "")


@functools.cache
def _markdown() -> MarkdownIt:
    # Only the rules of the subset are on ("zero" preset + these); "html": False makes raw HTML in
    # the source plain text. No images, tables, raw HTML or link guessing.
    return MarkdownIt("zero", {"html": False}).enable(
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


def render_markdown(source: object) -> Markup:
    """Description/program from the safe subset: emphasis, lists, quotes, code, links.

    Links keep only http/https/mailto targets and get rel="nofollow noopener"."""
    html = _demote_headings(_markdown().render(clean(source)))
    cleaned = nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        link_rel="nofollow noopener",
        strip_comments=True,
    )
    return Markup(cleaned)  # noqa: S704 - sanitized by nh3 with an allow-list just above
