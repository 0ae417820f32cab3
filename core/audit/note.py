"""C2SP signed notes (Ed25519) and tlog-checkpoint bodies.

Formats (https://c2sp.org/signed-note, https://c2sp.org/tlog-checkpoint), compatible with
Go's ``golang.org/x/mod/sumdb/note``:

- A signed note is the text (ending in ``\\n``), a blank line, then one or more lines
  ``— <key name> <base64(4-byte key id || signature)>\\n`` (em dash U+2014). It is UTF-8 with no
  control characters other than newline. The signature covers the text, final newline
  included.
- Key id = first 4 bytes (big-endian) of ``SHA-256(name || 0x0A || 0x01 || public key)``.
- Verifier key text: ``<name>+<8 hex digits of key id>+<base64(0x01 || public key)>``.
  Signer key text (secret): ``PRIVATE+KEY+<name>+<key id>+<base64(0x01 || seed)>``.
- A checkpoint body is three lines (origin, decimal tree size, base64 root hash), then
  optional non-empty extension lines, each ending in ``\\n``.

Pure code: text and bytes in, values out. Keys come in as values; where they live is the
caller's business.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from core.audit.merkle import HASH_SIZE, AuditError

SIGNATURE_DASH = "\u2014"  # em dash: every signature line starts with it and a space
SIGNATURE_PREFIX = SIGNATURE_DASH + " "
ALGORITHM_ED25519 = 0x01
ED25519_KEY_SIZE = 32
ED25519_SIGNATURE_SIZE = 64
MAX_SIGNATURES = 100
BAD_KEY_NAME = "key name must be non-empty, with no spaces, '+' or control characters"

_HEX8 = re.compile(r"[0-9a-fA-F]{8}")
_DECIMAL = re.compile(r"0|[1-9][0-9]*")


class NoteError(AuditError):
    """A signed note, checkpoint or key could not be used."""


class NoteFormatError(NoteError):
    """Text is not a well-formed note, checkpoint, verifier key or signer key."""

    http_status = 400
    exit_code = 2


class NoteVerificationError(NoteError):
    """A note is well formed but cannot be trusted."""


class InvalidSignatureError(NoteVerificationError):
    """A signature by a known key does not verify: the note was altered or forged."""


class UnverifiedNoteError(NoteVerificationError):
    """No signature on the note comes from a known key."""

    def __init__(self, message: str, note: SignedNote) -> None:
        super().__init__(message)
        self.note = note


# ------------------------------------------------------------------------------ keys


def is_valid_key_name(name: str) -> bool:
    """Key names are non-empty, with no spaces, no ``+`` and no control characters."""
    return bool(name) and not any(
        char.isspace() or char == "+" or ord(char) < 0x20 or 0xD800 <= ord(char) <= 0xDFFF
        for char in name
    )


def key_id(name: str, public_key: bytes) -> int:
    """Return the C2SP key id of an Ed25519 public key (32 raw bytes) under ``name``."""
    digest = hashlib.sha256(
        name.encode("utf-8") + b"\n" + bytes([ALGORITHM_ED25519]) + public_key
    ).digest()
    return int.from_bytes(digest[:4], "big")


@dataclass(frozen=True)
class VerifierKey:
    """A named Ed25519 public key that notes are checked against."""

    name: str
    key_id: int
    public_key: bytes

    @classmethod
    def from_public_key(cls, name: str, public_key: Ed25519PublicKey | bytes) -> VerifierKey:
        """Build the verifier key for ``public_key`` (an object or 32 raw bytes)."""
        if isinstance(public_key, Ed25519PublicKey):
            public_key = public_key.public_bytes_raw()
        if not is_valid_key_name(name):
            raise NoteFormatError(BAD_KEY_NAME)
        if len(public_key) != ED25519_KEY_SIZE:
            raise NoteFormatError(f"an Ed25519 public key is 32 bytes, got {len(public_key)}")
        return cls(name, key_id(name, public_key), bytes(public_key))

    def encode(self) -> str:
        """Return the verifier key text ``<name>+<key id hex>+<base64 key>``."""
        encoded_key = _b64encode(bytes([ALGORITHM_ED25519]) + self.public_key)
        return f"{self.name}+{self.key_id:08x}+{encoded_key}"

    def __str__(self) -> str:
        return self.encode()

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Return whether ``signature`` is this key's Ed25519 signature of ``message``."""
        if len(signature) != ED25519_SIGNATURE_SIZE:
            return False
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True


