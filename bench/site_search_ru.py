"""Measurement: which Russian word forms find their page — MkDocs Material's built-in search
(`lang: ru`, its own search worker) against the portal's catalog search, same pages, same run,
in real Chromium.

Run: .venv/bin/python bench/site_search_ru.py

Builds a plain Material site with the search plugin and the portal site (catalog from a JSON-lines
file) from the same titles, asks each search every query and prints found / NOT found. Material's
worker is driven through its message protocol (setup, then the query as typed), which is what its
search box does after a keystroke.
"""

from __future__ import annotations

import functools
import http.server
import json
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "functions"))
sys.path.insert(0, str(ROOT))

from nmo_cli.site_build import build  # noqa: E402

TITLES = {
    "ev-bench000001": ("Кардиология: острый коронарный синдром", "25"),
    "ev-bench000002": ("Хирургия грыж передней брюшной стенки", "90"),
    "ev-bench000003": ("Неврология: инсульт", "35"),
    "ev-bench000004": ("Терапия хронической боли", "76"),
    "ev-bench000005": ("Педиатрия: вакцинация детей", "68"),
}
QUERIES = [
    ("хирургия", "Хирургия"),
    ("хирург", "Хирургия"),
    ("хирургии", "Хирургия"),
    ("хирургическое", "Хирургия"),
    ("кардиология", "Кардиология"),
    ("кардиологии", "Кардиология"),
    ("кардиологией", "Кардиология"),
    ("неврологии", "Неврология"),
    ("вакцинации", "Педиатрия"),
    ("терапии", "Терапия"),
]
MATERIAL_CONFIG = """site_name: Material search
docs_dir: docs
site_dir: {site}
theme:
  name: material
  language: ru
  font: false
plugins:
  - search:
      lang: ru
"""
ASK_MATERIAL_WORKER = """async ([worker, query]) => {
  const index = await (await fetch("search/search_index.json")).json();
  const w = new Worker(worker);
  return await new Promise((resolve) => {
    w.onmessage = (ev) => {
      if (ev.data.type === 1) w.postMessage({type: 2, data: query});  // ready -> query
      else if (ev.data.type === 3) resolve(ev.data.data.items.flat().map((i) => i.title));
    };
    w.postMessage({type: 0, data: {...index, options: {suggest: false}}});  // setup
  });
}"""


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(directory))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def material_site(work: Path) -> Path:
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    docs = work / "material" / "docs"
    docs.mkdir(parents=True)
    (docs / "index.md").write_text("# Главная\n\nКаталог.\n", encoding="utf-8")
    for element_id, (title, _) in TITLES.items():
        (docs / f"{element_id}.md").write_text(f"# {title}\n\nПрограмма.\n", encoding="utf-8")
    cfg = work / "material" / "mkdocs.yml"
    cfg.write_text(MATERIAL_CONFIG.format(site=work / "material" / "site"), encoding="utf-8")
    mkdocs_build(load_config(config_file=str(cfg)))
    return work / "material" / "site"


def portal_site(work: Path) -> Path:
    jsonl = work / "catalog.jsonl"
    rows = [
        {"id": i, "kind": "iom", "status": "published", "title": t, "specialties": [c], "hours": 2}
        for i, (t, c) in TITLES.items()
    ]
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return build(work / "portal", catalog_jsonl=jsonl)


def main() -> None:
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM_ARGS, chromium_path

    with tempfile.TemporaryDirectory(prefix="nmo-search-") as tmp:
        work = Path(tmp)
        material, portal = material_site(work), portal_site(work)
        worker = next((material / "assets/javascripts/workers").glob("search.*.min.js"))
        worker_url = worker.relative_to(material).as_posix()
        rows: list[tuple[str, bool, bool]] = []
        with serve(material) as m_url, serve(portal) as p_url, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(m_url + "/")
            for query, expected in QUERIES:
                titles = page.evaluate(ASK_MATERIAL_WORKER, [worker_url, query])
                in_material = any(expected in t for t in titles)
                portal_page = browser.new_page()
                portal_page.goto(f"{p_url}/search/?q={query}")
                portal_page.locator("#nmo-search-status").filter(has_text="айден").wait_for()
                in_portal = expected in portal_page.locator("#nmo-search-results").inner_text()
                portal_page.close()
                rows.append((query, in_material, in_portal))
            browser.close()
    print(f"{'query':16} {'Material lang: ru':>18} {'portal (Snowball)':>18}")
    for query, m, p in rows:
        print(f"{query:16} {'found' if m else 'NOT found':>18} {'found' if p else 'NOT found':>18}")
    found_m, found_p = sum(r[1] for r in rows), sum(r[2] for r in rows)
    print(f"found: Material {found_m}/{len(rows)}, portal {found_p}/{len(rows)}")


if __name__ == "__main__":
    main()
