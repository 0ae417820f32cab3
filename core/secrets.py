"""Station secrets kept in ``STATION_HOME/secrets`` (mode 0700, files 0600), never in the repo.

* ``station_ed25519.pem`` — the station's signing key (audit checkpoints, receipts);
* ``data.kek`` — the key-encryption key that wraps per-citizen data keys;
* ``hmac.key`` — the key of the keyed hashes that stand in for ID numbers;
* ``session.key`` — Flask's secret key.

They are created on first use, with ``O_EXCL`` so two processes never write different keys.
"""

from __future__ import annotations

import os
import secrets as random_source
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

RAW_KEYS = {"data.kek": 32, "hmac.key": 32, "session.key": 32}
SIGNING_KEY = "station_ed25519.pem"


def _write_new(path: Path, content: bytes) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())


def ensure_secrets(secrets_dir: Path) -> list[str]:
    """Create whichever secrets are missing; returns the names created."""
    secrets_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(secrets_dir, 0o700)
    created = []
    for name, size in RAW_KEYS.items():
        path = secrets_dir / name
        if not path.exists():
            _write_new(path, random_source.token_bytes(size))
            created.append(name)
    path = secrets_dir / SIGNING_KEY
    if not path.exists():
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        _write_new(path, pem)
        created.append(SIGNING_KEY)
    return created


def read_raw_key(secrets_dir: Path, name: str) -> bytes:
    """The bytes of one raw key (created if missing)."""
    path = secrets_dir / name
    if not path.exists():
        ensure_secrets(secrets_dir)
    return path.read_bytes()


def signing_key(secrets_dir: Path) -> Ed25519PrivateKey:
    """The station's Ed25519 signing key (created if missing)."""
    path = secrets_dir / SIGNING_KEY
    if not path.exists():
        ensure_secrets(secrets_dir)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return key