def parse_verifier_key(text: str) -> VerifierKey:
    """Parse ``<name>+<key id hex>+<base64(0x01 || public key)>`` and check its key id."""
    name, _, rest = text.partition("+")
    id_hex, _, key_b64 = rest.partition("+")
    if not is_valid_key_name(name) or not _HEX8.fullmatch(id_hex):
        raise NoteFormatError("verifier key must look like <name>+<8 hex digits>+<base64 key>")
    key = _b64decode(key_b64, "verifier key")
    if not key:
        raise NoteFormatError("verifier key has no key bytes")
    claimed_id = int(id_hex, 16)
    if claimed_id != _raw_key_id(name, key):
        raise NoteFormatError(f"verifier key {name}+{id_hex}: the key id does not match the key")
    if key[0] != ALGORITHM_ED25519:
        raise NoteFormatError(f"verifier key {name}+{id_hex}: unknown algorithm 0x{key[0]:02x}")
    if len(key) != 1 + ED25519_KEY_SIZE:
        raise NoteFormatError(f"verifier key {name}+{id_hex}: an Ed25519 key is 32 bytes")
    return VerifierKey(name, claimed_id, key[1:])


@dataclass(frozen=True)
class NoteSigner:
    """A named Ed25519 private key that signs notes. Its repr never shows the key."""

    name: str
    private_key: Ed25519PrivateKey = field(repr=False, compare=False)

    def __post_init__(self) -> None:
        if not is_valid_key_name(self.name):
            raise NoteFormatError(BAD_KEY_NAME)

    @classmethod
    def from_seed(cls, name: str, seed: bytes) -> NoteSigner:
        """Build a signer from a 32-byte Ed25519 seed (RFC 8032 private key)."""
        if len(seed) != ED25519_KEY_SIZE:
            raise NoteFormatError(f"an Ed25519 seed is 32 bytes, got {len(seed)}")
        return cls(name, Ed25519PrivateKey.from_private_bytes(seed))

    @property
    def verifier_key(self) -> VerifierKey:
        """The public half, to publish so that others can check this signer's notes."""
        return VerifierKey.from_public_key(self.name, self.private_key.public_key())

    @property
    def key_id(self) -> int:
        """The key id written into each signature."""
        return self.verifier_key.key_id

    def sign(self, message: bytes) -> bytes:
        """Return the 64-byte Ed25519 signature of ``message``."""
        return self.private_key.sign(message)

    def encode_secret(self) -> str:
        """Return the secret signer key text ``PRIVATE+KEY+<name>+<id>+<base64 seed>``.

        Compatible with Go's ``note.NewSigner``. Treat the result as the key itself.
        """
        seed = self.private_key.private_bytes_raw()
        encoded = _b64encode(bytes([ALGORITHM_ED25519]) + seed)
        return f"PRIVATE+KEY+{self.name}+{self.key_id:08x}+{encoded}"


def parse_signer_key(text: str) -> NoteSigner:
    """Parse a secret signer key ``PRIVATE+KEY+<name>+<id>+<base64(0x01 || seed)>``.

    Error messages never include the key material.
    """
    parts = text.split("+", 4)
    if len(parts) != 5 or parts[0] != "PRIVATE" or parts[1] != "KEY":
        raise NoteFormatError("signer key must look like PRIVATE+KEY+<name>+<id>+<base64 seed>")
    _, _, name, id_hex, seed_b64 = parts
    if not is_valid_key_name(name) or not _HEX8.fullmatch(id_hex):
        raise NoteFormatError("signer key must look like PRIVATE+KEY+<name>+<id>+<base64 seed>")
    try:
        seed = base64.b64decode(seed_b64, validate=True)
    except (binascii.Error, ValueError):
        raise NoteFormatError("signer key: the seed is not valid base64") from None
    if len(seed) != 1 + ED25519_KEY_SIZE or seed[0] != ALGORITHM_ED25519:
        raise NoteFormatError("signer key: expected 0x01 followed by a 32-byte Ed25519 seed")
    signer = NoteSigner.from_seed(name, seed[1:])
    if signer.key_id != int(id_hex, 16):
        raise NoteFormatError(f"signer key {name}+{id_hex}: the key id does not match the key")
    return signer


