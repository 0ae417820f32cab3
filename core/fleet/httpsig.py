"""HTTP message signatures (RFC 9421) with Ed25519, and Content-Digest (RFC 9530).

The profile used between a station and its hub, fixed so that both sides build the same
signature base:

- covered components, in this order: ``"@method" "@target-uri" "content-digest"``;
- parameters: ``created`` (epoch seconds), ``keyid`` (the station id the hub assigned, or
  ``enrol`` during enrolment), ``alg="ed25519"``;
- one signature labelled ``sig1``; ``Content-Digest: sha-256=:<base64>:`` of the body
  (the empty body too, so a GET is covered the same way).

Pure code: values in, values out. The verifier does not look keys up; it takes a callable.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from core.errors import StationError

COMPONENTS = ("@method", "@target-uri", "content-digest")
LABEL = "sig1"
MAX_AGE_SECONDS = 300
MAX_FUTURE_SECONDS = 60

_INPUT = re.compile(r'^sig1=\(("@method" "@target-uri" "content-digest")\);created=(\d{1,12});'
                    r'keyid="([A-Za-z0-9._-]{1,64})";alg="ed25519"$')
_SIGNATURE = re.compile(r"^sig1=:([A-Za-z0-9+/=]{1,200}):$")
_DIGEST = re.compile(r"(?:^|,)\s*sha-256=:([A-Za-z0-9+/=]+):")


class SignatureError(StationError):
    """A request's signature is missing, malformed, stale, from an unknown key or wrong."""

    http_status = 401
    exit_code = 2


@dataclass(frozen=True)
class VerifiedRequest:
    """Who signed a request, and when."""

    keyid: str
    created: int


def content_digest(body: bytes) -> str:
    """The ``Content-Digest`` header value of ``body`` (RFC 9530, SHA-256)."""
    return "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode() + ":"


def signature_params(created: int, keyid: str) -> str:
    """The ``@signature-params`` value (also the Signature-Input member after ``sig1=``)."""
    covered = " ".join(f'"{name}"' for name in COMPONENTS)
    return f'({covered});created={created};keyid="{keyid}";alg="ed25519"'


def signature_base(method: str, target_uri: str, digest: str, params: str) -> bytes:
    """The RFC 9421 signature base for the fixed component list."""
    lines = [f'"@method": {method.upper()}', f'"@target-uri": {target_uri}',
             f'"content-digest": {digest}', f'"@signature-params": {params}']
    return "\n".join(lines).encode("utf-8")


def sign_request(method: str, target_uri: str, body: bytes, key: Ed25519PrivateKey, keyid: str,
                 created: int) -> dict[str, str]:
    """The headers that sign a request: Content-Digest, Signature-Input, Signature."""
    digest = content_digest(body)
    params = signature_params(created, keyid)
    signature = key.sign(signature_base(method, target_uri, digest, params))
    return {"Content-Digest": digest, "Signature-Input": f"{LABEL}={params}",
            "Signature": f"{LABEL}=:{base64.b64encode(signature).decode()}:"}


def verify_request(method: str, target_uri: str, headers: Mapping[str, str], body: bytes,
                   public_key_for: Callable[[str], bytes | None], now: float) -> VerifiedRequest:
    """Check a signed request; return its key id, or raise :class:`SignatureError`.

    ``public_key_for(keyid)`` returns the 32-byte Ed25519 key of an enrolled, unrevoked
    station, or ``None``. A signature older than five minutes (or from the future) is stale.
    """
    match = _INPUT.match(headers.get("Signature-Input", "") or "")
    if not match:
        raise SignatureError("the request is not signed (Signature-Input missing or not the hub profile)")
    created, keyid = int(match.group(2)), match.group(3)
    if created < now - MAX_AGE_SECONDS or created > now + MAX_FUTURE_SECONDS:
        raise SignatureError("the request signature is stale; check the station's clock")
    digest_header = headers.get("Content-Digest", "") or ""
    digest_match = _DIGEST.search(digest_header)
    if not digest_match or not _same_digest(digest_match.group(1), body):
        raise SignatureError("Content-Digest is missing or does not match the body")
    signature_match = _SIGNATURE.match(headers.get("Signature", "") or "")
    if not signature_match:
        raise SignatureError("the Signature header is missing or malformed")
    try:
        signature = base64.b64decode(signature_match.group(1), validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError("the Signature header is not base64") from None
    public_key = public_key_for(keyid)
    if public_key is None:
        raise SignatureError("the signing key is unknown or revoked")
    params = signature_params(created, keyid)
    base = signature_base(method, target_uri, digest_header, params)
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, base)
    except (InvalidSignature, ValueError):
        raise SignatureError("the request signature does not verify") from None
    return VerifiedRequest(keyid, created)


def _same_digest(encoded: str, body: bytes) -> bool:
    try:
        claimed = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return False
    return claimed == hashlib.sha256(body).digest()
