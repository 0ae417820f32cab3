"""SQLite whose writers, within one process, queue on a lock instead of polling for the file lock.

SQLite lets one connection write at a time. A connection that finds the write lock taken
waits in SQLite's busy handler, which *sleeps and retries* (1, 2, 5, 10 … up to 100 ms
between tries) rather than queueing: under a steady stream of writes a waiter often sleeps
past the moment the lock is free, while newer writers take it first. With the station's
eight server threads that polling turned writes into the bottleneck of the whole server
(docs/performance.md): waiting writers held every thread, and pages that write nothing
queued behind them.

Here the station's own writers take a process-wide lock first — a write transaction
(``BEGIN IMMEDIATE``) holds it until it commits or rolls back, a deferred transaction from its
first write statement, a single autocommit write for that statement — so they wait in line and
wake the moment the previous writer commits. Other processes (``station`` commands run beside
the server) still meet the file lock, and the busy handler still covers them.
"""

from __future__ import annotations

import re
import threading
from typing import Any

import peewee

_WRITE_STATEMENT = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b", re.IGNORECASE)
_LOCKING_BEGIN = ("IMMEDIATE", "EXCLUSIVE")


class QueuedWritersSqliteDatabase(peewee.SqliteDatabase):
    """:class:`peewee.SqliteDatabase` whose writing threads take one process-wide lock in turn."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._writer_lock = threading.Lock()
        self._writer = threading.local()

    def holds_write_lock(self) -> bool:
        """True when the calling thread is the process's current writer."""
        return getattr(self._writer, "held", False)

    def _take(self) -> None:
        if not self.holds_write_lock():
            self._writer_lock.acquire()
            self._writer.held = True

    def _give_back(self) -> None:
        if self.holds_write_lock():
            self._writer.held = False
            self._writer_lock.release()

    def begin(self, lock_type: str | None = None) -> None:
        if (lock_type or self._lock_type or "").upper() in _LOCKING_BEGIN:
            self._take()
        try:
            super().begin(lock_type)
        except BaseException:
            self._give_back()
            raise

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._give_back()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._give_back()

    def execute_sql(self, sql: str, params: Any = None) -> Any:
        if self.holds_write_lock() or not _WRITE_STATEMENT.match(sql):
            return super().execute_sql(sql, params)
        if self.in_transaction():  # a deferred transaction's first write: keep the lock to its end
            self._take()
            return super().execute_sql(sql, params)
        self._take()  # one autocommit statement
        try:
            return super().execute_sql(sql, params)
        finally:
            self._give_back()

    def close(self) -> bool:
        try:
            return super().close()
        finally:
            if not self.in_transaction():
                self._give_back()
