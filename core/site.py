"""The site's description (``[site]`` in station.toml) and the audit of its changes.

The site's id, names, address and time zone may change during a station's life (a ward is
renamed, the manager replaces the placeholder id written by ``station init``). The audit
log's identity does not follow: it is fixed when the log starts (``core.audit.log.LogIdentity``).
What the site was called is remembered in ``site_record``; when a start finds station.toml
describing the site differently, it records one ``site.changed`` entry naming the fields
that changed, with their old and new values (site descriptions hold no personal data).
"""

from __future__ import annotations

from typing import Any

import peewee

from core.audit.log import AuditLog, transaction
from core.db import BaseModel, database

SITE_FIELDS = ("id", "name_vi", "name_en", "address", "timezone")
_COLUMN = {"id": "site_id"}
MAX_VALUE = 200  # audit detail strings are at most 200 characters


class SiteRecord(BaseModel):
    """The site as it was last described by station.toml (a single row)."""

    id = peewee.IntegerField(primary_key=True)
    site_id = peewee.CharField(max_length=64)
    name_vi = peewee.TextField()
    name_en = peewee.TextField()
    address = peewee.TextField()
    timezone = peewee.CharField(max_length=64)
    updated_at = peewee.DoubleField()

    class Meta:
        table_name = "site_record"


def _values(site: dict[str, Any]) -> dict[str, str]:
    return {name: str(site.get(name, "")) for name in SITE_FIELDS}


def record_site_changes(site: dict[str, Any], audit: AuditLog, now: float, actor: str = "system") -> list[str]:
    """Compare ``site`` with the last known description; audit and remember any change.

    Returns the names of the fields that changed (empty on the first start, when the
    description is only remembered, and when nothing changed).
    """
    current = _values(site)
    row = SiteRecord.get_or_none(SiteRecord.id == 1)
    if row is not None and _stored(row) == current:
        return []  # the common case reads one row and writes nothing
    with transaction():
        query = SiteRecord.select().where(SiteRecord.id == 1)
        if not isinstance(database.obj, peewee.SqliteDatabase):
            query = query.for_update()  # SQLite: the IMMEDIATE transaction already serialises writers
        row = query.get_or_none()
        columns = {_COLUMN.get(k, k): v for k, v in current.items()}
        if row is None:
            SiteRecord.insert(id=1, updated_at=now, **columns).on_conflict_ignore().execute()
            return []
        before = _stored(row)
        changed = [name for name in SITE_FIELDS if before[name] != current[name]]
        if not changed:
            return []
        details: dict[str, Any] = {"fields": changed, "source": "station.toml"}
        for name in changed:
            details[f"{name}_from"] = before[name][:MAX_VALUE]
            details[f"{name}_to"] = current[name][:MAX_VALUE]
        audit.record("site.changed", actor=actor, object_ref=f"site:{current['id']}", details=details)
        SiteRecord.update(updated_at=now, **columns).where(SiteRecord.id == 1).execute()
    return changed


def _stored(row: SiteRecord) -> dict[str, str]:
    return {name: getattr(row, _COLUMN.get(name, name)) for name in SITE_FIELDS}
