"""A cold start loads only what every request needs: the login stack (GOST, JWT, the ЕСИА
client), the spreadsheet code, the exports, the mail stack and the routes' services load in the
routes that use them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

# The one list of what must not load at import (the benchmark reports the same list).
from bench.cold_start import HEAVY

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"
_PROBE = """
import json, sys
sys.path.insert(0, sys.argv[1])
import app
heavy = json.loads(sys.argv[2])
print(json.dumps(sorted(m for m in sys.modules for h in heavy if m == h or m.startswith(h + "."))))
"""


def _loaded_after(code: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", code, str(FUNCTIONS), json.dumps(HEAVY)],
        capture_output=True,
        text=True,
        check=True,
        cwd=FUNCTIONS,
        env={"PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "eu-central-1"},
    )
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_importing_the_app_loads_no_login_stack_spreadsheets_or_exports():
    assert _loaded_after(_PROBE) == []


def test_the_login_route_still_loads_the_login_stack_when_called():
    """The probe can see a heavy module: the login path imports it on use."""
    code = _PROBE.replace(
        "import app\n", "import app\nfrom chalicelib.esia import client  # what start_login uses\n"
    )
    assert "chalicelib.esia.client" in _loaded_after(code)
