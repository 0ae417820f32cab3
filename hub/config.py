"""The hub's configuration: environment variables only, the same in every hub process.

- ``HUB_DATABASE_URL`` — ``postgresql://user@host:port/db`` (required);
- ``HUB_SECRETS`` — folder holding ``witness.key`` (the witness's C2SP signer key),
  ``config.key`` (signs desired configuration), ``staff.key`` (seals staff TOTP secrets)
  and ``session.key``; every hub process behind one load balancer mounts the same folder;
- ``HUB_WITNESS_NAME`` — the witness key's name (default ``citizen-station-hub``);
- ``HUB_OFFLINE_MINUTES`` — a station silent this long is offline and alerted (default 10);
- ``HUB_DP_EPSILON_PER_MONTH`` — each ward's differential-privacy budget per month (1.0);
- ``HUB_PUBLIC_URL`` — the URL stations use (``https://hub.example.vn``); request
  signatures cover it, so it must be set when a proxy rewrites the host or scheme.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from core.audit.cosignature import WitnessKey
from core.audit.note import NoteSigner
from core.errors import UserInputError
from core.secrets import _write_new

DEFAULT_WITNESS_NAME = "citizen-station-hub"


@dataclass(frozen=True)
class HubConfig:
    """Everything a hub process needs to know."""

    database_url: str
    secrets_dir: Path
    witness_name: str = DEFAULT_WITNESS_NAME
    public_url: str | None = None
    offline_after: float = 600.0
    epsilon_per_month: float = 1.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> HubConfig:
        """Read the ``HUB_*`` variables."""
        env = os.environ if env is None else env
        url = env.get("HUB_DATABASE_URL", "")
        if not url:
            raise UserInputError("set HUB_DATABASE_URL to the hub's PostgreSQL database (postgresql://...)")
        minutes = env.get("HUB_OFFLINE_MINUTES", "10")
        if not minutes.isdigit() or not 1 <= int(minutes) <= 10080:
            raise UserInputError("HUB_OFFLINE_MINUTES must be a whole number of minutes from 1 to 10080")
        try:
            epsilon = float(env.get("HUB_DP_EPSILON_PER_MONTH", "1.0"))
        except ValueError:
            epsilon = -1.0
        if not 0 < epsilon <= 10:
            raise UserInputError("HUB_DP_EPSILON_PER_MONTH must be a number above 0 and at most 10")
        return cls(url, Path(env.get("HUB_SECRETS", "hub-secrets")),
                   env.get("HUB_WITNESS_NAME", DEFAULT_WITNESS_NAME), env.get("HUB_PUBLIC_URL") or None,
                   offline_after=int(minutes) * 60.0, epsilon_per_month=epsilon)


def ensure_hub_secrets(secrets_dir: Path) -> None:
    """Create the witness key and the session key when missing (never overwritten)."""
    secrets_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    _write_new(secrets_dir / "witness.key", Ed25519PrivateKey.generate().private_bytes_raw())
    _write_new(secrets_dir / "session.key", secrets.token_bytes(32))
    _write_new(secrets_dir / "config.key", Ed25519PrivateKey.generate().private_bytes_raw())
    _write_new(secrets_dir / "staff.key", secrets.token_bytes(32))


def load_staff_key(config: HubConfig) -> bytes:
    """The AES-256-GCM key that seals hub staff TOTP secrets at rest."""
    path = config.secrets_dir / "staff.key"
    if not path.exists():
        raise UserInputError(f"{path} is missing; run `station-hub init-db` once")
    return path.read_bytes()


def load_config_signer(config: HubConfig) -> NoteSigner:
    """The key that signs the desired configuration sent to stations (not the witness key:
    one key, one purpose)."""
    path = config.secrets_dir / "config.key"
    if not path.exists():
        raise UserInputError(f"{path} is missing; run `station-hub init-db` once")
    return NoteSigner(f"{config.witness_name}-config", Ed25519PrivateKey.from_private_bytes(path.read_bytes()))


def load_witness_key(config: HubConfig) -> WitnessKey:
    """The witness's signing key."""
    path = config.secrets_dir / "witness.key"
    if not path.exists():
        raise UserInputError(f"{path} is missing; run `station-hub init-db` once")
    return WitnessKey(config.witness_name, Ed25519PrivateKey.from_private_bytes(path.read_bytes()))


def load_session_key(config: HubConfig) -> bytes:
    """Flask's secret key, shared by every hub process."""
    path = config.secrets_dir / "session.key"
    if not path.exists():
        raise UserInputError(f"{path} is missing; run `station-hub init-db` once")
    return path.read_bytes()
