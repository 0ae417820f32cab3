"""Data-subject rights: export everything held about a citizen, and erase it.

**Export** (Law 91/2025 and Decree 13/2023 Art. 9 and 14: the right to know and to obtain
one's data): the station's own records — the citizen row, consent answers and their
history, the access log, the data-key metadata, and references (index, time, action) to the
audit entries naming the citizen's id as actor, object or subject — plus each active
plugin's ``citizen_data_export`` hook. Plugins read encrypted fields under the legal basis
``data_subject_request`` (no consent needed to give a person their own data); every such read
is in the access log and the export itself is audited (``citizen.export``).

**Erasure** (Decree 13/2023 Art. 16): in one transaction with its ``citizen.erase`` audit
entry — every active plugin's ``citizen_data_erase`` hook (one failing aborts the whole
erasure), the citizen's consent ledger and access log rows deleted, their server-side
sessions deleted, their data keys destroyed (crypto-shredding: whatever ciphertext is left
anywhere, including backups, can no longer be opened), and the keyed hash of their ID number
in ``citizen`` replaced by a random tombstone, so the row id (referenced by the audit log)
no longer leads to the person. The audit log is never changed: its entries hold only ids, so
it keeps verifying. What stays, and why, is in ``docs/privacy.md``.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import flask_login
import peewee
from flask import has_request_context

from core.audit.api import current_actor
from core.audit.api import record as audit_record
from core.audit.log import transaction
from core.audit.store import AuditEntry
from core.db import database
from core.errors import NotFoundError, UserInputError
from core.identity.models import Citizen
from core.privacy.access_log import (
    BASIS_SUBJECT_REQUEST,
    AccessRecord,
    access_context,
    access_log_for,
)
from core.privacy.consent import ConsentEvent, consent_history, current_consents
from core.privacy.crypto import PrivacyError
from core.privacy.keys import CitizenKey, data_keys
from core.sessions import end_sessions_of
from core.station import current_station

EXPORT_FORMAT = "citizen-station/my-data/v1"
ERASED_PREFIX = "erased:"
EXPORT_PURPOSE = {"vi": "Xuất dữ liệu theo yêu cầu của chính công dân",
                  "en": "Export requested by the citizen (data-subject access)"}
ERASE_PURPOSE = {"vi": "Xoá dữ liệu theo yêu cầu của chính công dân",
                 "en": "Erasure requested by the citizen"}


class ErasureFailed(PrivacyError):
    """A plugin could not erase its data; nothing was erased."""


@dataclass(frozen=True)
class ErasureReport:
    """What an erasure removed (counts and plugin ids only)."""

    citizen_id: int
    plugins: list[str]
    consents: int
    access_records: int
    sessions: int
    data_keys: int
    audit_index: int

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _citizen(citizen_id: int) -> Citizen:
    citizen = Citizen.get_or_none(Citizen.id == citizen_id)
    if citizen is None:
        raise NotFoundError(f"there is no citizen {citizen_id} at this station")
    return citizen


def is_erased(citizen: Citizen) -> bool:
    """True once the citizen was erased (the row is only a tombstone for audit references)."""
    return citizen.id_hash.startswith(ERASED_PREFIX)


def _hook_citizen(citizen_id: int) -> Any:
    from core.identity.views import CitizenView  # what plugin hooks receive (sdk.CitizenView)

    user = flask_login.current_user if has_request_context() else None
    if user is not None and user.is_authenticated and getattr(user, "citizen_id", None) == citizen_id:
        return CitizenView(citizen_id, user.assurance, user.method)
    return CitizenView(citizen_id, "none", "data_subject_request")


def _plugins_with(hook_name: str) -> list[Any]:
    plugins = current_station().plugins
    implementing = {impl.plugin_name for impl in getattr(plugins.pm.hook, hook_name).get_hookimpls()}
    return [record for record in plugins.active() if record.id in implementing]


def audit_references(citizen_id: int) -> list[dict[str, Any]]:
    """Audit entries naming ``citizen:<id>`` as actor, object or subject (by reference)."""
    ref = f"citizen:{citizen_id}"
    patterns = [f'"actor":"{ref}"', f'"object":"{ref}"', f'"subject":"{ref}"']
    condition = AuditEntry.leaf.contains(patterns[0])
    for pattern in patterns[1:]:
        condition |= AuditEntry.leaf.contains(pattern)
    found = []
    for idx, leaf in AuditEntry.select(AuditEntry.idx, AuditEntry.leaf).where(condition).order_by(
            AuditEntry.idx).tuples():
        entry = json.loads(leaf)
        roles = [role for role, value in (("actor", entry.get("actor")), ("object", entry.get("object")),
                                          ("subject", (entry.get("details") or {}).get("subject")))
                 if value == ref]
        if roles:
            found.append({"index": idx, "time": entry.get("time"), "action": entry.get("action"),
                          "plugin": entry.get("plugin"), "outcome": entry.get("outcome"), "as": roles})
    return found


def export_citizen(citizen_id: int, actor: str | None = None) -> dict[str, Any]:
    """Everything this station holds about the citizen, JSON-ready (audited as ``citizen.export``)."""
    citizen = _citizen(citizen_id)
    station = current_station()
    who = actor or current_actor()
    plugins: dict[str, Any] = {}
    incomplete = []
    with access_context(EXPORT_PURPOSE, basis=BASIS_SUBJECT_REQUEST, accessor=who):
        for record in _plugins_with("citizen_data_export"):
            try:
                result = station.plugins.call_one(record.id, "citizen_data_export", citizen=_hook_citizen(citizen_id))
            except Exception as exc:  # one plugin's failure must not hide the rest
                incomplete.append({"plugin": record.id, "problem": type(exc).__name__})
                continue
            if result is not None:
                plugins[record.id] = _jsonable(result)
    with transaction():
        receipt = audit_record("citizen.export", plugin="core", object_ref=f"citizen:{citizen_id}", actor=who,
                               details={"plugins": sorted(plugins), "incomplete": [i["plugin"] for i in incomplete]})
    keys = [{"version": k.key_version, "created_at": _iso(k.created_at), "destroyed_at": _iso(k.destroyed_at)}
            for k in CitizenKey.select().where(CitizenKey.citizen_id == citizen_id).order_by(CitizenKey.key_version)]
    return {
        "format": EXPORT_FORMAT,
        "station": station.config.site_id,
        "generated_at": _iso(station.clock()),
        "export_audit_index": receipt.index,
        "citizen": {"id": citizen.id, "registered_at": _iso(citizen.created_at), "id_hash": citizen.id_hash,
                    "id_hash_note": "keyed hash (HMAC-SHA-256) of your ID number; the number itself is not stored"},
        "consents": {"current": [s.as_dict() for s in current_consents(citizen_id)],
                     "history": consent_history(citizen_id)},
        "access_log": access_log_for(citizen_id),
        "data_keys": keys,
        "audit_references": audit_references(citizen_id),
        "plugins": plugins,
        "incomplete": incomplete,
    }


@dataclass(frozen=True)
class ErasurePreview:
    """What an erasure of this citizen would remove, for the confirmation screen (reads only)."""

    plugins: list[Any]
    consents: int
    access_records: int
    data_keys: int


def erasure_preview(citizen_id: int) -> ErasurePreview:
    """Which services hold data and how many station records an erasure would delete.

    Reads counts and plugin manifests only: no plugin hook runs, nothing is audited, so
    showing the confirmation screen changes nothing.
    """
    _citizen(citizen_id)
    keys = (CitizenKey.select().where((CitizenKey.citizen_id == citizen_id)
                                      & CitizenKey.destroyed_at.is_null()).count())
    return ErasurePreview(
        plugins=[record for record in _plugins_with("citizen_data_erase")],
        consents=ConsentEvent.select().where(ConsentEvent.citizen_id == citizen_id).count(),
        access_records=AccessRecord.select().where(AccessRecord.citizen_id == citizen_id).count(),
        data_keys=keys)


def erase_citizen(citizen_id: int, actor: str | None = None) -> ErasureReport:
    """Erase the citizen everywhere, in one transaction with the ``citizen.erase`` audit entry."""
    citizen = _citizen(citizen_id)
    if is_erased(citizen):
        raise UserInputError(f"citizen {citizen_id} was already erased")
    station = current_station()
    who = actor or current_actor()
    db = database.obj
    sqlite = isinstance(db, peewee.SqliteDatabase)
    if sqlite:
        db.execute_sql("PRAGMA secure_delete = ON")  # deleted rows are zeroed, not left in free pages
    erased_by = []
    with access_context(ERASE_PURPOSE, basis=BASIS_SUBJECT_REQUEST, accessor=who), transaction():
        for record in _plugins_with("citizen_data_erase"):
            try:
                station.plugins.call_one(record.id, "citizen_data_erase", citizen=_hook_citizen(citizen_id))
            except Exception as exc:  # any failure aborts the whole erasure
                raise ErasureFailed(f"plugin {record.id} could not erase its data ({type(exc).__name__}); "
                                    "nothing was erased — try again or ask the station staff") from None
            erased_by.append(record.id)
        consents = ConsentEvent.delete().where(ConsentEvent.citizen_id == citizen_id).execute()
        access = AccessRecord.delete().where(AccessRecord.citizen_id == citizen_id).execute()
        sessions = delete_sessions_of(citizen_id)
        keys = data_keys().destroy(citizen_id)
        Citizen.update(id_hash=ERASED_PREFIX + secrets.token_hex(28)).where(Citizen.id == citizen_id).execute()
        receipt = audit_record("citizen.erase", plugin="core", object_ref=f"citizen:{citizen_id}", actor=who,
                               details={"plugins": erased_by, "consents": consents, "access_records": access,
                                        "sessions": sessions, "data_keys": keys})
    if sqlite:
        try:  # the WAL still holds earlier page images; fold it into the database and empty it
            db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        except peewee.DatabaseError:
            pass  # busy readers: the next checkpoint will do it
    return ErasureReport(citizen_id, erased_by, consents, access, sessions, keys, receipt.index)


def delete_sessions_of(citizen_id: int) -> int:
    """Delete every server-side session logged in as the citizen; returns how many."""
    return end_sessions_of(f"c:{citizen_id}")


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def _iso(at: float | None) -> str | None:
    if at is None:
        return None
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