# ----------------------------------------------------------------------------- notes


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: key name, key id and the raw signature bytes."""

    name: str
    key_id: int
    signature: bytes

    def line(self) -> str:
        """Return the signature line, newline included."""
        payload = self.key_id.to_bytes(4, "big") + self.signature
        return f"{SIGNATURE_PREFIX}{self.name} {_b64encode(payload)}\n"


@dataclass(frozen=True)
class SignedNote:
    """A note's text and its signatures, as written (nothing verified yet)."""

    text: str
    signatures: tuple[NoteSignature, ...]

    def encode(self) -> str:
        """Return the note as text: body, blank line, signature lines."""
        return self.text + "\n" + "".join(signature.line() for signature in self.signatures)


@dataclass(frozen=True)
class VerifiedNote:
    """A note with at least one good signature from a known key."""

    text: str
    verified: tuple[NoteSignature, ...]
    unverified: tuple[NoteSignature, ...]


def sign_note(text: str, *signers: NoteSigner) -> str:
    """Sign ``text`` (which must end in a newline) with each signer; return the note."""
    if not signers:
        raise NoteError("sign_note needs at least one signer")
    message = _note_bytes(text)
    _require_no_controls(text, "note text")
    if not text.endswith("\n"):
        raise NoteFormatError("note text must end with a newline")
    signatures = tuple(NoteSignature(s.name, s.key_id, s.sign(message)) for s in signers)
    return SignedNote(text, signatures).encode()


