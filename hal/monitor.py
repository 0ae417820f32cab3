"""Heartbeats for an idle station: one thread probing every device periodically."""

from __future__ import annotations

import threading
from collections.abc import Iterable

from hal.drivers.base import Driver


class HeartbeatMonitor:
    """Calls :meth:`Driver.heartbeat` on each driver every ``period`` seconds (default: the
    smallest ``heartbeat_period`` of the drivers). Sleeps on an event between rounds, so
    an idle station costs nothing but the probes themselves."""

    def __init__(self, drivers: Iterable[Driver], period: float | None = None) -> None:
        self.drivers = list(drivers)
        self.period = period if period is not None else min(
            (d.heartbeat_period for d in self.drivers), default=5.0)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.rounds = 0

    def beat_once(self) -> None:
        """One round of heartbeats."""
        for driver in self.drivers:
            driver.heartbeat()
        self.rounds += 1

    def start(self, open_first: bool = False) -> None:
        """Run in a daemon thread until :meth:`stop`; with ``open_first``, the thread opens
        every driver before its first round (a slow device does not hold up the caller)."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, args=(open_first,), name="hal-heartbeat", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _run(self, open_first: bool = False) -> None:
        for driver in self.drivers if open_first else ():
            if self._stop.is_set():
                return
            driver.open()
        while not self._stop.is_set():
            self.beat_once()
            self._stop.wait(self.period)
