"""Benchmark: catalog site build vs a plain MkDocs build of the same number of bare pages.

Run: .venv/bin/python bench/site_build.py [--sizes 1000,5000,20000]  (default 5000)

For each N: writes N demo elements (nmo_cli.demo_data.generate_elements) to a JSON-lines file,
builds the real site from it (mkdocs.yml + the catalog hook), then builds a plain MkDocs site with
the same theme and N bare pages (title + description of each element, kept out of the nav as the
catalog's element pages are). Each build runs in a fresh interpreter, the bare one first. Prints
build seconds, output size and file count of both, the biggest files of both, the element pages'
sizes, the JSON index gzipped, the weight of the catalog index page as transferred (HTML + CSS +
JS, gzipped), and the ratios to the targets.
"""

from __future__ import annotations

import argparse
import gzip
import json
import multiprocessing
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "functions"))

from nmo_cli.demo_data import generate_elements  # noqa: E402
from nmo_cli.site_build import build  # noqa: E402

TARGET_RATIO = 1.5
TARGET_OUTPUT_RATIO = 1.2  # built site against bare MkDocs, same run (issue 20)
TARGET_OUTPUT_MB = 35  # at 5,000 elements
TARGET_ELEMENT_PAGE = 5 * 1024
TARGET_INDEX_GZ = 1_000_000
TARGET_FIRST_PAGE = 300_000

BARE_CONFIG = """site_name: Bare
docs_dir: docs
site_dir: {site_dir}
theme:
  name: material
  language: ru
  font: false
plugins: []
nav:
  - index.md
not_in_nav: |
  /p/
"""


