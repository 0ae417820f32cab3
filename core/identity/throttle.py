"""Throttling of failed staff logins.

Attempts are counted per username and per client address. After ``free_attempts`` attempts
that did not succeed the key must wait ``base_delay`` seconds, doubling with each further
one up to ``max_delay`` — so guessing is slow, but an attacker can lock a real user out for
minutes at most, and the user can still log in from the station console's own address once
its own key is clear. The answer to a throttled attempt is the same generic message as a
wrong password (with the waiting time), so it reveals nothing about whether the account
exists.

An attempt is counted **before** the password is checked, with one atomic UPSERT per key
(:meth:`Throttle.begin`): many parallel guesses cannot all read "not blocked" and all be
checked — exactly ``free_attempts`` are, the others are refused unchecked. A successful
login clears both keys (:meth:`Throttle.succeeded`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import peewee

from core.db import BaseModel, database


class LoginThrottle(BaseModel):
    """Attempt counter for one username or client address (keys are hashed)."""

    key = peewee.CharField(primary_key=True, max_length=128)
    failures = peewee.IntegerField()
    first_failure_at = peewee.DoubleField()
    blocked_until = peewee.DoubleField()

    class Meta:
        table_name = "login_throttle"


class Throttle:
    """Decides whether a login attempt may be tried now, and records outcomes."""

    def __init__(self, clock: Callable[[], float], free_attempts: int = 5, base_delay: float = 15.0,
                 max_delay: float = 300.0, forget_after: float = 3600.0) -> None:
        self.clock = clock
        self.free_attempts = free_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.forget_after = forget_after

    @staticmethod
    def _key(kind: str, value: str) -> str:
        return f"{kind}:{hashlib.sha256(value.strip().lower().encode()).hexdigest()[:40]}"

    def _keys(self, username: str, address: str) -> list[str]:
        return [self._key("addr", address), self._key("user", username)]

    def delay_after(self, attempts: int) -> float:
        """Seconds to wait after ``attempts`` unsuccessful attempts (0 while still free)."""
        extra = attempts - self.free_attempts  # 0 at the last free attempt: wait base_delay
        return min(self.max_delay, self.base_delay * 2 ** extra) if extra >= 0 else 0.0

    def wait_seconds(self, username: str, address: str) -> float:
        """Seconds until another attempt for this username or address is allowed (0 = now)."""
        now = self.clock()
        rows = LoginThrottle.select().where(LoginThrottle.key.in_(self._keys(username, address)))
        return max([row.blocked_until - now for row in rows] + [0.0])

    def begin(self, username: str, address: str) -> bool:
        """Count an attempt for both keys, as if it will fail; False = blocked, do not check it.

        One ``INSERT … ON CONFLICT DO UPDATE … WHERE not blocked RETURNING`` per key (SQLite
        3.35+ and PostgreSQL): the counter and the waiting time change in the same statement,
        and a blocked key returns no row.
        """
        for key in self._keys(username, address):
            if not self._count(key):
                return False
        return True

    def _count(self, key: str) -> bool:
        now = self.clock()
        db = database.obj
        params: list[object] = []

        def v(value: object) -> str:  # a bound parameter, in the order the SQL text is built
            params.append(value)
            return db.param

        def new_count() -> str:  # the row's count once this attempt is added
            return (f"(CASE WHEN {v(now)} - login_throttle.first_failure_at > {v(self.forget_after)} "
                    "THEN 1 ELSE login_throttle.failures + 1 END)")

        def blocked_until() -> str:  # (text and parameters are built strictly left to right)
            sql = f"(CASE WHEN {new_count()} < {v(self.free_attempts)} THEN {v(0.0)} "
            attempts = self.free_attempts
            while self.delay_after(attempts) < self.max_delay:
                sql += f"WHEN {new_count()} = {v(attempts)} THEN {v(now + self.delay_after(attempts))} "
                attempts += 1
            return sql + f"ELSE {v(now + self.max_delay)} END)"

        sql = (f"INSERT INTO login_throttle (key, failures, first_failure_at, blocked_until) "  # nosec B608 # only placeholders (db.param) and fixed names are formatted in; values are bound parameters
               f"VALUES ({v(key)}, 1, {v(now)}, {v(now + self.delay_after(1) if self.delay_after(1) else 0.0)}) "
               f"ON CONFLICT (key) DO UPDATE SET failures = {new_count()}, "
               f"first_failure_at = CASE WHEN {v(now)} - login_throttle.first_failure_at > {v(self.forget_after)} "
               f"THEN {v(now)} ELSE login_throttle.first_failure_at END, "
               f"blocked_until = {blocked_until()} "
               f"WHERE login_throttle.blocked_until <= {v(now)} RETURNING failures")
        return db.execute_sql(sql, params).fetchone() is not None

    def succeeded(self, username: str, address: str) -> None:
        """A successful login clears both keys."""
        LoginThrottle.delete().where(LoginThrottle.key.in_(self._keys(username, address))).execute()
