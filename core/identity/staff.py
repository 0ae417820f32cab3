"""Staff accounts: argon2id passwords, optional TOTP, throttled authentication.

Authentication answers every failure — unknown user, wrong password, wrong code, disabled
account, throttled — with the same :class:`LoginFailed` message and (for unknown users) the
same argon2 work, so nothing reveals whether an account exists.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from core.errors import StationError, UserInputError
from core.identity.models import StaffUser
from core.identity.passwords import MIN_PASSWORD_LENGTH, check_password_rules  # noqa: F401 — re-exported
from core.identity.throttle import Throttle
from core.permissions import STAFF_ROLE_NAMES
from core.privacy.keys import KeyRing
from core.privacy.sealed import SealedColumn, open_sealed, register_sealed_column, seal
from core.sessions import end_sessions_of

HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters


@cache
def _dummy_hash() -> str:
    """A hash to verify against for unknown users (same argon2 work, so nothing is revealed).

    Made on first use, not at import: hashing costs ~0.17 s and 64 MiB of memory, which every
    station start paid before any staff member logged in.
    """
    return HASHER.hash("not a real password, used to spend the same time")


class LoginFailed(StationError):
    """Wrong username, password or code (deliberately not saying which)."""

    http_status = 401
    exit_code = 2

    def __init__(self, message: str, reason: str = "wrong_password", account_exists: bool = False) -> None:
        super().__init__(message)
        self.reason = reason  # for the audit log only, never shown to the person at the door
        self.account_exists = account_exists
        self.wait_seconds = 0  # throttled: how long to wait


def _check_roles(roles: list[str]) -> None:
    unknown = [r for r in roles if r not in STAFF_ROLE_NAMES]
    if unknown or not roles:
        raise UserInputError(f"roles must be among {', '.join(STAFF_ROLE_NAMES)} (got {', '.join(roles) or 'none'})")


TOTP_COLUMN = register_sealed_column(SealedColumn(
    label="staff TOTP secrets", model=StaffUser, column="totp_secret",
    derive=lambda kek: hashlib.sha256(b"citizen-station totp v1" + kek).digest(),
    associated_data=lambda row: f"staff_user.totp_secret.{row.id}".encode()))


class _RowId:
    def __init__(self, staff_id: int) -> None:
        self.id = staff_id


class TotpSecrets:
    """TOTP secrets sealed at rest under a key derived from the station KEK (AES-GCM).

    Each sealed value names its KEK, so logins keep working during and after ``station keys
    rotate`` (which re-seals them all, see ``core.privacy.sealed``).
    """

    def __init__(self, secrets_dir: Path) -> None:
        self.ring = KeyRing(secrets_dir)

    def seal(self, staff_id: int, secret: str) -> str:
        return seal(TOTP_COLUMN, self.ring, _RowId(staff_id), secret.encode())

    def open(self, staff_id: int, sealed: str) -> str:
        return open_sealed(TOTP_COLUMN, self.ring, _RowId(staff_id), sealed).decode()


class StaffDirectory:
    """Create, change and authenticate staff accounts."""

    def __init__(self, secrets_dir: Path, clock: Callable[[], float], throttle: Throttle | None = None) -> None:
        self.totp = TotpSecrets(secrets_dir)
        self.clock = clock
        self.throttle = throttle or Throttle(clock)

    def add(self, username: str, password: str, roles: list[str], display_name: str = "",
            with_totp: bool = False) -> tuple[StaffUser, str | None]:
        """Create an account; returns it and, with TOTP, the provisioning URI to show once."""
        if not username or len(username) > 64 or not username.replace("-", "").replace("_", "").replace(".", "").isalnum():
            raise UserInputError("usernames are 1-64 letters, digits, '.', '-' or '_'")
        if StaffUser.select().where(StaffUser.username == username).exists():
            raise UserInputError(f"user {username!r} already exists")
        check_password_rules(password, username)
        _check_roles(roles)
        user = StaffUser.create(username=username, display_name=display_name, password_hash=HASHER.hash(password),
                                roles=",".join(roles), created_at=self.clock())
        uri = None
        if with_totp:
            secret = pyotp.random_base32()
            user.totp_secret = self.totp.seal(user.id, secret)
            user.save()
            uri = pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name="Citizen Station")
        return user, uri

    def get(self, username: str) -> StaffUser:
        user = StaffUser.get_or_none(StaffUser.username == username)
        if user is None:
            from core.errors import NotFoundError

            raise NotFoundError(f"no staff user {username!r}")
        return user

    def set_password(self, username: str, password: str, keep_session: str | None = None,
                     must_change: bool = False) -> StaffUser:
        """Change the password and end the account's sessions (all but ``keep_session``, a
        session id hash: the one that made the change). ``must_change``: a manager set it, so
        the member must choose a new one at the next login."""
        check_password_rules(password, username)
        user = self.get(username)
        user.password_hash = HASHER.hash(password)
        user.must_change_password = must_change
        user.save()
        end_sessions_of(f"s:{user.id}", keep=keep_session)
        return user

    def disable(self, username: str) -> StaffUser:
        user = self.get(username)
        user.active = False
        user.save()
        return user

    def enable(self, username: str) -> StaffUser:
        """Let a disabled account log in again."""
        user = self.get(username)
        user.active = True
        user.save()
        return user

    def remove(self, username: str) -> None:
        """Delete an account and every session it has (the audit log keeps its name)."""
        user = self.get(username)
        end_sessions_of(f"s:{user.id}")
        user.delete_instance()

    def reset_totp(self, username: str, enabled: bool = True) -> str | None:
        """Give the account a new TOTP secret (returns its provisioning URI) or, with
        ``enabled=False``, stop asking it for a code."""
        user = self.get(username)
        uri = None
        if enabled:
            secret = pyotp.random_base32()
            user.totp_secret = self.totp.seal(user.id, secret)
            uri = pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name="Citizen Station")
        else:
            user.totp_secret = ""
        user.save()
        return uri

    def authenticate(self, username: str, password: str, code: str, address: str) -> StaffUser:
        """The account, or :class:`LoginFailed` (same message whatever went wrong).

        The attempt is counted by the throttle before anything is checked, and a TOTP code is
        accepted once per account: its time step must be later than the last one used.
        """
        if not self.throttle.begin(username, address):
            wait = max(1.0, self.throttle.wait_seconds(username, address))
            exists = StaffUser.select().where(StaffUser.username == username).exists()
            failure = LoginFailed(f"Too many failed attempts. Please wait {int(wait) + 1} seconds and try again.",
                                  "throttled", exists)
            failure.wait_seconds = int(wait) + 1
            raise failure
        user = StaffUser.get_or_none(StaffUser.username == username)
        ok = self._password_ok(user, password)
        reason = "unknown_account" if user is None else "wrong_password"
        if ok and user.totp_secret:
            ok = self._use_totp_code(user, code)
            reason = "wrong_code"
        if ok and not user.active:
            ok, reason = False, "disabled"
        if not ok or user is None:
            raise LoginFailed("Wrong username, password or code.", reason, user is not None)
        self.throttle.succeeded(username, address)
        if HASHER.check_needs_rehash(user.password_hash):
            user.password_hash = HASHER.hash(password)
            user.save()
        return user

    def _use_totp_code(self, user: StaffUser, code: str) -> bool:
        """True when ``code`` is the code of the current, previous or next 30 s step (clock
        drift) and that step is later than the last one used; the step is then recorded with
        one conditional UPDATE, so a code works once even when sent twice at the same time."""
        totp = pyotp.TOTP(self.totp.open(user.id, user.totp_secret))
        now = int(self.clock())
        current = totp.timecode(datetime.fromtimestamp(now, UTC))
        matched = [step for step in (current - 1, current, current + 1)
                   if hmac.compare_digest(totp.generate_otp(step), code.strip())]
        if not matched:
            return False
        step = matched[-1]
        used = (StaffUser.update(totp_last_step=step)
                .where((StaffUser.id == user.id) & (StaffUser.totp_last_step < step)).execute())
        return used == 1

    @staticmethod
    def _password_ok(user: StaffUser | None, password: str) -> bool:
        try:
            return HASHER.verify(user.password_hash if user and user.password_hash else _dummy_hash(), password) and \
                user is not None and bool(user.password_hash)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
