"""The common start of benchmarks that run the API in this process on in-process moto: import
paths, fake credentials, no DynamoDB endpoint (nothing can reach AWS), a table prefix of their own.

Run benchmarks as scripts (`.venv/bin/python bench/NAME.py`): this module is found beside them.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def in_process_moto(**settings: str) -> Path:
    """Prepare this process; `settings` are extra NMO_* variables. Returns the repository root."""
    for path in (ROOT, ROOT / "functions"):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    os.environ.setdefault("AWS_DEFAULT_REGION", "eu-central-1")
    os.environ["NMO_TABLE_PREFIX"] = "bench-"
    os.environ.update(settings)
    os.environ.pop("NMO_DYNAMODB_ENDPOINT", None)
    return ROOT
