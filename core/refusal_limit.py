"""Which refused requests are written to the audit log: at most once per actor, endpoint and
reason per window, and a cap per window in all (see ``core/web/refusals.py``)."""

from __future__ import annotations

import threading
from collections.abc import Callable


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
