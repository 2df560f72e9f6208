"""`make run`'s stand-in for the cloud's hourly schedule: finish events whose last day is over,
once at start and then every minute, in a background thread of the local server."""

from __future__ import annotations

import logging
import threading

log = logging.getLogger("nmo.serve")
PERIOD_SECONDS = 60.0


class EventFinisher:
    def __init__(self, period: float = PERIOD_SECONDS) -> None:
        self._period = period
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="event-finisher", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        from chalicelib.services.lifecycle import finish_ended_events

        while not self._stop.is_set():
            try:
                finish_ended_events()
            except Exception:  # keep the timer alive: the next minute tries again
                log.exception("finishing ended events failed")
            self._stop.wait(self._period)
