"""MkDocs hook: generates the catalog (index, paginated specialty pages, lean element pages, the
month calendar, the JSON index, the sitemap) from the published catalog during the build, and
builds the navigation from the pages found on disk (help pages and the cabinet/organizer/moderation
sections appear without editing config). Calendar files are the API's, not the site's.

Catalog source: `extra.nmo_catalog_jsonl` in the config or the NMO_CATALOG_JSONL environment
variable (a JSON-lines file of element records), otherwise DynamoDB (`iter_published`)."""

from __future__ import annotations

import datetime as dt
import html
import logging
import os
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page
from nmo_site import pages, rule_values, search_index, sitemap, source

log = logging.getLogger("mkdocs.plugins.nmo_catalog")

FIRST_PAGE_ITEMS = 30
LEAF_KINDS = {"specialty", "month"}  # pages with the compact drawer navigation
# Theme files no page uses: Material's search (the site has its own, assets/js/catalog.js over
# catalog/index.json; Material's search plugin is off) and the source maps of its bundles.
UNUSED_THEME_FILES = re.compile(r"^assets/javascripts/(lunr|workers)/|\.map$")
# The lean element pages take Material's main stylesheet only: its palette file holds the named
# colour schemes, and the portal's colours are its own (assets/css/portal.css).
THEME_CSS = re.compile(r"^assets/stylesheets/main\.[0-9a-f]+\.min\.css$")
SECTIONS = (
    ("cabinet", "Личный кабинет"),
    ("organizer", "Организаторам"),
    ("moderation", "Модерация"),
    ("dashboard", "Дашборд министерства"),
    ("employer", "Кабинет работодателя"),
)


class BuildState:
    def __init__(self) -> None:
        self.entries: list[source.CatalogEntry] = []
        self.by_id: dict[str, source.CatalogEntry] = {}
        self.by_specialty: dict[str, list[source.CatalogEntry]] = {}
        self.listings: dict[str, pages.SpecialtyListing] = {}
        self.theme_css: list[str] = []
        self.sitemap: list[sitemap.Url] = []
        self.months: dict[str, dict[str, list[source.CatalogEntry]]] = {}
        self.renderer: pages.Renderer | None = None
        self.generated: dict[str, Any] = {}  # src_uri -> (kind, key)
        self.text_pages: list[tuple[str, str, str]] = []
        self.build_time = dt.datetime.now(dt.UTC)


_state = BuildState()


def _catalog_records(config: MkDocsConfig) -> Any:
    jsonl = config.extra.get("nmo_catalog_jsonl") or os.environ.get("NMO_CATALOG_JSONL")
    if jsonl:
        log.info("catalog from %s", jsonl)
        return source.records_from_jsonl(Path(jsonl))
    log.info("catalog from DynamoDB (published elements)")
    return source.records_from_dynamodb()


def _specialty_names() -> dict[str, str]:
    from chalicelib.domain.specialties import all_specialties, specialty_name

    return {s.code: specialty_name(s.code) for s in all_specialties()}


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    global _state
    _state = BuildState()
    names = _specialty_names()
    _state.entries = source.load_entries(_catalog_records(config), log)
    _state.by_id = {e.id: e for e in _state.entries}
    by_specialty: dict[str, list[source.CatalogEntry]] = defaultdict(list)
    months: dict[str, dict[str, list[source.CatalogEntry]]] = defaultdict(lambda: defaultdict(list))
    for e in _state.entries:
        for code in e.specialties:
            if code in names:
                by_specialty[code].append(e)
        if e.is_event:
            for day in pages.event_dates(e):
                months[day[:7]][day].append(e)
    _state.by_specialty = dict(by_specialty)
    today = _build_day()
    _state.listings = {c: pages.specialty_listing(es, today) for c, es in by_specialty.items()}
    _state.months = {m: dict(days) for m, days in months.items()}
    # The sitemap is written by on_post_build (sitemap.py): MkDocs' own stamps every URL with the
    # build date, so it changed on every build and went up with every publish.
    config.theme.static_templates.discard("sitemap.xml")
    template_dir = Path(config.config_file_path).resolve().parent / "templates"
    _state.renderer = pages.Renderer(template_dir, names)
    log.info("catalog: %d published elements", len(_state.entries))
    return config


