"""Ed25519 keys for TUF metadata (python-tuf / securesystemslib), as PEM files.

Used by the hub (root, targets, snapshot, timestamp keys) and by partners (their publisher
key). A private key file is written with mode 0600 and never overwritten.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from securesystemslib.signer import CryptoSigner, SSlibKey

from core.errors import UserInputError


def new_signer() -> CryptoSigner:
    """A fresh Ed25519 signer."""
    private = Ed25519PrivateKey.generate()
    return CryptoSigner(private, SSlibKey.from_crypto(private.public_key()))


def write_private_key(signer: CryptoSigner, path: Path) -> None:
    """Save ``signer``'s private key as PKCS#8 PEM (mode 0600); refuses to overwrite."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise UserInputError(f"{path} already exists; keys are never overwritten") from None
    with os.fdopen(fd, "wb") as out:
        out.write(signer.private_bytes)


def load_signer(path: Path) -> CryptoSigner:
    """The signer of the PEM private key at ``path`` (exit 2 naming the file when unusable)."""
    try:
        private = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    except FileNotFoundError:
        raise UserInputError(f"{path}: key file not found") from None
    except (ValueError, TypeError) as exc:
        raise UserInputError(f"{path}: not an unencrypted PEM private key ({exc})") from None
    if not isinstance(private, Ed25519PrivateKey):
        raise UserInputError(f"{path}: must be an Ed25519 key")
    return CryptoSigner(private, SSlibKey.from_crypto(private.public_key()))


def public_key_json(key: SSlibKey) -> str:
    """The TUF JSON form of a public key (what a partner hands to the hub operator)."""
    return json.dumps({"keyid": key.keyid, **key.to_dict()}, indent=2, sort_keys=True)


def parse_public_key(text: str) -> SSlibKey:
    """A public key from :func:`public_key_json`'s form; exit 2 when it is not one."""
    try:
        data: dict[str, Any] = json.loads(text)
        keyid = data.pop("keyid", None)
        key = SSlibKey.from_dict(keyid or "", data)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UserInputError(f"not a TUF public key (JSON with keytype, scheme, keyval): {exc}") from None
    if key.keytype != "ed25519":
        raise UserInputError("publisher keys must be ed25519")
    fresh = SSlibKey.from_dict("", key.to_dict())  # the keyid is computed, never taken on trust
    return SSlibKey(_keyid_of(fresh), fresh.keytype, fresh.scheme, fresh.keyval)


def _keyid_of(key: SSlibKey) -> str:
    import hashlib

    canonical = json.dumps(key.to_dict(), sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(canonical).hexdigest()
