"""Keeps the local site in step with the published catalog (the local stand-in for the
publishing job a deployment runs after moderation).

Every few seconds it reads the published catalog's version counter (one small item; seat counters
do not move it, pages read those live from the API). When it changes, the site is built
into a fresh directory and the origin switches to it in one step, so a moderator's decision shows
in the static catalog within seconds and a half-built site is never served. The build it replaced
is removed at the next check.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger("nmo.site_refresh")


def published_fingerprint() -> str:
    """The published catalog's version counter (one GetItem of one small item). Every publish,
    edit, cancellation and import bumps it in the change's own transaction; reading the whole
    catalog here instead held the embedded store's single lock for seconds every few seconds."""
    from chalicelib.db.catalog_repo import published_version

    return str(published_version())


def build_site(out_dir: Path, env: dict[str, str]) -> None:
    subprocess.run(  # noqa: S603 - our own CLI, fixed arguments
        [sys.executable, "-m", "nmo_cli.cli", "site", "build", "--out", str(out_dir)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


class SiteRefresher:
    """Rebuilds into `<base>.N` directories and hands each finished build to `switch`."""

    def __init__(
        self,
        base_dir: Path,
        env: dict[str, str],
        switch: Callable[[Path], None],
        *,
        interval: float = 5.0,
        fingerprint: Callable[[], str] = published_fingerprint,
        build: Callable[[Path, dict[str, str]], None] = build_site,
    ) -> None:
        self.base_dir = base_dir
        self.env = env
        self.switch = switch
        self.interval = interval
        self.fingerprint = fingerprint
        self.build = build
        self.builds = 0
        self._seen = ""
        self._stop = threading.Event()
        self._current: Path | None = None
        self._retired: Path | None = None

    def start(self, seen: str) -> threading.Thread:
        """`seen` is the fingerprint the site being served was built from."""
        self._seen = seen
        thread = threading.Thread(target=self._loop, name="site-refresh", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.refresh_once()
            except Exception as exc:  # keep serving the last good build
                log.warning(
                    "site rebuild failed (%s); the previous build stays", type(exc).__name__
                )

    def refresh_once(self) -> bool:
        """Rebuild if the published catalog changed; True when a new build went live."""
        self._remove_retired()
        current = self.fingerprint()
        if current == self._seen:
            return False
        self.builds += 1
        out = self.base_dir.with_name(f"{self.base_dir.name}.{self.builds}")
        shutil.rmtree(out, ignore_errors=True)
        self.build(out, self.env)
        self.switch(out)
        self._retired, self._current, self._seen = self._current, out, current
        log.info("published catalog changed: site rebuilt")
        return True

    def _remove_retired(self) -> None:
        """The superseded build goes one check after the switch, not at it: the origin's workers
        move to the new build at their next request, and one already under way may still be
        reading a file of the old one."""
        if self._retired is not None:
            shutil.rmtree(self._retired, ignore_errors=True)
            self._retired = None
