"""Throttling of failed staff logins.

Failures are counted per username and per client address. After ``free_attempts`` failures
the key must wait ``base_delay`` seconds, doubling with each further failure up to
``max_delay`` — so guessing is slow, but an attacker can lock a real user out for minutes at
most, and the user can still log in from the station console's own address once its own key
is clear. The answer to a throttled attempt is the same generic message as a wrong password
(with the waiting time), so it reveals nothing about whether the account exists.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import peewee

from core.db import BaseModel


class LoginThrottle(BaseModel):
    """Failure counter for one username or client address (keys are hashed)."""

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

    def wait_seconds(self, username: str, address: str) -> float:
        """Seconds until another attempt for this username or address is allowed (0 = now)."""
        now = self.clock()
        rows = LoginThrottle.select().where(LoginThrottle.key.in_(
            [self._key("user", username), self._key("addr", address)]))
        return max([row.blocked_until - now for row in rows] + [0.0])

    def failed(self, username: str, address: str) -> None:
        """Count a failure for both keys and set their waiting time."""
        now = self.clock()
        for key in (self._key("user", username), self._key("addr", address)):
            row = LoginThrottle.get_or_none(LoginThrottle.key == key)
            if row is None or now - row.first_failure_at > self.forget_after:
                row = LoginThrottle(key=key, failures=0, first_failure_at=now, blocked_until=0.0)
                row.save(force_insert=not LoginThrottle.select().where(LoginThrottle.key == key).exists())
            row.failures += 1
            extra = row.failures - self.free_attempts  # 0 at the last free failure: wait base_delay
            row.blocked_until = now + min(self.max_delay, self.base_delay * 2 ** extra) if extra >= 0 else 0.0
            row.save()

    def succeeded(self, username: str, address: str) -> None:
        """A successful login clears both keys."""
        LoginThrottle.delete().where(LoginThrottle.key.in_(
            [self._key("user", username), self._key("addr", address)])).execute()
