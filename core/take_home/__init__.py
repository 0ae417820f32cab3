"""Things a citizen takes home go to their phone, never onto the kiosk's disk (issue 14).

A kind of take-home document (a FHIR export, "all my data", a screening result) is registered
once with a *producer* — ``produce(citizen_id) -> Document`` — and optionally a *summary* for
the receipt printer. On the kiosk the citizen sees a QR code of a short-lived link at the
station's configured public URL (``[server] public_url``; never the request's Host); opening
it on the phone produces the document there. The link:

* carries no personal data and no id in clear: the token is a random nonce and its HMAC with
  the station secret (``SECRET_KEY``); the row it names holds the kind, the citizen and the
  expiry (10 minutes unless the kind says otherwise);
* is single-purpose: it opens one kind of document for one citizen, nothing else;
* expires on the station clock; a tampered token is refused (403), an expired one gone (410),
  both with a page in the citizen's language;
* is recorded when opened: an audit entry ``take_home.opened`` and, through the producer's
  reads, the citizen's access log ("who looked at my data") under the access context
  ``citizen:<id>`` with the data-subject-request basis.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import peewee
from flask import current_app

from core.db import BaseModel
from core.errors import StationError

DEFAULT_MINUTES = 10
MAX_MINUTES = 60
TOKEN_SALT = b"citizen-station take-home link v1"

Line = str | tuple[str, str]


class TakeHomeLink(BaseModel):
    """One issued link (the token is not stored, only the hash of its nonce)."""

    nonce_hash = peewee.CharField(max_length=64, unique=True)
    kind = peewee.CharField(max_length=64)
    citizen_id = peewee.IntegerField(index=True)
    language = peewee.CharField(max_length=8)
    created_at = peewee.DoubleField()
    expires_at = peewee.DoubleField(index=True)
    opened = peewee.IntegerField(default=0)

    class Meta:
        table_name = "take_home_links"


@dataclass(frozen=True)
class Document:
    """What the phone receives: the bytes, their type and a file name (no personal data in it)."""

    body: bytes | str
    mimetype: str
    filename: str


@dataclass(frozen=True)
class Kind:
    """A registered kind of take-home document."""

    name: str
    plugin_id: str
    title_vi: str
    title_en: str
    produce: Callable[[int], Document]
    summary: Callable[[int], Iterable[Line]] | None = None
    minutes: int = DEFAULT_MINUTES
    category: str = "personal"


class LinkInvalid(StationError):
    """The token was altered or never issued here."""

    http_status = 403
    vi = "Liên kết này không hợp lệ. Hãy quét lại mã QR trên màn hình của trạm."
    heading_vi, heading_en = "Liên kết không hợp lệ", "This link is not valid"

    def __init__(self) -> None:
        super().__init__("This link is not valid. Scan the QR code on the station's screen again.")


class LinkExpired(StationError):
    """The link was valid but its time is up."""

    http_status = 410
    vi = "Liên kết này đã hết hạn. Hãy tạo mã QR mới tại trạm."
    heading_vi, heading_en = "Liên kết đã hết hạn", "This link has expired"

    def __init__(self) -> None:
        super().__init__("This link has expired. Make a new QR code at the station.")


_KINDS: dict[str, Kind] = {}


def register_kind(kind: Kind) -> Kind:
    """Register (or replace, on reload) a kind; its name starts with the plugin id and a dot."""
    if not kind.name.startswith(kind.plugin_id + ".") or len(kind.name) > 64:
        raise ValueError(f"a take-home kind is named '<plugin>.<name>' (≤ 64 characters), not {kind.name!r}")
    if not 1 <= kind.minutes <= MAX_MINUTES:
        raise ValueError(f"a take-home link lives 1..{MAX_MINUTES} minutes")
    _KINDS[kind.name] = kind
    return kind


def kind_named(name: str) -> Kind:
    """The registered kind, or LookupError."""
    try:
        return _KINDS[name]
    except KeyError:
        raise LookupError(f"no take-home kind {name!r} is registered") from None


def _clock() -> float:
    return float(current_app.config["STATION_CLOCK"]())


def _mac(nonce: str) -> str:
    key = hashlib.sha256(TOKEN_SALT + str(current_app.config["SECRET_KEY"]).encode()).digest()
    return hmac.new(key, nonce.encode("ascii"), hashlib.sha256).hexdigest()[:32]


def _hash(nonce: str) -> str:
    return hashlib.sha256(nonce.encode("ascii")).hexdigest()


@dataclass(frozen=True)
class IssuedLink:
    """A new link: the token (for the URL, shown once), its row and when it expires."""

    token: str
    row: TakeHomeLink
    expires_at: float


def issue(kind_name: str, citizen_id: int, language: str) -> IssuedLink:
    """A new link for ``citizen_id`` to open ``kind_name`` on their phone."""
    kind = kind_named(kind_name)
    nonce = secrets.token_urlsafe(18)
    now = _clock()
    purge_expired()  # old links go as new ones are made: the table stays small
    row = TakeHomeLink.create(nonce_hash=_hash(nonce), kind=kind.name, citizen_id=int(citizen_id),
                              language=language, created_at=now, expires_at=now + kind.minutes * 60)
    return IssuedLink(f"{nonce}.{_mac(nonce)}", row, row.expires_at)


def redeem(token: str) -> tuple[Kind, TakeHomeLink]:
    """The kind and row a token names; LinkInvalid when forged, LinkExpired when too late."""
    nonce, _, mac = token.partition(".")
    if not nonce or len(token) > 120 or not hmac.compare_digest(mac.encode(), _mac(nonce).encode()):
        raise LinkInvalid()
    row = TakeHomeLink.get_or_none(TakeHomeLink.nonce_hash == _hash(nonce))
    if row is None or row.kind not in _KINDS:
        raise LinkInvalid()
    if _clock() > row.expires_at:
        raise LinkExpired()
    return _KINDS[row.kind], row


def purge_expired(older_than_seconds: float = 86400) -> int:
    """Delete rows that expired more than ``older_than_seconds`` ago; returns how many."""
    cutoff = _clock() - older_than_seconds
    return int(TakeHomeLink.delete().where(TakeHomeLink.expires_at < cutoff).execute())


def registered_kinds() -> dict[str, Kind]:
    """The registered kinds by name (read-only use)."""
    return dict(_KINDS)


__all__ = ["Document", "IssuedLink", "Kind", "LinkExpired", "LinkInvalid", "TakeHomeLink", "issue",
           "kind_named", "purge_expired", "redeem", "register_kind", "registered_kinds"]


