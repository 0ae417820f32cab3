"""Keyed blind indexes: look a value up without storing it.

An encrypted column cannot be compared in SQL (its ciphertext is random). Where a value must
still be found — a prescription code (what this station already sold of it), a payment's
object (one object, at most one payment) — the row also stores

    blind_index(value, purpose) = hex(HMAC-SHA256(K_purpose, value))
    K_purpose = HMAC-SHA256(hmac.key, "citizen-station blind-index v1\\0" || purpose)

``hmac.key`` is the station secret already used for the keyed hashes of ID numbers
(``secrets/``, 0600); it is not rotated with the KEK, so indexes stay valid across a
``station keys rotate``. The purpose separates indexes: the same value gives unrelated
digests in two columns. Without the key a digest cannot be checked against guessed values
(short codes would fall to a plain hash in seconds).
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from flask import has_app_context

from core.privacy.keys import standalone_secrets_dir
from core.secrets import read_raw_key

INDEX_LENGTH = 64
_DOMAIN = b"citizen-station blind-index v1\x00"
_cache: dict[tuple[Path, str], bytes] = {}


def _secrets_dir() -> Path:
    if has_app_context():
        from core.station import current_station  # late: core.station imports the services

        return Path(current_station().config.secrets_dir)
    folder = standalone_secrets_dir()
    if folder is None:
        raise RuntimeError("a blind index needs the station's secrets: call it inside the app context")
    return folder


def blind_index(value: str, purpose: str) -> str:
    """The keyed digest (64 hex digits) that stands for ``value`` in the column named by ``purpose``."""
    if not isinstance(value, str) or not purpose:
        raise ValueError("blind_index takes a text value and a purpose")
    folder = _secrets_dir()
    key = _cache.get((folder, purpose))
    if key is None:
        key = hmac.new(read_raw_key(folder, "hmac.key"), _DOMAIN + purpose.encode("utf-8"), hashlib.sha256).digest()
        _cache[(folder, purpose)] = key
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def is_blind_index(value: object) -> bool:
    """True for a 64-hex-digit digest (as :func:`blind_index` makes)."""
    return (isinstance(value, str) and len(value) == INDEX_LENGTH
            and all(c in "0123456789abcdef" for c in value))
