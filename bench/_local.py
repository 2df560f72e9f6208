"""The common start of benchmarks that run the API in this process on in-process moto: import
paths, fake credentials, no DynamoDB endpoint (nothing can reach AWS), a table prefix of their own,
and optionally the embedded store's own moto (`embedded_store=True`): the speedups `make run`'s
DynamoDB uses, above all Queries that read only the asked partition instead of the whole table.

Run benchmarks as scripts (`.venv/bin/python bench/NAME.py`): this module is found beside them.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def in_process_moto(*, embedded_store: bool = False, **settings: str) -> Path:
    """Prepare this process; `settings` are extra NMO_* variables. Returns the repository root.

    `embedded_store`: measure on the embedded store's moto rather than stock moto, whose Query
    walks and sorts the whole table (so a benchmark of "flat as the table grows" would measure
    moto). Its speedups assume one request at a time, which a single-threaded benchmark keeps."""
    for path in (ROOT, ROOT / "functions"):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    os.environ.setdefault("AWS_DEFAULT_REGION", "eu-central-1")
    os.environ["NMO_TABLE_PREFIX"] = "bench-"
    os.environ.update(settings)
    os.environ.pop("NMO_DYNAMODB_ENDPOINT", None)
    if embedded_store:
        from nmo_cli import moto_speedups

        moto_speedups.install()
    return ROOT
