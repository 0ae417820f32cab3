"""Hub console accounts: argon2id passwords (the station's hasher and rules), roles, TOTP.

Roles, each including the one before: ``viewer`` sees the fleet, alerts and configuration;
``operator`` also acknowledges alerts; ``admin`` also changes desired configuration. TOTP
secrets are sealed at rest with AES-256-GCM under ``HUB_SECRETS/staff.key`` (associated data:
the account's name), and each code works once per account (the last step used is kept and
moved forward by one conditional UPDATE).
"""

from __future__ import annotations

import base64
import hmac
import os
from datetime import UTC, datetime

import pyotp
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from core.errors import NotFoundError, UserInputError
from core.identity.passwords import check_password_rules
from core.identity.staff import HASHER, _dummy_hash
from hub.db import HubStaff

ROLES = ("viewer", "operator", "admin")


def role_at_least(role: str, needed: str) -> bool:
    """Whether ``role`` includes ``needed`` (unknown roles include nothing)."""
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)


def _seal(key: bytes, username: str, secret: str) -> str:
    nonce = os.urandom(12)
    return base64.b64encode(nonce + AESGCM(key).encrypt(nonce, secret.encode(), f"hub_staff.totp.{username}".encode())).decode()


def _open(key: bytes, username: str, sealed: str) -> str:
    raw = base64.b64decode(sealed)
    return AESGCM(key).decrypt(raw[:12], raw[12:], f"hub_staff.totp.{username}".encode()).decode()


def _new_totp(key: bytes, username: str) -> tuple[str, str]:
    secret = pyotp.random_base32()
    uri = pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name="Citizen Station hub")
    return _seal(key, username, secret), uri


def add_staff(username: str, password: str, now: float, role: str = "admin", with_totp: bool = False,
              staff_key: bytes | None = None) -> str | None:
    """Create an account; returns the TOTP provisioning URI (to show once) when asked for TOTP."""
    if not username or len(username) > 64 or not username.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise UserInputError("usernames are 1-64 letters, digits, '.', '-' or '_'")
    if role not in ROLES:
        raise UserInputError(f"role must be one of {', '.join(ROLES)}")
    check_password_rules(password, username)
    if HubStaff.select().where(HubStaff.username == username).exists():
        raise UserInputError(f"user {username!r} already exists")
    sealed, uri = ("", None)
    if with_totp:
        if staff_key is None:
            raise UserInputError("TOTP needs the hub's staff key (HUB_SECRETS/staff.key)")
        sealed, uri = _new_totp(staff_key, username)
    HubStaff.create(username=username, password_hash=HASHER.hash(password), created_at=now, role=role,
                    totp_secret=sealed)
    return uri


def reset_totp(username: str, staff_key: bytes) -> str:
    """Give the account a new TOTP secret; returns its provisioning URI."""
    sealed, uri = _new_totp(staff_key, username)
    if not HubStaff.update(totp_secret=sealed, totp_last_step=0).where(HubStaff.username == username).execute():
        raise NotFoundError(f"no hub staff account {username!r}")
    return uri


def authenticate(username: str, password: str, code: str, staff_key: bytes | None, now: float) -> HubStaff | None:
    """The account when the password (and, for a TOTP account, an unused current code) is
    right; None otherwise, after the same argon2 work for unknown users."""
    user = HubStaff.get_or_none(HubStaff.username == username)
    try:
        HASHER.verify(user.password_hash if user else _dummy_hash(), password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if user is None or user.disabled:
        return None
    if user.totp_secret and (staff_key is None or not _use_code(user, code, staff_key, now)):
        return None
    return user


def _use_code(user: HubStaff, code: str, staff_key: bytes, now: float) -> bool:
    totp = pyotp.TOTP(_open(staff_key, user.username, user.totp_secret))
    current = totp.timecode(datetime.fromtimestamp(int(now), UTC))
    matched = [step for step in (current - 1, current, current + 1)
               if hmac.compare_digest(totp.generate_otp(step), (code or "").strip())]
    if not matched:
        return False
    return HubStaff.update(totp_last_step=matched[-1]).where(
        HubStaff.id == user.id, HubStaff.totp_last_step < matched[-1]).execute() == 1
