"""`make run`'s stand-in for the cloud's daily schedule: the notifications job once at start and
then whenever the Moscow date changes (checked every minute), in a background thread."""

from __future__ import annotations

import datetime as dt
import logging
import threading

log = logging.getLogger("nmo.serve")
PERIOD_SECONDS = 60.0


class DailyNotifications:
    def __init__(self, period: float = PERIOD_SECONDS) -> None:
        self._period = period
        self._last: dt.date | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="daily-notify", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        from chalicelib.domain.dates import today_msk
        from chalicelib.services.reminders import run_daily

        while not self._stop.is_set():
            today = today_msk()
            if today != self._last:
                try:
                    run_daily(today)
                    self._last = today
                except Exception:  # the next minute tries again; nothing is sent twice
                    log.exception("daily notifications failed")
            self._stop.wait(self._period)
