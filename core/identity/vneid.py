"""VNeID app login on the station side, and the provider interface.

The kiosk makes a one-time login request bound to its own session and shows it as a QR
code; the citizen approves in the VNeID app; the VNeID service sends the station a signed
assertion; the station verifies it (signature, issuer, audience, nonce, expiry, single use)
and marks the request approved; the kiosk, polling, is logged in — once.

The provider is configuration: ``[connectors.vneid] kind = "simulator"`` (the default)
uses the embedded simulated VNeID service with its own Ed25519 key; a real integration
implements :class:`VneidProvider` and is chosen by ``kind``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol

import peewee
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from core.db import BaseModel
from core.errors import NotFoundError, StationError
from core.identity.citizens import CitizenRegistry
from core.identity.vneid_protocol import (
    VNEID_SIM_ISSUER,
    AssertionClaims,
    LoginRequest,
    decode_login_request,
    encode_login_request,
    issue_assertion,
    new_login_request,
    verify_assertion,
)
from core.privacy.sealed import SealedColumn, open_sealed, register_sealed_column, seal


class VneidLogin(BaseModel):
    """A pending, approved, claimed or expired VNeID login request."""

    request_id = peewee.CharField(primary_key=True, max_length=128)
    nonce = peewee.CharField(max_length=128)
    session_hash = peewee.CharField(max_length=64)
    purpose = peewee.CharField(max_length=16)  # "login" or "step_up"
    created_at = peewee.DoubleField()
    expires_at = peewee.DoubleField()
    status = peewee.CharField(max_length=16)  # pending, approved, claimed
    citizen_id = peewee.IntegerField(null=True)
    assurance = peewee.CharField(max_length=16, default="")
    sealed_claims = peewee.TextField(default="")  # AES-GCM under a station key; wiped when claimed

    class Meta:
        table_name = "vneid_login"


class VneidAssertionUsed(BaseModel):
    """An assertion id already accepted (an assertion works once)."""

    assertion_id = peewee.CharField(primary_key=True, max_length=128)
    used_at = peewee.DoubleField()

    class Meta:
        table_name = "vneid_assertion_used"


class AssertionReplayed(StationError):
    """The same VNeID approval was presented twice."""

    http_status = 403
    code = "assertion_replayed"
    vi = "Xác nhận VNeID này đã được dùng rồi; vui lòng đăng nhập lại."


class VneidProvider(Protocol):
    """What the station needs from a VNeID service."""

    simulated: bool
    issuer: str

    def public_key(self) -> Ed25519PublicKey:
        """The key that signs the service's assertions."""


@dataclass(frozen=True)
class DemoAccount:
    """An account of the simulated VNeID service (clearly fake data)."""

    id_number: str
    full_name: str
    date_of_birth: date
    level: int