def _generated(config: MkDocsConfig, files: Files, src_uri: str, what: Any, in_nav: bool) -> None:
    file = File.generated(config, src_uri, content="")
    if not in_nav:
        file.inclusion = InclusionLevel.NOT_IN_NAV
    files.append(file)
    _state.generated[src_uri] = what


def _heading(file: File) -> str:
    match = re.search(r"^#\s+(.+)$", file.content_string, flags=re.MULTILINE)
    return match.group(1).strip() if match else Path(file.src_uri).stem


def _section(files: Files, prefix: str) -> list[Any]:
    """Nav entries for every Markdown page under `prefix` (index first, then by path);
    sub-folders become nested sections titled by their index page's heading."""
    found = sorted(
        (f for f in files.documentation_pages() if f.src_uri.startswith(prefix + "/")),
        key=lambda f: (f.src_uri.count("/"), not f.src_uri.endswith("index.md"), f.src_uri),
    )
    top: list[Any] = []
    nested: dict[str, list[File]] = defaultdict(list)
    for f in found:
        rest = f.src_uri[len(prefix) + 1 :]
        if "/" in rest:
            nested[rest.split("/", 1)[0]].append(f)
        else:
            top.append(f.src_uri)
    for folder, group in sorted(nested.items()):
        index = next((f for f in group if f.src_uri == f"{prefix}/{folder}/index.md"), group[0])
        top.append({_heading(index): _section(files, f"{prefix}/{folder}")})
    return top


def on_files(files: Files, config: MkDocsConfig) -> Files:
    _generated(config, files, "catalog/index.md", ("catalog", None), in_nav=True)
    _generated(config, files, "catalog/calendar/index.md", ("calendar", None), in_nav=True)
    for month in _state.months:
        _generated(config, files, f"catalog/calendar/{month}.md", ("month", month), in_nav=False)
    for code, listing in _state.listings.items():
        for n in range(1, listing.pages + 1):
            _generated(config, files, pages.specialty_src(code, n), ("specialty", (code, n)), False)
    for e in _state.entries:
        _generated(config, files, f"catalog/e/{e.id}.md", ("element", e.id), in_nav=False)
    for file in list(files):
        if UNUSED_THEME_FILES.search(file.src_uri) and not file.is_documentation_page():
            files.remove(file)
    _state.theme_css = sorted(f.src_uri for f in files if THEME_CSS.match(f.src_uri))

    nav: list[Any] = [{"Главная": "index.md"}]
    catalog: list[Any] = [{"Каталог": "catalog/index.md"}]
    catalog.append({"Календарь мероприятий": "catalog/calendar/index.md"})
    if files.get_file_from_path("search.md"):
        catalog.append({"Поиск": "search.md"})
    nav.append({"Каталог": catalog})
    help_pages = _section(files, "help")
    if help_pages:
        nav.append({"Справка": help_pages})
    for folder, title in SECTIONS:
        section = _section(files, folder)
        if section:
            nav.append({title: section[0] if len(section) == 1 else section})
    config.nav = nav
    return files


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    what = _state.generated.get(page.file.src_uri)
    if what is None:
        return rule_values.fill(markdown)  # hand-written pages: numbers from the rule data
    kind, key = what
    if kind == "element":
        title = _state.by_id[key].title
        page.meta["template"] = "element-page.html"
    elif kind == "specialty":
        assert _state.renderer is not None
        code, n = key
        title = _state.renderer.specialty_names.get(code, code)
        if n > 1:
            title += f": страница {n}"
    elif kind == "month":
        title = f"Мероприятия: {pages._month_title(key)}"
    elif kind == "calendar":
        title = "Календарь мероприятий"
    else:
        title = "Каталог"
    # Material prints meta titles unescaped (<title>, header): escape organizer text here.
    page.meta["title"] = html.escape(title)
    if kind in LEAF_KINDS:
        page.meta["template"] = "catalog-page.html"
    return ""  # the body comes from a Jinja2 template in on_page_content


