"""`make run`'s stand-ins for what the cloud runs on a schedule or a stream, each a background
thread of the local server that calls the very function the cloud's Lambda calls:

- every minute, events whose last day is over become `finished` (the hourly `finish-events`);
- every second, change notices from the embedded store's streams (`notify-changes`);
- once at start and whenever the Moscow date changes, the daily notifications
  (`daily-notifications`).

A failed run is logged and the next tick tries again: every job is idempotent.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable

log = logging.getLogger("nmo.serve")


class Repeating:
    """Run `job` now and then every `period` seconds until stopped."""

    def __init__(self, name: str, period: float, job: Callable[[], object]) -> None:
        self._name = name
        self._period = period
        self._job = job
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._job()
            except Exception:  # keep the timer alive: the next tick tries again
                log.exception("%s failed", self._name)
            self._stop.wait(self._period)


def event_finisher() -> Repeating:
    from chalicelib.services.lifecycle import finish_ended_events

    return Repeating("event-finisher", 60.0, finish_ended_events)


def change_notices() -> Repeating:
    from nmo_cli.change_feed import ChangeFeed

    feed = ChangeFeed()
    feed.start()  # from the streams' current end, as a new event source mapping does
    return Repeating("change-feed", 1.0, feed.deliver)


def daily_notifications() -> Repeating:
    from chalicelib.domain.dates import today_msk
    from chalicelib.services.reminders import run_daily

    last: list[dt.date] = []

    def once_a_day() -> None:
        today = today_msk()
        if not last or last[0] != today:
            run_daily(today)
            last[:] = [today]

    return Repeating("daily-notify", 60.0, once_a_day)