class SimulatedVneid:
    """The embedded VNeID SIMULATOR: its own Ed25519 key and the demo citizens' accounts."""

    simulated = True
    issuer = VNEID_SIM_ISSUER

    def __init__(self, secrets_dir: Path) -> None:
        path = secrets_dir / "vneid_simulator_ed25519.pem"
        if not path.exists():
            from core.secrets import _write_new

            _write_new(path, Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        assert isinstance(key, Ed25519PrivateKey)
        self._key = key

    def public_key(self) -> Ed25519PublicKey:
        return self._key.public_key()

    @staticmethod
    def accounts() -> list[DemoAccount]:
        """The simulated citizens (the same people as on the simulated chip cards)."""
        from core.simulation import seeded_citizens

        return [DemoAccount(c.personal_id, c.full_name, c.birth_date, 2 if i % 3 != 2 else 1)
                for i, c in enumerate(seeded_citizens())]

    def approve(self, request_uri: str, account_index: int, level: int, now: float) -> str:
        """The citizen approves in the (simulated) app: a signed assertion for the station."""
        request = decode_login_request(request_uri)
        accounts = self.accounts()
        if not 0 <= account_index < len(accounts):
            raise NotFoundError("no such simulated VNeID account")
        account = accounts[account_index]
        return issue_assertion(request, id_number=account.id_number, full_name=account.full_name,
                               date_of_birth=account.date_of_birth, account_level=level,
                               private_key=self._key, now=now)


def provider_from_config(connector: dict[str, object], secrets_dir: Path) -> VneidProvider:
    """The VNeID provider named by ``[connectors.vneid]``."""
    from core.connectors import make_connector

    kinds = {"simulator": lambda settings: SimulatedVneid(secrets_dir)}
    return make_connector("vneid", kinds, {"vneid": connector})


def session_binding(session_id: str | None) -> str:
    """What ties a login request to the kiosk session that showed its QR code."""
    return hashlib.sha256(f"vneid-binding:{session_id or '-'}".encode()).hexdigest()


@dataclass(frozen=True)
class _ClaimsView:
    id_number: str
    full_name: str
    date_of_birth: date

    def __repr__(self) -> str:
        return "_ClaimsView(<hidden>)"


def _claims_key(kek: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"citizen-station vneid claims v1").derive(kek)


CLAIMS_COLUMN = register_sealed_column(SealedColumn(
    label="VNeID claims waiting for their kiosk", model=VneidLogin, column="sealed_claims", derive=_claims_key,
    associated_data=lambda row: row.request_id.encode()))


@dataclass(frozen=True)
class _Request:
    request_id: str


class VneidLoginService:
    """Creates requests, accepts assertions, and lets the right kiosk claim the login."""

    def __init__(self, station_id: str, provider: VneidProvider, citizens: CitizenRegistry,
                 clock: Callable[[], float], secrets_dir: Path) -> None:
        from core.privacy.keys import KeyRing

        self._ring = KeyRing(secrets_dir)
        self.station_id = station_id
        self.provider = provider
        self.citizens = citizens
        self.clock = clock

    def start(self, session_binding_hash: str, purpose: str = "login") -> tuple[LoginRequest, str]:
        """A new one-time request bound to the kiosk session; returns it and its QR text."""
        now = self.clock()
        request = new_login_request(self.station_id, now)
        VneidLogin.create(request_id=request.request_id, nonce=request.nonce, session_hash=session_binding_hash,
                          purpose=purpose, created_at=now, expires_at=request.expires_at, status="pending")
        return request, encode_login_request(request)

    def accept(self, assertion: str) -> tuple[VneidLogin, AssertionClaims]:
        """Verify an assertion from the VNeID service and approve its pending request."""
        from core.identity.vneid_protocol import AssertionMalformed, LoginRequestExpired, decode_jws

        _, payload = decode_jws(assertion, self.provider.public_key())  # signature first, then trust req
        try:
            request_id = json.loads(payload)["req"]
        except (ValueError, KeyError, TypeError):
            raise AssertionMalformed() from None
        row = VneidLogin.get_or_none(VneidLogin.request_id == request_id)
        if row is None or row.status != "pending":
            raise AssertionReplayed("This VNeID approval does not match a waiting login request.")
        now = self.clock()
        if now > row.expires_at:
            raise LoginRequestExpired()
        claims = verify_assertion(assertion, self.provider.public_key(), self.station_id, row.nonce, now,
                                  expected_issuer=self.provider.issuer)
        inserted = VneidAssertionUsed.insert(assertion_id=claims.assertion_id, used_at=now).on_conflict_ignore().execute()
        if not inserted or VneidAssertionUsed.select().where(
                VneidAssertionUsed.assertion_id == claims.assertion_id).count() != 1:
            raise AssertionReplayed("This VNeID approval was already used.")
        citizen = self.citizens.find_or_create(claims.id_number)
        sealed = self._seal(row.request_id, {"id_number": claims.id_number, "full_name": claims.full_name,
                                             "date_of_birth": claims.date_of_birth.isoformat()})
        updated = (VneidLogin.update(status="approved", citizen_id=citizen.id, assurance=claims.assurance,
                                     sealed_claims=sealed)
                   .where((VneidLogin.request_id == row.request_id) & (VneidLogin.status == "pending")).execute())
        if updated != 1:
            raise AssertionReplayed("This VNeID approval was already used.")
        row.status, row.citizen_id, row.assurance = "approved", citizen.id, claims.assurance
        return row, claims

    def _seal(self, request_id: str, claims: dict[str, str]) -> str:
        return seal(CLAIMS_COLUMN, self._ring, _Request(request_id), json.dumps(claims).encode())

    def take_claims(self, request_id: str) -> _ClaimsView | None:
        """The verified claims of a claimed request, once; the sealed copy is wiped."""
        row = VneidLogin.get_or_none(VneidLogin.request_id == request_id)
        if row is None or not row.sealed_claims:
            return None
        VneidLogin.update(sealed_claims="").where(VneidLogin.request_id == request_id).execute()
        data = json.loads(open_sealed(CLAIMS_COLUMN, self._ring, row, row.sealed_claims))
        return _ClaimsView(data["id_number"], data["full_name"], date.fromisoformat(data["date_of_birth"]))

    def claim(self, request_id: str, session_binding_hash: str) -> VneidLogin | None:
        """The approved request for this kiosk session, marked claimed (None while pending).

        Raises :class:`NotFoundError` for an unknown, expired or foreign request.
        """
        row = VneidLogin.get_or_none(VneidLogin.request_id == request_id)
        if row is None or row.session_hash != session_binding_hash:
            raise NotFoundError("This login request is not waiting on this screen.")
        if row.status == "pending":
            if self.clock() > row.expires_at:
                raise NotFoundError("The QR code has expired. Please start again.")
            return None
        updated = (VneidLogin.update(status="claimed").where(
            (VneidLogin.request_id == request_id) & (VneidLogin.status == "approved")).execute())
        if updated != 1:
            raise NotFoundError("This login was already completed.")
        return row