def _index_url() -> str:
    return "/catalog/index.json"


def on_page_content(html_text: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    what = _state.generated.get(page.file.src_uri)
    renderer = _state.renderer
    assert renderer is not None
    if what is None:
        _remember_text(page, html_text)
        return html_text
    kind, key = what
    if kind == "element":
        return renderer.element(_state.by_id[key])
    if kind == "specialty":
        code, n = key
        return renderer.specialty(code, _state.listings[code], n)
    if kind == "month":
        ordered = sorted(_state.months)
        i = ordered.index(key)
        return renderer.month(
            key,
            _state.months[key],
            ordered[i - 1] if i > 0 else None,
            ordered[i + 1] if i + 1 < len(ordered) else None,
        )
    if kind == "calendar":
        return renderer.calendar_index(
            {
                m: len({e.id for es in days.values() for e in es})
                for m, days in _state.months.items()
            }
        )
    counts = {code: len(es) for code, es in _state.by_specialty.items()}
    cities = sorted(Counter(e.city for e in _state.entries if e.city))
    return renderer.catalog(
        _upcoming(_state.entries)[:FIRST_PAGE_ITEMS],
        len(_state.entries),
        counts,
        cities,
        _index_url(),
    )


def on_env(env: Any, config: MkDocsConfig, files: Files) -> Any:
    env.globals["nmo_theme_css"] = _state.theme_css  # for element-page.html
    return env


_INDENT = re.compile(r"\n\s+")


def on_post_page(output: str, page: Page, config: MkDocsConfig) -> str:
    what = _state.generated.get(page.file.src_uri)
    if page.canonical_url:
        updated = _state.by_id[what[1]].updated_at if what and what[0] == "element" else None
        _state.sitemap.append(sitemap.Url(page.canonical_url, updated[:10] if updated else None))
    if what and what[0] == "element" and "<pre" not in output:
        # Indentation is most of the whitespace of a lean page; <pre> (organizer code blocks)
        # would change meaning, so such a page keeps it.
        return _INDENT.sub("\n", output)
    return output


def _build_day() -> str:
    """The build's date in Moscow (the region's calendar, as the cabinet counts days)."""
    return (_state.build_time + dt.timedelta(hours=3)).date().isoformat()


def _upcoming(entries: list[source.CatalogEntry]) -> list[source.CatalogEntry]:
    today = _build_day()
    return [e for e in entries if not pages.has_ended_by(e, today)]


_TAGS = re.compile(r"<[^>]+>")


def _remember_text(page: Page, html_text: str) -> None:
    """Hand-written pages (help, home) go into the catalog search with their text."""
    text = html.unescape(_TAGS.sub(" ", html_text))
    title = html.unescape(_TAGS.sub("", str(page.title or "")))
    _state.text_pages.append(("/" + page.url, title, " ".join(text.split())))


def on_post_build(config: MkDocsConfig) -> None:
    out = Path(config.site_dir)
    assert _state.renderer is not None
    head, parts = search_index.build_index(
        _state.entries,
        {c: n for c, n in _state.renderer.specialty_names.items() if c in _state.by_specialty},
        sorted(_state.text_pages),
    )
    target = out / "catalog" / "index.json"
    (out / "catalog" / "index").mkdir(parents=True, exist_ok=True)
    for name, text in parts.items():
        (out / "catalog" / "index" / name).write_text(text, encoding="utf-8")
    target.write_text(search_index.dump(head), encoding="utf-8")

    written = sitemap.write(
        out,
        _state.sitemap,
        base_url=config.site_url or "/",
        max_urls=int(config.extra.get("nmo_sitemap_max_urls", sitemap.MAX_URLS)),
        max_bytes=int(config.extra.get("nmo_sitemap_max_bytes", sitemap.MAX_BYTES)),
        part_urls=int(config.extra.get("nmo_sitemap_part_urls", sitemap.PART_URLS)),
    )
    log.info("catalog: index in %d part(s), sitemap in %d file(s)", len(parts), written)
