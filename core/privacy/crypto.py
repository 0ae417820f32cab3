"""Envelope encryption primitives: pure functions, bytes in and bytes out, no I/O.

Key hierarchy: the station's key-encryption key (KEK, 32 bytes, ``secrets/data.kek``) wraps
one random 32-byte data key per citizen (and key version); a data key encrypts that
citizen's sensitive fields. Every layer is AES-256-GCM (``cryptography``'s ``AESGCM``).

Field ciphertext, format ``v1`` (documented in ``docs/privacy.md``)::

    b"v1" || key_version (uint32, big-endian) || nonce (12 bytes) || ciphertext || tag (16 bytes)
    associated data = the 18-byte header || field_binding(table, column, row id, citizen id)

Wrapped data key, format ``w1`` (AES-GCM key wrapping, chosen over RFC 3394 key wrap so the
wrapped key is bound to its citizen and version — a wrapped key copied to another citizen's
row does not unwrap)::

    b"w1" || nonce (12 bytes) || AES-GCM(KEK, data key) (32 + 16 bytes)
    associated data = b"w1" || key_binding(citizen id, key version)

Nonces are random (96 bits); each data key encrypts only one citizen's fields, far below the
2^32 messages per key where random GCM nonces start to matter.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from collections.abc import Callable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from core.errors import StationError

FIELD_VERSION = b"v1"
WRAP_VERSION = b"w1"
KEY_SIZE = 32
NONCE_SIZE = 12
TAG_SIZE = 16
FIELD_HEADER_SIZE = len(FIELD_VERSION) + 4 + NONCE_SIZE
WRAPPED_SIZE = len(WRAP_VERSION) + NONCE_SIZE + KEY_SIZE + TAG_SIZE
KEK_ID_LENGTH = 16

Random = Callable[[int], bytes]


class PrivacyError(StationError):
    """Base of the personal-data protection errors."""


class DecryptionError(PrivacyError):
    """A ciphertext is damaged, in an unknown format, or was moved to another row or column."""


def kek_id(kek: bytes) -> str:
    """A short public id of a key-encryption key: 16 hex digits of a domain-separated SHA-256.

    Lets a rotation tell which KEK wraps which data key without storing key material.
    """
    _check_key(kek, "key-encryption key")
    return hashlib.sha256(b"citizen-station kek-id v1\x00" + kek).hexdigest()[:KEK_ID_LENGTH]


def field_binding(table: str, column: str, row_id: object, citizen_id: object) -> bytes:
    """The associated data that ties a field ciphertext to one table, column, row and citizen."""
    return json.dumps(["field", table, column, str(row_id), str(citizen_id)],
                      ensure_ascii=True, separators=(",", ":")).encode("ascii")


def key_binding(citizen_id: object, key_version: int) -> bytes:
    """The associated data that ties a wrapped data key to its citizen and version."""
    return json.dumps(["data-key", str(citizen_id), int(key_version)], separators=(",", ":")).encode("ascii")


def new_key(rng: Random = os.urandom) -> bytes:
    """A fresh random 256-bit key."""
    key = rng(KEY_SIZE)
    _check_key(key, "new key")
    return key


def seal_field(data_key: bytes, key_version: int, plaintext: bytes, binding: bytes,
               rng: Random = os.urandom) -> bytes:
    """Encrypt one field value (format v1)."""
    _check_key(data_key, "data key")
    if not 0 <= key_version < 2**32:
        raise ValueError("key_version must fit in 32 bits")
    header = FIELD_VERSION + struct.pack(">I", key_version) + rng(NONCE_SIZE)
    nonce = header[-NONCE_SIZE:]
    return header + AESGCM(data_key).encrypt(nonce, plaintext, header + binding)


def field_key_version(ciphertext: bytes) -> int:
    """The data key version a v1 field ciphertext was made with (header only, not authenticated yet)."""
    if len(ciphertext) < FIELD_HEADER_SIZE + TAG_SIZE or not ciphertext.startswith(FIELD_VERSION):
        raise DecryptionError("the stored value is not a v1 encrypted field (damaged or written outside the sdk)")
    return struct.unpack(">I", ciphertext[2:6])[0]


def open_field(data_key: bytes, ciphertext: bytes, binding: bytes) -> bytes:
    """Decrypt one field value; :class:`DecryptionError` if it is damaged or was moved."""
    field_key_version(ciphertext)
    header, body = ciphertext[:FIELD_HEADER_SIZE], ciphertext[FIELD_HEADER_SIZE:]
    try:
        return AESGCM(data_key).decrypt(header[-NONCE_SIZE:], body, header + binding)
    except InvalidTag:
        raise DecryptionError("an encrypted field failed its integrity check: it was changed, or copied "
                              "from another row, column or citizen") from None


def wrap_data_key(kek: bytes, data_key: bytes, citizen_id: object, key_version: int,
                  rng: Random = os.urandom) -> bytes:
    """Wrap a citizen's data key under the KEK (format w1)."""
    _check_key(kek, "key-encryption key")
    _check_key(data_key, "data key")
    nonce = rng(NONCE_SIZE)
    ad = WRAP_VERSION + key_binding(citizen_id, key_version)
    return WRAP_VERSION + nonce + AESGCM(kek).encrypt(nonce, data_key, ad)


def unwrap_data_key(kek: bytes, wrapped: bytes, citizen_id: object, key_version: int) -> bytes:
    """Unwrap a data key; :class:`DecryptionError` if the KEK is wrong or the blob was moved."""
    if len(wrapped) != WRAPPED_SIZE or not wrapped.startswith(WRAP_VERSION):
        raise DecryptionError("a wrapped data key is not in format w1 (damaged)")
    nonce, body = wrapped[2:2 + NONCE_SIZE], wrapped[2 + NONCE_SIZE:]
    try:
        return AESGCM(kek).decrypt(nonce, body, WRAP_VERSION + key_binding(citizen_id, key_version))
    except InvalidTag:
        raise DecryptionError("a data key does not unwrap with its key-encryption key: wrong KEK, or the "
                              "wrapped key was copied from another citizen") from None


def _check_key(key: bytes, what: str) -> None:
    if not isinstance(key, bytes | bytearray) or len(key) != KEY_SIZE:
        raise ValueError(f"a {what} must be {KEY_SIZE} bytes")
