"""What `nmo serve` and its child processes share: the small files they hand each other (written
whole), telling the parent they are up, and ending with it."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger("nmo.serve")


def write_whole(path: Path, data: Any) -> None:
    """`data` as JSON, written aside and renamed over: a reader polling `path` sees nothing or
    all of it, never a half-written file."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    os.replace(tmp, path)


def wait_until_ready(
    ready: Path, proc: subprocess.Popen[bytes], what: str, timeout: float = 60
) -> None:
    """Wait for the child to write its ready file; SystemExit naming it if it exits or hangs."""
    deadline = time.monotonic() + timeout
    while not ready.exists():
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited with code {proc.returncode}")
        if time.monotonic() > deadline:
            raise SystemExit(f"{what} did not start in time")
        time.sleep(0.05)


def stop_with_parent(what: str, stop: Callable[[], None]) -> None:
    """Call `stop` once the process that started this one is gone. Killed outright, `nmo serve`
    cannot stop its children; without this they would keep the ports and answer for a stack
    that no longer exists."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        log.warning("%s: the process that started it is gone; stopping", what)
        stop()

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
