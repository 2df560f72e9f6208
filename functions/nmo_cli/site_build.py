"""Building the public site (MkDocs + the catalog hook) and the Content-Security-Policy that lets
its pages run under `script-src 'self'` plus the hashes of Material's few inline scripts."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
MKDOCS_YML = REPO_ROOT / "mkdocs.yml"
DEFAULT_OUT = REPO_ROOT / "build" / "site"

_INLINE_SCRIPT = re.compile(r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.DOTALL)
# Non-executable script blocks (Material's JSON config) are not governed by script-src.
_DATA_TYPES = re.compile(r"""type\s*=\s*["']?application/(ld\+)?json""", re.IGNORECASE)


def build(
    out: Path | None = None,
    *,
    catalog_jsonl: Path | None = None,
    config_file: Path = MKDOCS_YML,
    quiet: bool = True,
    extra: dict[str, Any] | None = None,
) -> Path:
    """Build the site into `out` (default build/site). The catalog comes from DynamoDB unless
    `catalog_jsonl` names a JSON-lines file of element records. `extra` overrides `extra:` of the
    config (tests inject small sitemap limits this way)."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    site_dir = Path(out or DEFAULT_OUT).resolve()
    mkdocs_logger = logging.getLogger("mkdocs")
    level = mkdocs_logger.level
    if quiet:
        mkdocs_logger.setLevel(logging.WARNING)
    try:
        config = load_config(config_file=str(config_file), site_dir=str(site_dir))
        config.extra.update(extra or {})
        if catalog_jsonl is not None:
            config.extra["nmo_catalog_jsonl"] = str(Path(catalog_jsonl).resolve())
        mkdocs_build(config)
    finally:
        mkdocs_logger.setLevel(level)
    return site_dir


def inline_script_hashes(site_dir: Path) -> set[str]:
    """sha256 sources of every executable inline <script> in the built HTML."""
    hashes: set[str] = set()
    for page in Path(site_dir).rglob("*.html"):
        for match in _INLINE_SCRIPT.finditer(page.read_text(encoding="utf-8", errors="replace")):
            attrs = match.group("attrs")
            if "src=" in attrs or _DATA_TYPES.search(attrs):
                continue
            digest = hashlib.sha256(match.group("body").encode("utf-8")).digest()
            hashes.add("'sha256-" + base64.b64encode(digest).decode("ascii") + "'")
    return hashes


def policy(script_hashes: list[str] | tuple[str, ...] = (), connect: tuple[str, ...] = ()) -> str:
    """The one Content-Security-Policy of the portal (site and API, locally and at the CDN):
    scripts only from the same origin plus the given inline-script hashes; API calls only to the
    same origin, plus `connect` (the documents bucket the cabinet uploads to by presigned POST);
    nothing may frame the site."""
    scripts = " ".join(["'self'", *script_hashes])
    connects = " ".join(["'self'", *connect])
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {scripts}",
            # Material sets style attributes from its scripts (e.g. the header shadow).
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            f"connect-src {connects}",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


# Before a site is built (or when it has no inline scripts).
DEFAULT_CSP = policy()


def content_security_policy(site_dir: Path | str, connect: tuple[str, ...] = ()) -> str:
    """The CSP header value for a built site: the policy with the exact inline scripts in it."""
    return policy(sorted(inline_script_hashes(Path(site_dir))), connect)
