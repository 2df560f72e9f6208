"""`nmo serve`'s origin runs in worker processes: concurrent requests are served, a worker that
dies is replaced, and nothing outlives `nmo serve` when it is killed outright."""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.stack import running_stack

# Generous upper bounds for things that happen within a second or two; never a measured time.
PATIENCE_SECONDS = 60.0


def _children(pid: int) -> dict[int, str]:
    """Live child processes of `pid` with their command lines (Linux /proc)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found[int(entry.name)] = cmdline
    return found


def _workers(pid: int) -> set[int]:
    return {child for child, cmd in _children(pid).items() if "origin-worker" in cmd}


def _health(url: str) -> int:
    with urllib.request.urlopen(f"{url}/api/health", timeout=30) as resp:
        assert json.loads(resp.read()) == {"status": "ok"}
        return resp.status


def _eventually(check, what: str, detail=lambda: ""):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + PATIENCE_SECONDS
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"not within {PATIENCE_SECONDS:.0f} s: {what} {detail()}")


def _children_state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text()[:200]
    except OSError:
        return "gone"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] == "Z")


def test_workers_serve_together_are_replaced_when_killed_and_end_with_nmo_serve(tmp_path: Path):
    with running_stack(tmp_path, extra_args=("--workers", "2")) as stack:
        started = set(stack.origin_pids)
        assert len(started) == 2
        assert _workers(stack.pid) == started

        # Many connections at once, each answered (whichever worker takes it).
        with ThreadPoolExecutor(max_workers=16) as pool:
            assert set(pool.map(lambda _: _health(stack.url), range(64))) == {200}

        # A worker killed outright: the other keeps answering, and a new one takes its place.
        victim = stack.origin_pids[0]
        os.kill(victim, signal.SIGKILL)
        assert _health(stack.url) == 200
        ready = stack.var_dir / "origin-0.ready"
        replaced = _eventually(
            lambda: (w := _workers(stack.pid)) and len(w) == 2 and victim not in w and w,
            "a replacement worker",
        )
        (newcomer,) = replaced - started  # a new process, not the old one back
        _eventually(
            lambda: ready.exists() and ready.read_text() == str(newcomer),
            "the replacement accepting",
        )
        with ThreadPoolExecutor(max_workers=16) as pool:
            assert set(pool.map(lambda _: _health(stack.url), range(64))) == {200}

        # `nmo serve` killed outright cannot stop its children: they notice and stop themselves.
        children = set(_children(stack.pid))
        assert replaced <= children and len(children) >= 3  # the workers and the store
        os.kill(stack.pid, signal.SIGKILL)
        _eventually(
            lambda: not any(_alive(c) for c in children),
            "every child gone",
            lambda: {c: _children_state(c) for c in children if _alive(c)},
        )