def parse_note(data: bytes | str) -> SignedNote:
    """Split a signed note into text and signatures, checking its syntax only."""
    if isinstance(data, bytes | bytearray):
        raw = bytes(data)
    elif isinstance(data, str):
        raw = _note_bytes(data)
    else:
        raise NoteFormatError(f"a note is bytes or str, got {type(data).__name__}")
    try:
        message = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise NoteFormatError(f"note is not valid UTF-8 (byte {error.start})") from None
    _require_no_controls(message, "note")
    split = message.rfind("\n\n")
    if split < 0:
        raise NoteFormatError("note has no blank line before its signatures")
    text, block = message[: split + 1], message[split + 2 :]
    if not block or not block.endswith("\n"):
        raise NoteFormatError("note must end with signature lines, each ending in a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteFormatError(f"note has more than {MAX_SIGNATURES} signatures")
    return SignedNote(text, tuple(_parse_signature_line(line) for line in lines))


def verify_note(data: bytes | str, known_keys: Iterable[VerifierKey]) -> VerifiedNote:
    """Parse a note and check its signatures against ``known_keys``.

    Signatures from unknown keys are kept aside, unchecked. Every signature from a known key
    must verify (else :class:`InvalidSignatureError`), and at least one must be present
    (else :class:`UnverifiedNoteError`). Repeats of the same signature are dropped.
    """
    note = parse_note(data)
    message = note.text.encode("utf-8")
    keys: dict[tuple[str, int], set[VerifierKey]] = {}
    for key in known_keys:
        keys.setdefault((key.name, key.key_id), set()).add(key)

    verified: list[NoteSignature] = []
    unverified: list[NoteSignature] = []
    seen: set[tuple[str, int]] = set()
    for signature in note.signatures:
        identity = (signature.name, signature.key_id)
        candidates = keys.get(identity)
        if not candidates:
            if signature not in unverified:
                unverified.append(signature)
            continue
        label = f"{signature.name}+{signature.key_id:08x}"
        if len(candidates) > 1:
            raise NoteVerificationError(f"two known keys share the name and id {label}")
        if identity in seen:
            continue
        seen.add(identity)
        (key,) = candidates
        if not key.verify(message, signature.signature):
            raise InvalidSignatureError(f"invalid signature for key {label}")
        verified.append(signature)
    if not verified:
        signed_by = ", ".join(f"{s.name}+{s.key_id:08x}" for s in unverified)
        raise UnverifiedNoteError(
            f"note has no signature from a known key (signed by: {signed_by})", note
        )
    return VerifiedNote(note.text, tuple(verified), tuple(unverified))


def _parse_signature_line(line: str) -> NoteSignature:
    if not line.startswith(SIGNATURE_PREFIX):
        raise NoteFormatError(f"signature line must start with {SIGNATURE_PREFIX!r}")
    name, _, encoded = line[len(SIGNATURE_PREFIX) :].partition(" ")
    if not is_valid_key_name(name):
        raise NoteFormatError(BAD_KEY_NAME)
    payload = _b64decode(encoded, f"signature by {name}")
    if len(payload) < 5:
        raise NoteFormatError(f"signature by {name} is too short to hold a key id and signature")
    return NoteSignature(name, int.from_bytes(payload[:4], "big"), payload[4:])


# ------------------------------------------------------------------------ checkpoints


@dataclass(frozen=True)
class Checkpoint:
    """A transparency log's tree head: who (origin), how many leaves, which root."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "extensions", tuple(self.extensions))

    def body(self) -> str:
        """Return the checkpoint note text (what gets signed)."""
        return format_checkpoint(self)


def format_checkpoint(checkpoint: Checkpoint) -> str:
    """Return the C2SP tlog-checkpoint note text for ``checkpoint``."""
    lines = [checkpoint.origin, str(checkpoint.size), _b64encode(checkpoint.root_hash)]
    lines += checkpoint.extensions
    text = "".join(line + "\n" for line in lines)
    if parse_checkpoint(text) != checkpoint:
        raise NoteFormatError("checkpoint fields do not survive formatting; check each line")
    return text


def parse_checkpoint(text: str) -> Checkpoint:
    """Parse and validate a C2SP tlog-checkpoint note text."""
    if not isinstance(text, str):
        raise NoteFormatError(f"checkpoint text must be str, got {type(text).__name__}")
    _require_no_controls(text, "checkpoint")
    if not text.endswith("\n"):
        raise NoteFormatError("checkpoint text must end with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise NoteFormatError("checkpoint needs an origin, a tree size and a root hash line")
    origin, size_text, root_text, *extensions = lines
    if not origin:
        raise NoteFormatError("checkpoint origin line is empty")
    if not _DECIMAL.fullmatch(size_text):
        raise NoteFormatError("checkpoint tree size must be decimal digits with no leading zero")
    root_hash = _b64decode(root_text, "checkpoint root hash")
    if len(root_hash) != HASH_SIZE or _b64encode(root_hash) != root_text:
        raise NoteFormatError("checkpoint root hash must be the base64 of 32 bytes")
    if any(not line for line in extensions):
        raise NoteFormatError("checkpoint extension lines must not be empty")
    return Checkpoint(origin, int(size_text), root_hash, tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, *signers: NoteSigner) -> str:
    """Return ``checkpoint`` as a signed note."""
    return sign_note(format_checkpoint(checkpoint), *signers)


def open_checkpoint(
    data: bytes | str, known_keys: Iterable[VerifierKey], origin: str | None = None
) -> Checkpoint:
    """Verify a signed checkpoint and return it; optionally require its ``origin``."""
    checkpoint = parse_checkpoint(verify_note(data, known_keys).text)
    if origin is not None and checkpoint.origin != origin:
        raise NoteVerificationError(
            f"checkpoint is for log {checkpoint.origin!r}, expected {origin!r}"
        )
    return checkpoint


# --------------------------------------------------------------------------- helpers


def _note_bytes(text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise NoteFormatError("note text is not valid Unicode (lone surrogate)") from None


def _require_no_controls(text: str, what: str) -> None:
    for position, char in enumerate(text):
        if ord(char) < 0x20 and char != "\n":
            raise NoteFormatError(
                f"{what} contains control character 0x{ord(char):02x} at character {position}"
            )


def _raw_key_id(name: str, key: bytes) -> int:
    digest = hashlib.sha256(name.encode("utf-8") + b"\n" + key).digest()
    return int.from_bytes(digest[:4], "big")


def _b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _b64decode(text: str, what: str) -> bytes:
    if not text:
        raise NoteFormatError(f"{what} is empty")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise NoteFormatError(f"{what} is not valid standard base64") from None