def gz_size(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


def tree_stats(path: Path, top: int = 8) -> tuple[int, int, list[tuple[int, str]]]:
    """(bytes, files, the biggest files as (bytes, relative path))."""
    sizes = [(p.stat().st_size, p.relative_to(path).as_posix()) for p in path.rglob("*")]
    files = [(size, rel) for size, rel in sizes if (path / rel).is_file()]
    return sum(s for s, _ in files), len(files), sorted(files, reverse=True)[:top]


def element_page_sizes(site: Path) -> list[int]:
    return sorted(p.stat().st_size for p in (site / "catalog" / "e").glob("*/index.html"))


ARTICLE = re.compile(rb'<article class="nmo-element">.*?</article>', re.S)


def element_frames(site: Path) -> list[int]:
    """Each element page's bytes outside its own <article> (the header, navigation, footer and
    scripts every page carries): what the template costs, whatever the element says."""
    frames = []
    for page in (site / "catalog" / "e").glob("*/index.html"):
        html = page.read_bytes()
        found = ARTICLE.search(html)
        frames.append(len(html) - (len(found.group(0)) if found else 0))
    return sorted(frames)


def print_biggest(label: str, biggest: list[tuple[int, str]]) -> None:
    print(f"{label} biggest files:")
    for size, rel in biggest:
        print(f"    {size / 1e3:9.1f} KB  {rel}")


def page_weight(site: Path, page: Path) -> tuple[int, list[str]]:
    """Bytes transferred (gzip) for a page with the same-origin CSS and scripts it loads.
    The catalog index JSON is not fetched until the visitor filters or searches."""
    html = page.read_bytes()
    total = gz_size(html)
    parts = [f"html {total}"]
    refs = re.findall(rb'<(?:link[^>]+rel="stylesheet"[^>]+href|script[^>]+src)="([^"]+)"', html)
    for ref in refs:
        target = (page.parent / ref.decode().split("?")[0]).resolve()
        if target.is_file():
            size = gz_size(target.read_bytes())
            total += size
            parts.append(f"{target.name} {size}")
    return total, parts


def write_bare_project(work: Path, elements: list[dict]) -> Path:
    docs = work / "bare" / "docs"
    (docs / "p").mkdir(parents=True)
    (docs / "index.md").write_text("# Bare\n\nIndex.\n", encoding="utf-8")
    for e in elements:
        (docs / "p" / f"{e['element_id']}.md").write_text(
            f"# {e['title']}\n\n{e['description']}\n", encoding="utf-8"
        )
    cfg = work / "bare" / "mkdocs.yml"
    cfg.write_text(BARE_CONFIG.format(site_dir=work / "bare" / "site"), encoding="utf-8")
    return cfg


def timed_bare_build(cfg: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of a plain MkDocs build."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    wall, cpu = time.perf_counter(), time.process_time()
    mkdocs_build(load_config(config_file=str(cfg)))
    return time.perf_counter() - wall, time.process_time() - cpu


def timed_catalog_build(out: Path, jsonl: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of the catalog site build."""
    wall, cpu = time.perf_counter(), time.process_time()
    build(out, catalog_jsonl=jsonl)
    return time.perf_counter() - wall, time.process_time() - cpu


def in_fresh_process(func: object, *args: object) -> tuple[float, float]:
    """Each build in its own interpreter: neither inherits the other's heap (GC cost) or caches.
    CPU seconds are reported too: on a shared machine they vary less than wall time."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        wall, cpu = pool.apply(func, args)  # type: ignore[arg-type]
        return float(wall), float(cpu)


def run(n: int) -> None:
    elements = generate_elements(n, seed=2026)
    with tempfile.TemporaryDirectory(prefix="nmo-bench-") as tmp:
        work = Path(tmp)
        jsonl = work / "catalog.jsonl"
        with jsonl.open("w", encoding="utf-8") as fh:
            for e in elements:
                fh.write(json.dumps(e, ensure_ascii=False) + "\n")
        bare_cfg = write_bare_project(work, elements)
        bare_seconds, bare_cpu = in_fresh_process(timed_bare_build, bare_cfg)
        bare_size, bare_files, bare_biggest = tree_stats(work / "bare" / "site")
        bare_pages = sorted(
            p.stat().st_size for p in (work / "bare" / "site" / "p").glob("*/index.html")
        )
        shutil.rmtree(work / "bare")

        site = work / "site"
        catalog_seconds, catalog_cpu = in_fresh_process(timed_catalog_build, site, jsonl)
        catalog_size, catalog_files, catalog_biggest = tree_stats(site)
        pages = element_page_sizes(site)
        frames = element_frames(site)
        # What the browser fetches to filter or search: the head and every part it names.
        head = (site / "catalog" / "index.json").read_bytes()
        names = json.loads(head)["parts"]
        index_files = [head, *((site / n.lstrip("/")).read_bytes() for n in names)]
        index = b"".join(index_files)
        index_gz = sum(gz_size(f) for f in index_files)
        weight, parts = page_weight(site, site / "catalog" / "index.html")

    ratio = catalog_seconds / bare_seconds
    print(f"\n== {n} elements ==")
    print(
        f"catalog build: {catalog_seconds:8.1f} s wall {catalog_cpu:8.1f} s CPU   "
        f"output {catalog_size / 1e6:8.1f} MB in {catalog_files} files"
    )
    print(
        f"bare MkDocs  : {bare_seconds:8.1f} s wall {bare_cpu:8.1f} s CPU   "
        f"output {bare_size / 1e6:8.1f} MB in {bare_files} files"
    )
    print(
        f"build ratio  : {ratio:8.2f}x wall {catalog_cpu / bare_cpu:5.2f}x CPU  "
        f"(target <= {TARGET_RATIO}x)"
    )
    print(
        f"output ratio : {catalog_size / bare_size:8.2f}x (target <= {TARGET_OUTPUT_RATIO}x; "
        f"{catalog_size / 1e6:.1f} MB against the {TARGET_OUTPUT_MB} MB target)"
    )
    over = sum(size > TARGET_ELEMENT_PAGE for size in pages)
    print(
        f"element page : median {pages[len(pages) // 2]} B, mean {sum(pages) // len(pages)} B, "
        f"max {pages[-1]} B, {over} of {len(pages)} over {TARGET_ELEMENT_PAGE} B "
        f"(bare page median {bare_pages[len(bare_pages) // 2]} B)"
    )
    print(
        f"page frame   : median {frames[len(frames) // 2]} B, max {frames[-1]} B outside the "
        f"element's own <article>; a page over {TARGET_ELEMENT_PAGE} B is one whose element "
        f"says more than {TARGET_ELEMENT_PAGE - frames[-1]} B"
    )
    print_biggest("catalog", catalog_biggest)
    print_biggest("bare   ", bare_biggest)
    print(
        f"JSON index   : {len(index) / 1e6:8.2f} MB raw in {len(index_files)} files, "
        f"{index_gz / 1e3:8.1f} KB gzipped "
        f"({index_gz / TARGET_INDEX_GZ:.2f} of the 1 MB target)"
    )
    print(
        f"index page   : {weight / 1e3:8.1f} KB transferred "
        f"({weight / TARGET_FIRST_PAGE:.2f} of the 300 KB target): {', '.join(parts)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="5000")
    args = parser.parse_args()
    for n in (int(x) for x in args.sizes.split(",")):
        run(n)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
