"""The VNeID-app login protocol with the embedded SIMULATED VNeID service — pure, no I/O.

1. The kiosk makes a one-time :class:`LoginRequest` (request id, station id, nonce, expiry
   ~120 s) and shows :func:`encode_login_request` as a QR code.
2. The (simulated) VNeID app reads it, the citizen approves, and the VNeID service issues a
   signed assertion (:func:`issue_assertion`): id number, full name, date of birth, account
   level 1 or 2, bound to the station (``aud``), the request (``req``) and its ``nonce``.
3. The station checks it with :func:`verify_assertion` (signature, issuer, audience, nonce,
   expiry with a small clock skew) and gets the claims. Single use is the caller's job: it
   records :attr:`AssertionClaims.assertion_id` (and the request id) in a table and refuses
   a second use.

The assertion is a JWS compact serialisation (RFC 7515) of a JWT claims set (RFC 7519)
signed with Ed25519, ``"alg": "EdDSA"`` (RFC 8037), ``kid`` = the RFC 7638 thumbprint of
the signing key. Written with ``cryptography`` directly (about fifty lines): one fixed
algorithm means no algorithm negotiation to get wrong, and no JWT library is added.

Times are Unix seconds passed in by the caller; randomness comes from an injectable ``rng``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from core.errors import StationError, UserInputError
from core.identity.id_number import IdNumberError, check_consistent, parse_id_number

Rng = Callable[[int], bytes]

#: ``iss`` of the embedded simulator — never a real VNeID issuer.
VNEID_SIM_ISSUER = "vneid-simulator.citizen-station.invalid"
LOGIN_REQUEST_SCHEME = "vneid-sim"
LOGIN_REQUEST_LIFETIME = 120
ASSERTION_LIFETIME = 60
#: Assertions claiming a longer life than this are refused outright.
MAX_ASSERTION_LIFETIME = 300
#: Allowed difference between the VNeID service's clock and the station's.
CLOCK_SKEW = 30
MAX_ASSERTION_LENGTH = 4096
#: VNeID account level → station assurance level (ARCHITECTURE §3).
ASSURANCE_BY_LEVEL = {2: "high", 1: "basic"}

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,128}$")
_STATION_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


# --------------------------------------------------------------------------- errors


class VneidError(StationError):
    """A VNeID login step was refused. ``code`` is stable; ``vi`` is the Vietnamese text."""

    http_status = 403
    exit_code = 2
    code = "vneid_refused"
    default_message = "the VNeID approval was refused"
    default_vi = "Xác nhận VNeID bị từ chối"

    def __init__(self, message: str | None = None, vi: str | None = None) -> None:
        super().__init__(message or self.default_message)
        self.vi = vi or self.default_vi


class AssertionMalformed(VneidError):
    code = "vneid_malformed"
    default_message = "the VNeID approval could not be read; scan the QR code and approve again"
    default_vi = "Không đọc được xác nhận VNeID; hãy quét lại mã QR và xác nhận lại"


class AssertionSignatureInvalid(VneidError):
    code = "vneid_signature_invalid"
    default_message = (
        "the VNeID approval is not signed by the VNeID service this station trusts; "
        "log in again, or ask staff to check the station's VNeID key"
    )
    default_vi = (
        "Xác nhận VNeID không có chữ ký của dịch vụ VNeID mà trạm tin cậy; hãy đăng nhập lại "
        "hoặc nhờ nhân viên kiểm tra khóa VNeID của trạm"
    )


class AssertionWrongIssuer(VneidError):
    code = "vneid_wrong_issuer"
    default_message = "the VNeID approval comes from a service this station is not set up to use"
    default_vi = "Xác nhận VNeID đến từ dịch vụ mà trạm không được cấu hình để dùng"


class AssertionWrongAudience(VneidError):
    code = "vneid_wrong_audience"
    default_message = (
        "the VNeID approval was made for another station; scan the QR code shown on this screen"
    )
    default_vi = "Xác nhận VNeID dành cho trạm khác; hãy quét mã QR đang hiện trên màn hình này"


class AssertionNonceMismatch(VneidError):
    code = "vneid_nonce_mismatch"
    default_message = (
        "the VNeID approval answers an older or different login request; "
        "scan the QR code shown now and approve again"
    )
    default_vi = (
        "Xác nhận VNeID thuộc về một yêu cầu đăng nhập khác hoặc cũ; hãy quét mã QR đang "
        "hiện và xác nhận lại"
    )


class AssertionExpired(VneidError):
    code = "vneid_expired"
    default_message = "the VNeID approval has expired; scan the new QR code and approve again"
    default_vi = "Xác nhận VNeID đã hết hạn; hãy quét mã QR mới và xác nhận lại"


class AssertionNotYetValid(VneidError):
    code = "vneid_not_yet_valid"
    default_message = (
        "the VNeID approval is dated in the future; the station clock may be wrong — ask staff"
    )
    default_vi = "Xác nhận VNeID có thời điểm trong tương lai; đồng hồ của trạm có thể sai"


class LoginRequestMalformed(UserInputError):
    """A scanned QR code is not a VNeID login request (raised on the simulated phone)."""

    code = "vneid_request_malformed"

    def __init__(self) -> None:
        super().__init__("this QR code is not a VNeID login request of a citizen station")
        self.vi = "Mã QR này không phải yêu cầu đăng nhập VNeID của trạm công dân"


class LoginRequestExpired(VneidError):
    code = "vneid_request_expired"
    default_message = "this login request has expired; ask the kiosk for a new QR code"
    default_vi = "Yêu cầu đăng nhập đã hết hạn; hãy lấy mã QR mới trên máy"


# --------------------------------------------------------------------------- login request


@dataclass(frozen=True)
class LoginRequest:
    """One-time login request shown as a QR code on the kiosk."""

    request_id: str
    station_id: str
    nonce: str
    expires_at: int  # Unix seconds

    def is_expired(self, now: float) -> bool:
        return now > self.expires_at


def new_login_request(
    station_id: str,
    now: float,
    rng: Rng = secrets.token_bytes,
    lifetime: int = LOGIN_REQUEST_LIFETIME,
) -> LoginRequest:
    """A fresh request: 128-bit random request id and nonce, expiring ``lifetime`` s from now."""
    if not _STATION_ID.match(station_id):
        raise ValueError("station id must be 1–64 characters of A–Z a–z 0–9 . _ : -")
    return LoginRequest(
        request_id=_b64url(rng(16)),
        station_id=station_id,
        nonce=_b64url(rng(16)),
        expires_at=int(now) + lifetime,
    )


def encode_login_request(request: LoginRequest) -> str:
    """The QR code text: ``vneid-sim://login?r=<request id>&s=<station>&n=<nonce>&e=<expiry>``.

    83 characters plus the station id (97 for ``station-hn-001``): a version 6 QR code at
    error correction level M; at most 147 characters (version 8) for a 64-character id.
    """
    query = urlencode({"r": request.request_id, "s": request.station_id,
                       "n": request.nonce, "e": str(request.expires_at)})
    return f"{LOGIN_REQUEST_SCHEME}://login?{query}"


def decode_login_request(text: str) -> LoginRequest:
    """Parse QR code text made by :func:`encode_login_request`; :class:`LoginRequestMalformed`
    otherwise. Expiry is not checked here (see :meth:`LoginRequest.is_expired`)."""
    try:
        parts = urlsplit(text.strip())
        fields = dict(parse_qsl(parts.query, strict_parsing=True))
    except (ValueError, AttributeError):
        raise LoginRequestMalformed() from None
    if (parts.scheme, parts.netloc, parts.path) != (LOGIN_REQUEST_SCHEME, "login", ""):
        raise LoginRequestMalformed()
    if set(fields) != {"r", "s", "n", "e"}:
        raise LoginRequestMalformed()
    if not (_TOKEN.match(fields["r"]) and _TOKEN.match(fields["n"])
            and _STATION_ID.match(fields["s"]) and fields["e"].isascii() and fields["e"].isdigit()):
        raise LoginRequestMalformed()
    return LoginRequest(fields["r"], fields["s"], fields["n"], int(fields["e"]))


# --------------------------------------------------------------------------- assertion


@dataclass(frozen=True, repr=False)
class AssertionClaims:
    """What a verified VNeID assertion says. ``repr`` hides the personal fields."""

    assertion_id: str  # jti — record it to enforce single use
    request_id: str  # req — the login request this answers
    issuer: str  # iss
    audience: str  # aud — the station id
    nonce: str
    issued_at: int  # iat, Unix seconds
    expires_at: int  # exp, Unix seconds
    id_number: str
    full_name: str
    date_of_birth: date
    account_level: int  # 1 or 2

    @property
    def assurance(self) -> str:
        """``"high"`` for a level-2 VNeID account, ``"basic"`` for level 1."""
        return ASSURANCE_BY_LEVEL[self.account_level]

    def __repr__(self) -> str:
        return (f"AssertionClaims(assertion_id={self.assertion_id!r}, "
                f"audience={self.audience!r}, level={self.account_level})")

    def to_jwt_claims(self) -> dict[str, Any]:
        """The JWT claims set (RFC 7519 names where one exists)."""
        return {
            "iss": self.issuer, "aud": self.audience, "jti": self.assertion_id,
            "iat": self.issued_at, "exp": self.expires_at, "nonce": self.nonce,
            "req": self.request_id, "id_number": self.id_number, "name": self.full_name,
            "birthdate": self.date_of_birth.isoformat(), "level": self.account_level,
        }


def issue_assertion(
    request: LoginRequest,
    *,
    id_number: str,
    full_name: str,
    date_of_birth: date,
    account_level: int,
    private_key: Ed25519PrivateKey,
    now: float,
    rng: Rng = secrets.token_bytes,
    lifetime: int = ASSERTION_LIFETIME,
    issuer: str = VNEID_SIM_ISSUER,
) -> str:
    """The VNeID (simulator) side: a signed assertion answering ``request``.

    Refuses (:class:`LoginRequestExpired`) a request that has already expired.
    """
    if request.is_expired(now):
        raise LoginRequestExpired()
    if account_level not in ASSURANCE_BY_LEVEL:
        raise ValueError("account level must be 1 or 2")
    claims = AssertionClaims(
        assertion_id=_b64url(rng(16)),
        request_id=request.request_id,
        issuer=issuer,
        audience=request.station_id,
        nonce=request.nonce,
        issued_at=int(now),
        expires_at=int(now) + lifetime,
        id_number=id_number,
        full_name=full_name,
        date_of_birth=date_of_birth,
        account_level=account_level,
    )
    return sign_assertion(claims, private_key)


def sign_assertion(claims: AssertionClaims, private_key: Ed25519PrivateKey) -> str:
    """JWS compact serialisation of ``claims``, signed with EdDSA (Ed25519)."""
    header = {"alg": "EdDSA", "typ": "JWT", "kid": key_id(private_key.public_key())}
    return encode_jws(header, _json_bytes(claims.to_jwt_claims()), private_key)


def verify_assertion(
    assertion: str,
    vneid_public_key: Ed25519PublicKey,
    expected_audience: str,
    expected_nonce: str,
    now: float,
    *,
    clock_skew: int = CLOCK_SKEW,
    expected_issuer: str = VNEID_SIM_ISSUER,
) -> AssertionClaims:
    """Check an assertion and return its claims.

    In order: well-formed JWS with ``alg`` EdDSA (:class:`AssertionMalformed`); signature by
    ``vneid_public_key`` (:class:`AssertionSignatureInvalid`); well-formed claims; issuer
    (:class:`AssertionWrongIssuer`); audience = this station (:class:`AssertionWrongAudience`);
    nonce = the pending request's (:class:`AssertionNonceMismatch`); not issued in the
    future and not expired, each within ``clock_skew`` seconds (:class:`AssertionNotYetValid`,
    :class:`AssertionExpired`). Single use is NOT checked here: record ``assertion_id``.
    """
    _, payload = decode_jws(assertion, vneid_public_key)
    claims = _claims_from(payload)
    if not hmac.compare_digest(claims.issuer.encode(), expected_issuer.encode()):
        raise AssertionWrongIssuer()
    if not hmac.compare_digest(claims.audience.encode(), expected_audience.encode()):
        raise AssertionWrongAudience()
    if not hmac.compare_digest(claims.nonce.encode(), expected_nonce.encode()):
        raise AssertionNonceMismatch()
    if claims.issued_at > now + clock_skew:
        raise AssertionNotYetValid()
    if now > claims.expires_at + clock_skew:
        raise AssertionExpired()
    return claims


def _claims_from(payload: bytes) -> AssertionClaims:
    data = _json_object(payload)
    try:
        level = data["level"]
        if type(level) is not int or level not in ASSURANCE_BY_LEVEL:
            raise ValueError("account level must be 1 or 2")
        claims = AssertionClaims(
            assertion_id=_text(data["jti"], pattern=_TOKEN),
            request_id=_text(data["req"], pattern=_TOKEN),
            issuer=_text(data["iss"]),
            audience=_text(data["aud"]),
            nonce=_text(data["nonce"], pattern=_TOKEN),
            issued_at=_seconds(data["iat"]),
            expires_at=_seconds(data["exp"]),
            id_number=_text(data["id_number"]),
            full_name=_text(data["name"]),
            date_of_birth=date.fromisoformat(_text(data["birthdate"])),
            account_level=level,
        )
        check_consistent(parse_id_number(claims.id_number), claims.date_of_birth)
    except (KeyError, TypeError, ValueError, IdNumberError):
        raise AssertionMalformed() from None
    if not 0 < claims.expires_at - claims.issued_at <= MAX_ASSERTION_LIFETIME:
        raise AssertionMalformed()
    return claims


def _text(value: object, pattern: re.Pattern[str] | None = None) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 256:
        raise ValueError("not a text claim")
    if pattern is not None and not pattern.match(value):
        raise ValueError("claim has the wrong form")
    return value


def _seconds(value: object) -> int:
    if type(value) is not int or value < 0:
        raise ValueError("not a NumericDate")
    return value


# --------------------------------------------------------------------------- JWS (RFC 7515)


def encode_jws(header: Mapping[str, Any], payload: bytes, private_key: Ed25519PrivateKey) -> str:
    """JWS compact serialisation of ``payload`` under ``header`` (whose alg must be EdDSA)."""
    if header.get("alg") != "EdDSA":
        raise ValueError("only EdDSA is supported")
    signing_input = f"{_b64url(_json_bytes(header))}.{_b64url(payload)}"
    signature = private_key.sign(signing_input.encode("ascii"))
    return f"{signing_input}.{_b64url(signature)}"


def decode_jws(token: str, public_key: Ed25519PublicKey) -> tuple[dict[str, Any], bytes]:
    """Verify a compact EdDSA JWS; return its header and payload.

    :class:`AssertionMalformed` for anything that is not such a JWS (other ``alg``, ``crit``
    headers, bad base64url, duplicate JSON keys, more than 4 KiB);
    :class:`AssertionSignatureInvalid` when the signature does not verify.
    """
    if not isinstance(token, str) or len(token) > MAX_ASSERTION_LENGTH:
        raise AssertionMalformed()
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise AssertionMalformed()
    header_b64, payload_b64, signature_b64 = parts
    header = _json_object(_b64url_decode(header_b64))
    if header.get("alg") != "EdDSA" or "crit" in header:
        raise AssertionMalformed()
    payload = _b64url_decode(payload_b64)
    signature = _b64url_decode(signature_b64)
    if len(signature) != 64:
        raise AssertionMalformed()
    try:
        public_key.verify(signature, f"{header_b64}.{payload_b64}".encode("ascii"))
    except InvalidSignature:
        raise AssertionSignatureInvalid() from None
    return header, payload


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")


def _b64url_decode(text: str) -> bytes:
    if not _B64URL.match(text) or len(text) % 4 == 1:
        raise AssertionMalformed()
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64url(data) != text:  # non-canonical trailing bits
        raise AssertionMalformed()
    return data


def _json_bytes(value: Mapping[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _json_object(data: bytes) -> dict[str, Any]:
    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result = dict(pairs)
        if len(result) != len(pairs):
            raise ValueError("duplicate key")
        return result

    try:
        value = json.loads(data.decode("utf-8"), object_pairs_hook=no_duplicates)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise AssertionMalformed() from None
    if not isinstance(value, dict):
        raise AssertionMalformed()
    return value


# --------------------------------------------------------------------------- keys


def signing_key_from_seed(seed: bytes) -> Ed25519PrivateKey:
    """An Ed25519 key from a 32-byte seed (the simulator's key from its config or a test)."""
    if len(seed) != 32:
        raise ValueError("an Ed25519 seed has 32 bytes")
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key_text(public_key: Ed25519PublicKey) -> str:
    """The raw public key as base64url (43 characters), for configuration files."""
    return _b64url(public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def load_public_key(text: str) -> Ed25519PublicKey:
    """Inverse of :func:`public_key_text`; ``ValueError`` if it is not such a key."""
    cleaned = text.strip()
    if not re.fullmatch(r"[A-Za-z0-9_-]{43}", cleaned):
        raise ValueError("not an Ed25519 public key (43 base64url characters)")
    return Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(cleaned + "="))


def key_id(public_key: Ed25519PublicKey) -> str:
    """RFC 7638 JWK thumbprint (SHA-256, base64url) of an Ed25519 public key."""
    jwk = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": public_key_text(public_key)},
                     separators=(",", ":"))
    return _b64url(hashlib.sha256(jwk.encode("ascii")).digest())
