"""Who looked at a citizen's data, when and why.

Every read of a citizen's personal data through the sdk — decrypting a field of a
:class:`~core.privacy.fields.PersonalDataModel`, or a read a plugin or console page declares
with :func:`record_access` — leaves one row in ``privacy_access``: whose data (citizen id),
who read it (``staff:<username>``, ``plugin:<id>`` or ``citizen:<id>`` for the citizen's own
export), what (data category and table), why (the purpose, in Vietnamese and English), the
legal basis (``consent`` or ``data_subject_request``) and when. Repeated reads with the same
who/what/why in one request (or one :func:`access_context`) are recorded once.

The row is written before the value is handed over: if it cannot be written, the read fails.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import flask_login
import peewee
from flask import current_app, g, has_app_context, has_request_context

from core.db import BaseModel

MAX_PURPOSE = 200
BASIS_CONSENT = "consent"
BASIS_SUBJECT_REQUEST = "data_subject_request"
BASES = (BASIS_CONSENT, BASIS_SUBJECT_REQUEST)


class AccessRecord(BaseModel):
    """One recorded read of one citizen's data."""

    citizen_id = peewee.IntegerField(index=True)
    accessor = peewee.CharField(max_length=96)
    plugin_id = peewee.CharField(max_length=64)
    category = peewee.CharField(max_length=32)
    table_name = peewee.CharField(max_length=128)
    purpose = peewee.TextField()
    basis = peewee.CharField(max_length=32)
    at = peewee.DoubleField(index=True)

    class Meta:
        table_name = "privacy_access"


Purpose = str | dict[str, str]


@dataclass
class AccessContext:
    """Why data is being read right now (set by ``read_personal`` or the data-subject rights)."""

    purpose: dict[str, str] | None
    basis: str = BASIS_CONSENT
    accessor: str | None = None
    seen: set[tuple[Any, ...]] = field(default_factory=set)


_context: ContextVar[AccessContext | None] = ContextVar("citizen_station_access_context", default=None)


@contextmanager
def access_context(purpose: Purpose | None, basis: str = BASIS_CONSENT,
                   accessor: str | None = None) -> Iterator[AccessContext]:
    """Reads inside the block are recorded with this purpose (and basis and accessor)."""
    if basis not in BASES:
        raise ValueError(f"basis must be one of {BASES}")
    context = AccessContext(normalise_purpose(purpose) if purpose is not None else None, basis, accessor)
    token = _context.set(context)
    try:
        yield context
    finally:
        _context.reset(token)


def current_context() -> AccessContext | None:
    """The innermost :func:`access_context`, or None."""
    return _context.get()


def current_basis() -> str:
    """The legal basis of processing right now (consent unless a data-subject request runs)."""
    context = _context.get()
    return context.basis if context else BASIS_CONSENT


def normalise_purpose(purpose: Purpose) -> dict[str, str]:
    """``"text"`` or ``{"vi": ..., "en": ...}`` → both languages, each at most 200 characters."""
    if isinstance(purpose, str):
        purpose = {"vi": purpose, "en": purpose}
    if not isinstance(purpose, dict) or not purpose.get("vi") or not purpose.get("en"):
        raise ValueError("a purpose is a non-empty text or a mapping with 'vi' and 'en' texts")
    return {"vi": str(purpose["vi"])[:MAX_PURPOSE], "en": str(purpose["en"])[:MAX_PURPOSE]}


def current_reader(plugin_id: str) -> str:
    """Who is reading: the explicit accessor of the context, a staff member, or the plugin."""
    context = _context.get()
    if context is not None and context.accessor:
        return context.accessor
    if has_request_context():
        user = flask_login.current_user
        if user.is_authenticated and getattr(user, "kind", None) == "staff":
            return f"staff:{user.username}"
    return f"plugin:{plugin_id}"


def record_access(citizen_id: int, plugin_id: str, category: str, table: str,
                  purpose: Purpose | None = None, accessor: str | None = None) -> bool:
    """Record one read of ``citizen_id``'s data (deduplicated per request or context).

    Returns True when a row was written, False when the same read was already recorded.
    """
    context = _context.get()
    chosen = normalise_purpose(purpose) if purpose is not None else (context.purpose if context else None)
    if chosen is None:
        raise ValueError("a read of personal data needs a purpose")
    who = accessor or current_reader(plugin_id)
    basis = current_basis()
    key = (int(citizen_id), who, plugin_id, category, table, chosen["vi"], chosen["en"], basis)
    seen = _seen_set(context)
    if seen is not None and key in seen:
        return False
    AccessRecord.create(citizen_id=int(citizen_id), accessor=who, plugin_id=plugin_id, category=category,
                        table_name=table, purpose=json.dumps(chosen, ensure_ascii=False, sort_keys=True),
                        basis=basis, at=_now())
    if seen is not None:
        seen.add(key)
    return True


def access_log_for(citizen_id: int, limit: int | None = None) -> list[dict[str, Any]]:
    """"Who looked at my data, when, why": newest first."""
    query = (AccessRecord.select().where(AccessRecord.citizen_id == citizen_id)
             .order_by(AccessRecord.at.desc(), AccessRecord.id.desc()))
    if limit is not None:
        query = query.limit(limit)
    return [access_row(row) for row in query]


def access_row(row: AccessRecord) -> dict[str, Any]:
    """A JSON-ready access record."""
    return {"who": row.accessor, "plugin": row.plugin_id, "category": row.category, "table": row.table_name,
            "purpose": json.loads(row.purpose), "basis": row.basis,
            "at": datetime.fromtimestamp(row.at, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")}


def mark_read_recorded(citizen_id: int, table: str) -> None:
    """This request already recorded a read of ``table`` of ``citizen_id`` with its own purpose
    (a staff read): opening the row's encrypted fields is part of it, not another read."""
    if has_request_context():
        if "_privacy_recorded_rows" not in g:
            g._privacy_recorded_rows = set()
        g._privacy_recorded_rows.add((int(citizen_id), table))


def read_already_recorded(citizen_id: int, table: str) -> bool:
    """True after :func:`mark_read_recorded` for this citizen and table in this request."""
    return has_request_context() and (int(citizen_id), table) in g.get("_privacy_recorded_rows", ())


def _seen_set(context: AccessContext | None) -> set[tuple[Any, ...]] | None:
    if context is not None:
        return context.seen
    if has_request_context():
        if "_privacy_seen" not in g:
            g._privacy_seen = set()
        return g._privacy_seen
    return None


def _now() -> float:
    if has_app_context():
        return current_app.config["STATION_CLOCK"]()
    return datetime.now(UTC).timestamp()
