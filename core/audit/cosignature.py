"""C2SP tlog-cosignature/v1 (Ed25519): a witness's timestamped signature of a checkpoint.

https://c2sp.org/tlog-cosignature: the witness signs ``cosignature/v1\\ntime <T>\\n`` followed
by the checkpoint body; the note signature line carries ``key id (4) || T (8, big-endian)
|| Ed25519 signature (64)``. The key id is ``SHA-256(name || 0x0A || 0x04 || public key)``'s
first 4 bytes and the verifier key text is ``<name>+<id hex>+<base64(0x04 || key)>``, as in
Go's ``golang.org/x/mod/sumdb/note`` and ``filippo.io/torchwood``.

Pure code: keys and text in, lines and values out.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from core.audit.note import (
    SIGNATURE_PREFIX,
    NoteFormatError,
    NoteVerificationError,
    is_valid_key_name,
    parse_checkpoint,
)

ALGORITHM_COSIGNATURE_V1 = 0x04


def cosignature_key_id(name: str, public_key: bytes) -> int:
    """The key id of a cosignature/v1 key."""
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([ALGORITHM_COSIGNATURE_V1]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def cosigned_message(checkpoint_body: str, timestamp: int) -> bytes:
    """The bytes a witness signs for ``checkpoint_body`` at ``timestamp``."""
    return f"cosignature/v1\ntime {timestamp}\n{checkpoint_body}".encode()


@dataclass(frozen=True)
class WitnessKey:
    """A witness's named Ed25519 key (private)."""

    name: str
    private_key: Ed25519PrivateKey

    def __post_init__(self) -> None:
        if not is_valid_key_name(self.name):
            raise NoteFormatError("witness key name must be non-empty, without spaces or '+'")

    @property
    def public_key(self) -> bytes:
        """The 32 raw bytes of the public key."""
        return self.private_key.public_key().public_bytes_raw()

    @property
    def key_id(self) -> int:
        """The cosignature/v1 key id."""
        return cosignature_key_id(self.name, self.public_key)

    def verifier_key(self) -> str:
        """The verifier key text ``<name>+<id>+<base64(0x04 || key)>`` to publish."""
        encoded = base64.b64encode(bytes([ALGORITHM_COSIGNATURE_V1]) + self.public_key).decode()
        return f"{self.name}+{self.key_id:08x}+{encoded}"

    def cosign(self, checkpoint_body: str, timestamp: int) -> str:
        """The cosignature line (newline included) for ``checkpoint_body``."""
        parse_checkpoint(checkpoint_body)
        signature = self.private_key.sign(cosigned_message(checkpoint_body, timestamp))
        payload = self.key_id.to_bytes(4, "big") + timestamp.to_bytes(8, "big") + signature
        return f"{SIGNATURE_PREFIX}{self.name} {base64.b64encode(payload).decode()}\n"


@dataclass(frozen=True)
class CosignatureLine:
    """A cosignature line's fields: key name, key id, timestamp, Ed25519 signature."""

    name: str
    key_id: int
    timestamp: int
    signature: bytes


def parse_cosignature_line(line: str) -> CosignatureLine:
    """Split ``— <name> base64(key id || u64 timestamp || signature)`` (nothing verified)."""
    if not line.startswith(SIGNATURE_PREFIX):
        raise NoteFormatError("a cosignature line starts with an em dash and a space")
    name, _, encoded = line.rstrip("\n")[len(SIGNATURE_PREFIX):].partition(" ")
    try:
        payload = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise NoteFormatError("the cosignature is not valid base64") from None
    if len(payload) != 4 + 8 + 64:
        raise NoteFormatError("a cosignature/v1 Ed25519 signature is 76 bytes")
    return CosignatureLine(name, int.from_bytes(payload[:4], "big"), int.from_bytes(payload[4:12], "big"),
                           payload[12:])


def verify_cosignature(line: str, checkpoint_body: str, verifier_key: str) -> int:
    """Check one cosignature line against a witness verifier key; return its timestamp."""
    name, _, rest = verifier_key.partition("+")
    id_hex, _, key_b64 = rest.partition("+")
    try:
        raw_key = base64.b64decode(key_b64, validate=True)
        payload = base64.b64decode(line.rstrip("\n").removeprefix(SIGNATURE_PREFIX).partition(" ")[2],
                                   validate=True)
    except (binascii.Error, ValueError):
        raise NoteFormatError("cosignature or witness key is not valid base64") from None
    if len(raw_key) != 33 or raw_key[0] != ALGORITHM_COSIGNATURE_V1 or len(payload) != 4 + 8 + 64:
        raise NoteFormatError("not a cosignature/v1 key or cosignature")
    if not line.startswith(f"{SIGNATURE_PREFIX}{name} ") or int(id_hex, 16) != int.from_bytes(payload[:4], "big"):
        raise NoteVerificationError("the cosignature is not by this witness key")
    timestamp = int.from_bytes(payload[4:12], "big")
    try:
        Ed25519PublicKey.from_public_bytes(raw_key[1:]).verify(payload[12:], cosigned_message(checkpoint_body, timestamp))
    except InvalidSignature:
        raise NoteVerificationError("the cosignature does not verify") from None
    return timestamp
