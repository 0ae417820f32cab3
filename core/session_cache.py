"""Recently read session rows, kept in the serving process for a second (Django's "cached_db").

Every request reads its server-side session. On SQLite that read is cheap in itself, but the
sqlite3 module lets go of the GIL around each step, so with the server's threads busy every
read hands the interpreter to another thread and back (tens of futex calls a request; about a
quarter of a plugin page's server CPU, docs/performance.md). On PostgreSQL it is a network
round trip. The rows therefore stay here for :data:`MAX_AGE_SECONDS`:

- every change this process makes (a new session, a changed one, last-seen, logout, expiry,
  purge, :func:`core.sessions.end_sessions_of`) updates or drops the cached row at once;
- a change made by another process (a ``station`` command ending someone's sessions), or
  committed by a transaction after it dropped the rows, is seen within :data:`MAX_AGE_SECONDS`,
  when the cached row is read again;
- a row read from the database is only kept when no change was made in this process while it
  was being read, so a read that raced a logout cannot bring the logged-out session back.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable

#: How long a row read from the database is used without reading it again.
MAX_AGE_SECONDS = 1.0
#: Rows kept at most (the oldest goes first); a kiosk has a handful of live sessions.
MAX_ROWS = 4096

Row = tuple[str, float, float]  # data (JSON), created_at, last_seen_at

_caches: weakref.WeakSet[SessionRowCache] = weakref.WeakSet()


class SessionRowCache:
    """The session rows one server process read or wrote lately, by id hash."""

    def __init__(self, max_age: float = MAX_AGE_SECONDS, max_rows: int = MAX_ROWS,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.max_age = max_age
        self.max_rows = max_rows
        self._monotonic = monotonic
        self._rows: dict[str, tuple[Row, float]] = {}
        self._lock = threading.Lock()
        self._changes = 0  # counts this process's changes; a read keeps its row only if none came between
        _caches.add(self)

    def get(self, id_hash: str) -> Row | None:
        """The row, if it was read or written less than ``max_age`` seconds ago."""
        entry = self._rows.get(id_hash)
        if entry is None or self._monotonic() - entry[1] > self.max_age:
            return None
        return entry[0]

    def before_read(self) -> int:
        """A token to pass to :meth:`keep_read` with the row read after this call."""
        return self._changes

    def keep_read(self, token: int, id_hash: str, row: Row) -> None:
        """Keep a row just read from the database, unless this process changed sessions meanwhile."""
        with self._lock:
            if token == self._changes:
                self._store(id_hash, row)

    def wrote(self, id_hash: str, row: Row) -> None:
        """This process wrote ``row`` for ``id_hash``."""
        with self._lock:
            self._changes += 1
            self._store(id_hash, row)

    def dropped(self, *id_hashes: str) -> None:
        """This process deleted these sessions."""
        with self._lock:
            self._changes += 1
            for id_hash in id_hashes:
                self._rows.pop(id_hash, None)

    def clear(self) -> None:
        """Forget every row (many sessions changed at once)."""
        with self._lock:
            self._changes += 1
            self._rows.clear()

    def _store(self, id_hash: str, row: Row) -> None:
        self._rows.pop(id_hash, None)
        if len(self._rows) >= self.max_rows:
            del self._rows[next(iter(self._rows))]  # dicts keep insertion order: the oldest
        self._rows[id_hash] = (row, self._monotonic())


def forget_all_cached_sessions() -> None:
    """Drop every cached row in this process (sessions were ended by a bulk delete)."""
    for cache in list(_caches):
        cache.clear()
