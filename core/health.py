"""What ``/healthz`` reports: a truthful picture of the station, without personal data.

* ``database``: ``ok`` only when a write can be made (one no-op UPDATE rolled back), else
  ``read_only`` or ``unreachable``;
* ``disk``: free space where the database (SQLite) or the site folder lives, against
  ``[server] min_free_disk_mb``;
* ``safe_mode``, each plugin's state, each device's status, and ``card_login`` (off while
  the CSCA trust store holds no certificate);
* ``status``: ``ok``; ``degraded`` when a plugin failed, a device an enabled plugin needs is
  not ready, card login is off or the disk is low; ``down`` (HTTP 503) when the database
  cannot be used.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import peewee

from core import db
from core.outage import storage_fault
from core.startup import sqlite_path

READY = "READY"


def database_state() -> str:
    """``ok``, ``read_only``, ``disk_full`` or ``unreachable``: tries a no-op write, rolled back."""
    database = db.database
    try:
        with database.atomic() as transaction:
            database.execute_sql("UPDATE audit_head SET size = size WHERE id = 1")
            transaction.rollback()
        return "ok"
    except (peewee.DatabaseError, peewee.InterfaceError) as exc:
        kind = storage_fault(exc)
        if kind in ("read_only", "disk_full"):
            return kind
        try:
            database.close()
        except Exception:  # noqa: BLE001 — a broken connection may fail to close
            pass
        return "unreachable"


def disk_state(config: Any) -> dict[str, Any]:
    """Free space (MB) where the station writes, and whether it is under the threshold."""
    file = sqlite_path(config)
    folder = file.parent if file is not None else Path(config.home)
    try:
        free_mb = shutil.disk_usage(folder).free // (1024 * 1024)
    except OSError:
        return {"free_mb": None, "min_free_mb": config.server["min_free_disk_mb"], "ok": False}
    threshold = config.server["min_free_disk_mb"]
    return {"free_mb": free_mb, "min_free_mb": threshold, "ok": free_mb >= threshold}


def card_login_state(trust_store_dir: Path) -> str:
    """``on`` when the CSCA trust store holds a certificate, else ``off: ...``."""
    from core.identity.passive_auth import TrustStoreError, load_trust_store

    try:
        store = load_trust_store(trust_store_dir)
    except TrustStoreError as exc:
        return f"off: {exc}"
    if not getattr(store, "certificates", None):
        return "off: no CSCA certificate in the trust store"
    return "on"


def station_health(station: Any) -> tuple[dict[str, Any], int]:
    """The ``/healthz`` body and HTTP status of ``station``."""
    config = station.config
    database = database_state()
    disk = disk_state(config)
    devices = {d["id"]: {"kind": d["kind"], "status": d["status"], "reason": d["reason"]}
               for d in station.devices.statuses()}
    plugins = {r.id: {"state": r.state.value, "enabled": r.enabled, "reasons": r.reasons}
               for r in station.plugins.records.values()}
    causes = []
    for record in station.plugins.records.values():
        if record.enabled and record.state.value == "failed":
            causes.append(f"plugin {record.id} failed")
        if not (record.enabled and record.manifest):
            continue
        for need in record.manifest.devices:
            kinds = [d for d in devices.values() if d["kind"] == need["kind"]]
            if kinds and not any(d["status"] == READY for d in kinds):
                causes.append(f"{need['kind']} needed by {record.id} is {kinds[0]['status']}")
    card_login = card_login_state(config.home / config.identity["trust_store"])
    if card_login != "on":
        causes.append(f"chip-card login {card_login}")
    if not disk["ok"]:
        causes.append(f"low disk space: {disk['free_mb']} MB free, below {disk['min_free_mb']} MB")
    if database != "ok":
        causes.insert(0, f"database {database.replace('_', ' ')}")
    status = "down" if database != "ok" else ("degraded" if causes else "ok")
    body = {"status": status, "site": config.site_id, "database": database, "disk": disk,
            "safe_mode": bool(config.safe_mode), "card_login": card_login, "causes": causes,
            "plugins": plugins, "devices": devices}
    return body, 503 if database != "ok" else 200


def console_causes(station: Any) -> list[dict[str, Any]]:
    """Why the station is not fully well, for the console's overview, most serious first.

    Each cause is ``{"kind": ..., **facts}``: ``database`` (``state``: ``read_only``,
    ``disk_full`` or ``unreachable``), ``disk_low`` (``free_mb``, ``min_free_mb``),
    ``device`` (``id``, ``kind``, ``status``, ``reason``: a device an enabled plugin needs and
    that is not ready) and ``plugin_failed`` (``id``). The console words them in the staff
    member's language.
    """
    causes: list[dict[str, Any]] = []
    database = database_state()
    if database != "ok":
        causes.append({"kind": "database", "state": database})
    disk = disk_state(station.config)
    if not disk["ok"]:
        causes.append({"kind": "disk_low", "free_mb": disk["free_mb"], "min_free_mb": disk["min_free_mb"]})
    statuses = station.devices.statuses()
    needed: set[str] = set()
    for record in station.plugins.records.values():
        if record.enabled and record.state.value == "failed":
            causes.append({"kind": "plugin_failed", "id": record.id})
        if record.enabled and record.manifest:
            needed.update(need["kind"] for need in record.manifest.devices)
    for device in statuses:
        if device["kind"] in needed and device["status"] != READY:
            causes.append({"kind": "device", "id": device["id"], "device_kind": device["kind"],
                           "status": device["status"], "reason": device["reason"]})
    return causes


def startup_notes(station: Any) -> list[str]:
    """What a manager must know at start-up (printed by ``station run``, shown as console banners):
    safe mode, and chip-card login being off for want of a CSCA certificate."""
    config = station.config
    notes = []
    if config.safe_mode:
        notes.append("SAFE MODE: only built-in plugins are loaded (started with --safe-mode or "
                     "[plugins] safe_mode = true)")
    card_login = card_login_state(config.home / config.identity["trust_store"])
    if card_login != "on":
        notes.append(f"chip-card login is OFF ({card_login.removeprefix('off: ')}): copy the national CSCA "
                     f"certificates into {config.home / config.identity['trust_store']} (docs/operations.md, "
                     "'Chip ID cards')")
    return notes
