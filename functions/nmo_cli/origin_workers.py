"""The local origin in several processes, as API Gateway runs concurrent requests in separate
Lambda environments.

In one process every request's Python work queued for one GIL: in a rush of 1,000 people the
origin spent 12–14 ms of CPU per registration, sat at a full core, and the second core idled.
`nmo serve` now binds the origin's socket itself and starts `count` worker processes
(`nmo origin-worker`) that all accept on it; the kernel hands each new connection to whichever
worker takes it first. Each worker is a complete origin (devserver.PortalOrigin) with its own
copy of the app, as each Lambda environment has. What must exist once stays in the parent: the
ЕСИА emulator, the local mail, the cloud's timers and the site refresher.

Which site build to serve travels through a small file (`SitePointer`) that the parent replaces
in one step; a worker reads it before each request and switches when it changed.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nmo_cli.child_processes import stop_with_parent, wait_until_ready, write_whole

log = logging.getLogger("nmo.origin")


def default_worker_count() -> int:
    """One worker per core, at least two (so a slow request never holds up the rest) and at
    most four (each worker holds its own copy of the app, ~100 MB)."""
    return min(4, max(2, os.cpu_count() or 1))


class SitePointer:
    """The build the origin serves and its Content-Security-Policy, in one JSON file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def publish(self, site_dir: Path, csp: str) -> None:
        """Point every worker at another build: written aside and renamed over, so a reader sees
        the old pointer or the new one, never half of either."""
        write_whole(self.path, {"site_dir": str(site_dir), "csp": csp})

    def read(self) -> bytes | None:
        """The pointer as published (None before the first publish). Read whole on every
        request: a few microseconds, where a stat could miss a switch (a rename may reuse the
        inode number, and mtimes are only as fine as the kernel's clock tick)."""
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            return None

    @staticmethod
    def parse(raw: bytes) -> tuple[Path, str]:
        data = json.loads(raw)
        return Path(data["site_dir"]), str(data["csp"])


class FollowingOrigin:
    """WSGI app: the worker's origin, switched to the pointer's build before a request when the
    parent has published another one."""

    def __init__(self, origin: Any, pointer: SitePointer) -> None:
        self.origin = origin
        self.pointer = pointer
        self._seen = pointer.read()
        self._lock = threading.Lock()

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        published = self.pointer.read()
        if published is not None and published != self._seen:
            with self._lock:
                if published != self._seen:
                    self.origin.serve_site(*SitePointer.parse(published))
                    self._seen = published
        return self.origin(environ, start_response)  # type: ignore[no-any-return]


def listening_socket(host: str, port: int) -> socket.socket:
    """The origin's socket, bound before anything else starts so the ЕСИА emulator knows the
    redirect address. Non-blocking: of the workers woken by one connection, those that lose the
    race to accept it go back to waiting instead of blocking in accept()."""
    from nmo_cli.ports import listen

    sock = listen(host, port, "сайт и API")
    sock.set_inheritable(True)
    return sock


@dataclass(frozen=True)
class _Worker:
    number: int
    proc: subprocess.Popen[bytes]
    ready: Path


class OriginWorkers:
    """The parent's side: start the workers, replace one that dies, stop them all."""

    def __init__(
        self, sock: socket.socket, host: str, count: int, pointer: SitePointer, run_dir: Path
    ) -> None:
        self.sock = sock
        self.host = host
        self.count = count
        self.pointer = pointer
        self.run_dir = run_dir
        self.workers: list[_Worker] = []

    def start(self) -> None:
        """Start every worker and wait until each is accepting (connections made meanwhile wait
        in the socket's backlog)."""
        self.workers = [self._spawn(n) for n in range(self.count)]
        for worker in self.workers:
            self._wait_ready(worker)

    def keep_running(self) -> bool:
        """Replace a worker that exited (a crashed Lambda environment is replaced too). False
        when one died before it was ready: a broken start (an import error, a bad setting) is
        a fault to report, not to repeat in a loop."""
        for i, worker in enumerate(self.workers):
            code = worker.proc.poll()
            if code is None:
                continue
            if not worker.ready.exists():
                log.error("origin worker %d exited with code %s before it was ready", i, code)
                return False
            log.warning("origin worker %d exited with code %s; starting another", i, code)
            self.workers[i] = self._spawn(i)
        return True

    def pids(self) -> list[int]:
        return [worker.proc.pid for worker in self.workers]

    def shutdown(self) -> None:
        for worker in self.workers:
            if worker.proc.poll() is None:
                worker.proc.send_signal(signal.SIGTERM)
        for worker in self.workers:
            try:
                worker.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.proc.kill()
                worker.proc.wait()
        self.sock.close()

    def _spawn(self, number: int) -> _Worker:
        ready = self.run_dir / f"origin-{number}.ready"
        ready.unlink(missing_ok=True)
        fd = self.sock.fileno()
        proc = subprocess.Popen(  # noqa: S603 - our own CLI, fixed arguments
            [
                sys.executable,
                "-m",
                "nmo_cli.cli",
                "origin-worker",
                "--fd",
                str(fd),
                "--host",
                self.host,
                "--site-pointer",
                str(self.pointer.path),
                "--ready-file",
                str(ready),
            ],
            pass_fds=(fd,),
            process_group=0,  # Ctrl-C reaches `nmo serve`, which stops us with SIGTERM
        )
        return _Worker(number, proc, ready)

    def _wait_ready(self, worker: _Worker) -> None:
        wait_until_ready(worker.ready, worker.proc, f"origin worker {worker.number}")


def serve_worker(fd: int, host: str, pointer: SitePointer, ready_file: Path | None) -> int:
    """One worker: the whole origin on the inherited socket until SIGTERM or the parent's end."""
    # Watched from the first moment: a worker still starting (importing, or reading the tables'
    # descriptions from a store that is stopping too) must not outlive `nmo serve` either. Its
    # requests have nobody left to answer for, so it ends at once.
    stop_with_parent("origin worker", lambda: os._exit(0))
    from app import app as chalice_app
    from chalicelib.db.connection import ensure_bound
    from chalicelib.settings import get_settings
    from werkzeug.serving import make_server

    from nmo_cli.devserver import PortalOrigin, QuietHandler

    published = pointer.read()
    if published is None:
        raise SystemExit(f"origin worker: no site published in {pointer.path}")
    site_dir, csp = SitePointer.parse(published)
    origin = PortalOrigin(site_dir, chalice_app, max_body=get_settings().max_body_bytes, csp=csp)
    server = make_server(
        host,
        0,
        FollowingOrigin(origin, pointer),
        threaded=True,
        request_handler=QuietHandler,
        fd=fd,
    )
    # As a Lambda environment does during its init: the first request does not build the client.
    ensure_bound()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    threading.Thread(target=server.serve_forever, name="origin", daemon=True).start()
    if ready_file is not None:
        write_whole(ready_file, os.getpid())
    stop.wait()
    server.shutdown()
    server.server_close()
    return 0
