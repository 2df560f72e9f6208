"""The whole local stack for tests: `nmo serve` on ephemeral ports in a temporary directory.

The stack runs in its own process tree (embedded DynamoDB is serialised moto in a child process),
so tests can fire real concurrent HTTP requests at it without moto's thread-safety problems.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Stack:
    url: str
    esia_url: str
    dynamodb_url: str
    table_prefix: str
    var_dir: Path
    site_dir: Path
    mail_url: str = ""  # the local mail page (nmo_cli/mail_catcher.py)
    origin_pids: tuple[int, ...] = ()  # the origin's worker processes at start (origin_workers)
    pid: int = 0  # `nmo serve` itself

    @contextlib.contextmanager
    def bound_here(self) -> Iterator[None]:
        """Point this process's chalicelib at the stack's DynamoDB (to seed data and read it
        back), restoring the previous configuration afterwards."""
        from chalicelib.db import connection
        from chalicelib.settings import reset_settings

        saved = {key: os.environ.get(key) for key in self.env()}
        os.environ.update(self.env())
        reset_settings()
        connection.unbind()
        try:
            yield
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            reset_settings()
            connection.unbind()

    def env(self) -> dict[str, str]:
        """Environment that points this process's chalicelib at the stack's DynamoDB."""
        return {
            "NMO_DYNAMODB_ENDPOINT": self.dynamodb_url,
            "NMO_TABLE_PREFIX": self.table_prefix,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "NMO_SESSION_KEY": (self.var_dir / "session.key").read_text().strip(),
            "NMO_PUBLIC_URL": self.url,
        }


@contextlib.contextmanager
def running_stack(
    tmp_dir: Path,
    *,
    seed: bool = False,
    build: bool = False,
    timeout: float = 180,
    extra_args: tuple[str, ...] = (),
    extra_env: dict[str, str] | None = None,
) -> Iterator[Stack]:
    """Start `nmo serve` (ports chosen by the OS) and stop it, with every child, afterwards."""
    var_dir = tmp_dir / "var"
    site_dir = tmp_dir / "site"
    ready = tmp_dir / "stack.ready"
    ready.unlink(missing_ok=True)  # a previous run's file would point at dead ports
    argv = [
        sys.executable,
        "-m",
        "nmo_cli.cli",
        "serve",
        "--port",
        "0",
        "--var",
        str(var_dir),
        "--site-dir",
        str(site_dir),
        "--ready-file",
        str(ready),
    ]
    argv.extend(extra_args)
    if not seed:
        argv.append("--no-seed")
    if not build:
        argv.append("--no-build")
        site_dir.mkdir(parents=True, exist_ok=True)
        (site_dir / "index.html").write_text("<!doctype html><title>НМО</title>", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "functions")}
    for key in ("NMO_DYNAMODB_ENDPOINT", "NMO_TABLE_PREFIX", "NMO_SESSION_KEY"):
        env.pop(key, None)
    env.update(extra_env or {})
    log_path = tmp_dir / "stack.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + timeout
            while not ready.exists():
                if proc.poll() is not None:
                    raise RuntimeError(
                        f"stack exited early:\n{log_path.read_text(errors='replace')}"
                    )
                if time.monotonic() > deadline:
                    raise RuntimeError(f"stack not ready:\n{log_path.read_text(errors='replace')}")
                time.sleep(0.1)
            info: dict[str, Any] = json.loads(ready.read_text())
            yield Stack(
                info["url"],
                info["esia_url"],
                info["dynamodb_url"],
                info["table_prefix"],
                var_dir,
                site_dir,
                info.get("mail_url", ""),
                tuple(info.get("origin_pids", ())),
                proc.pid,
            )
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
