"""The verified identity of the citizen at the terminal, kept for this session only.

Plugins need what the card or VNeID proved — the ID number to match a prescription, the
name and residence to pre-fill a form — but the station stores ID numbers only as keyed
hashes. So the identity is kept in the server-side session, sealed with AES-GCM under a key
derived from the session id in the citizen's cookie: the database holds only the SHA-256 of
that id, so a copy of the database cannot open it, and it is gone when the session ends.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import session

FIELD = "_identity"


@dataclass(frozen=True)
class VerifiedIdentity:
    """What the card (DG1 + DG13) or VNeID proved about the citizen at the terminal."""

    id_number: str
    full_name: str
    date_of_birth: str | None  # ISO date
    sex: str | None = None
    place_of_origin: str | None = None
    residence: str | None = None
    nationality: str | None = None
    source: str = "card"

    def __repr__(self) -> str:
        return "VerifiedIdentity(<hidden>)"

    @property
    def birth_date(self) -> date | None:
        return date.fromisoformat(self.date_of_birth) if self.date_of_birth else None


def _key(sid: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"citizen-station session identity v1",
                info=b"identity").derive(sid.encode())


def store_identity(identity: VerifiedIdentity, target: Any = None) -> None:
    """Seal ``identity`` into the current session, or ``target`` (call after the login rotated the id)."""
    target = session if target is None else target
    nonce = os.urandom(12)
    sealed = AESGCM(_key(target.sid)).encrypt(nonce, json.dumps(asdict(identity)).encode(), b"identity")
    target[FIELD] = base64.b64encode(nonce + sealed).decode()


def load_identity() -> VerifiedIdentity | None:
    """The sealed identity of the current session, or None."""
    raw = session.get(FIELD)
    if not raw or not getattr(session, "sid", None):
        return None
    data = base64.b64decode(raw)
    try:
        plain = AESGCM(_key(session.sid)).decrypt(data[:12], data[12:], b"identity")
    except InvalidTag:
        return None
    fields: dict[str, Any] = json.loads(plain)
    return VerifiedIdentity(**fields)
