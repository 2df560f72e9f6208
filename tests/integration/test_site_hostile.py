"""Hostile organizer input fed through the whole site build: nothing executable survives into any
page, the JSON index or the sitemap (calendar files are the API's: test_event_lifecycle)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.site_catalog import build_site, record

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)><svg onload=alert(2)>'
HOSTILE = {
    "title": PAYLOAD + "{{ 7*7 }}{% raw %}</title><script>alert(3)</script>",
    "description": (
        '[клик](javascript:alert(4)) <a href="javascript:alert(5)">ссылка</a>\n\n'
        "<iframe src=//evil.example></iframe>\n\n{{ config }} {% for x in y %}\n\n"
        "[data](data:text/html;base64,PHNjcmlwdD4=) ![img](https://evil.example/x.png)"
    ),
    "program": "<div onclick=alert(6)>Программа</div>\n\n```\n<script>alert(7)</script>\n```",
    "organizer_name": PAYLOAD,
    "city": "<b>Город</b>\ud800",
    "address": '"><script>alert(8)</script>',
    "contact": "javascript:alert(9)",
    "url": "javascript:alert(10)",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    records = [
        record("ev-hostile00001", **HOSTILE),
        record("pk-hostile00002", kind="dpp_pk", days=[], **HOSTILE),
    ]
    return build_site(tmp_path_factory.mktemp("hostile"), records)


def _outputs(site: Path) -> list[Path]:
    return [p for p in site.rglob("*") if p.is_file() and p.suffix in {".html", ".json", ".xml"}]


class _Elements(HTMLParser):
    """Every real element and attribute of a page, as a browser would parse them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)


def test_no_page_carries_a_script_event_handler_or_javascript_link(site: Path) -> None:
    pages = [p for p in _outputs(site) if p.suffix == ".html"]
    assert len(pages) > 5
    for path in pages:
        parsed = _Elements()
        parsed.feed(path.read_text(encoding="utf-8"))
        assert not any("alert" in s for s in parsed.scripts), path
        for tag, attrs in parsed.tags:
            assert tag not in {"iframe", "img", "object", "embed"}, (path, tag)  # icons are svg
            assert not [a for a in attrs if a.startswith("on")], (path, tag, attrs)
            for name in ("href", "src", "action"):
                target = attrs.get(name, "").strip().lower()
                assert not target.startswith(("javascript:", "data:", "vbscript:")), (path, attrs)
            if tag == "script" and "src" in attrs:
                assert not attrs["src"].startswith(("http:", "https:", "//")), attrs


def test_template_syntax_in_organizer_text_is_shown_literally_not_evaluated(site: Path) -> None:
    page = (site / "catalog" / "e" / "ev-hostile00001" / "index.html").read_text(encoding="utf-8")
    assert "{{ 7*7 }}" in page and "49" not in re.sub(
        r"\d{3,}", "", page.split('<article class="nmo-element"', 1)[1]
    )
    assert "{{ config }}" in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page  # the title, as text


def test_the_page_title_element_cannot_be_closed_by_a_title(site: Path) -> None:
    page = (site / "catalog" / "e" / "ev-hostile00001" / "index.html").read_text(encoding="utf-8")
    title = re.search(r"<title>(.*?)</title>", page, re.DOTALL)
    assert title and "<" not in title.group(1)


def test_json_index_holds_titles_as_inert_text(site: Path) -> None:
    head = (site / "catalog" / "index.json").read_text(encoding="utf-8")
    (part,) = [
        (site / url.lstrip("/")).read_text(encoding="utf-8") for url in json.loads(head)["parts"]
    ]
    for raw in (head, part):
        assert "<" not in raw and ">" not in raw
        assert "\ud800" not in raw and "\\ud800" not in raw
    index = json.loads(part)
    titles = [row[1] for row in index["elements"]]
    assert all(t.startswith(PAYLOAD) for t in titles)  # decoded by the script, shown as text
    assert index["cities"] == ["<b>Город</b>\ufffd"]


def test_a_javascript_organizer_url_is_not_linked(site: Path) -> None:
    page = (site / "catalog" / "e" / "pk-hostile00002" / "index.html").read_text(encoding="utf-8")
    assert "alert(10)" not in page
