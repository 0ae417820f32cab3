"""Refused access decisions go to the audit log — rate-limited, so a scan cannot flood it.

The guard calls :func:`audit_refusal` when it refuses a request (no permission, too weak an
identity check, a page for citizens opened by staff, a disabled service, a missing CSRF
token). The same actor refused on the same endpoint for the same reason is recorded once
per window, and at most ``max_per_window`` refusals are recorded per window in all; what was
left out is counted and carried in the next entry's ``suppressed`` detail, so the log still
says that something was refused and how often.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class RefusalLimiter:
    """Decides which refusals are written to the audit log (pure logic, injected clock)."""

    def __init__(self, clock: Callable[[], float], window_seconds: float = 60.0, max_per_window: int = 20) -> None:
        self.clock = clock
        self.window_seconds = window_seconds
        self.max_per_window = max_per_window
        self._lock = threading.Lock()
        self._window_start = float("-inf")
        self._written = 0
        self._seen: set[tuple[str, str, str]] = set()
        self.suppressed = 0

    def admit(self, actor: str, endpoint: str, reason: str) -> int | None:
        """None to skip this refusal; otherwise how many were suppressed before it (then reset)."""
        with self._lock:
            now = self.clock()
            if now - self._window_start >= self.window_seconds:
                self._window_start, self._written, self._seen = now, 0, set()
            key = (actor, endpoint, reason)
            if key in self._seen or self._written >= self.max_per_window:
                self.suppressed += 1
                return None
            self._seen.add(key)
            self._written += 1
            suppressed, self.suppressed = self.suppressed, 0
            return suppressed


def audit_refusal(reason: str, plugin: str = "core") -> None:
    """Record that the guard refused the current request (never raises)."""
    from flask import request

    from core.audit.api import current_actor
    from core.station import current_station

    try:
        station = current_station()
        actor = current_actor()
        endpoint = request.endpoint or "-"
        suppressed = station.refusals.admit(actor, endpoint, reason)
        if suppressed is None:
            return
        from core.audit.log import transaction

        with transaction():
            station.audit.record("access.refused", actor=actor, plugin=plugin, object_ref=f"endpoint:{endpoint}",
                                 outcome="refused", details={"reason": reason, "method": request.method,
                                                             "suppressed": suppressed})
    except Exception as exc:  # noqa: BLE001 — a refusal stays a refusal even if it cannot be logged
        log.warning("could not audit a refused request: %s", type(exc).__name__)
