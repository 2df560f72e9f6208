"""axe-core in a Playwright page: the WCAG 2.1 A/AA rules, violations of serious or critical impact.

axe-core comes from npm (tests/browser/package.json, installed by `make test` with `npm ci`) and is
injected into the page as a script, so the check runs on what Chromium actually rendered.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE_JS = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")


def axe_source() -> str:
    if not AXE_JS.is_file():
        # Not a skip: `make test` installs it, so its absence is a broken setup.
        raise RuntimeError(f"{AXE_JS} missing: run `make test` (it runs npm ci in tests/browser)")
    return AXE_JS.read_text(encoding="utf-8")


def blocking_violations(page: Any) -> list[dict[str, Any]]:
    """Serious and critical WCAG 2.1 AA violations on the page as it is now, one entry per node."""
    # Evaluated through the DevTools protocol, not a <script> tag: the site's CSP forbids inline
    # scripts, and the check must run under the very policy users get.
    page.evaluate(axe_source() + "\n;true")
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_AA,
    )
    found = []
    for violation in result["violations"]:
        if violation.get("impact") not in BLOCKING:
            continue
        for node in violation["nodes"]:
            found.append(
                {
                    "rule": violation["id"],
                    "impact": violation["impact"],
                    "target": " ".join(str(t) for t in node["target"]),
                    "summary": node.get("failureSummary", "").splitlines()[-1:],
                }
            )
    return found
