"""Enrolment, request authentication, station messages and alerts (no Flask here).

Every check-then-write is a single conditional statement or runs under a row lock, so any
number of hub processes can serve the same stations.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from typing import Any

from core.audit.note import NoteFormatError, parse_verifier_key
from core.errors import NotFoundError, PermissionDenied, UserInputError
from hub.db import Alert, EnrolmentCode, Station, StationMessage, WitnessedLog, hub_database

CODE_LIFETIME_SECONDS = 7 * 24 * 3600
MESSAGE_KINDS = ("heartbeat", "config_report", "usage", "stats", "observations")


class EnrolmentRefused(PermissionDenied):
    """The enrolment code is unknown, used or expired."""


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


def create_enrolment_code(now: float, label: str = "", lifetime: float = CODE_LIFETIME_SECONDS) -> str:
    """Make a one-time enrolment code; only its hash is stored.

    Base32 (A–Z, 2–7; 120 bits): a manager reads it off the console and types it at the
    station, and it never starts with "-" (a URL-safe token sometimes did, and ``station hub
    enrol URL -2…`` then read the code as an option)."""
    code = base64.b32encode(secrets.token_bytes(15)).decode()
    EnrolmentCode.create(code_hash=_code_hash(code), label=label[:128], created_at=now, expires_at=now + lifetime)
    return code


def enrol_station(code: str, site_id: str, verifier_key: str, now: float) -> Station:
    """Spend ``code`` and register the station's audit verifier key; one transaction.

    The code is claimed by one conditional UPDATE, so two hub processes can never spend it
    twice. The key's name is the station's audit-log origin, witnessed from now on.
    """
    try:
        key = parse_verifier_key(verifier_key)
    except NoteFormatError as error:
        raise UserInputError(f"verifier key: {error}") from None
    if not site_id or len(site_id) > 64:
        raise UserInputError("site_id must be 1-64 characters")
    station_id = "st-" + secrets.token_hex(8)
    with hub_database.atomic():
        claimed = (EnrolmentCode.update(used_at=now, station_id=station_id)
                   .where(EnrolmentCode.code_hash == _code_hash(code), EnrolmentCode.used_at.is_null(),
                          EnrolmentCode.expires_at > now).execute())
        if claimed != 1:
            raise EnrolmentRefused("this enrolment code is unknown, already used or expired")
        existing = Station.get_or_none(Station.origin == key.name)
        if existing is not None and existing.revoked_at is None:
            raise UserInputError("a station with this audit log is already enrolled; revoke it first")
        if existing is not None:
            raise UserInputError("this audit log belonged to a revoked station; it cannot enrol again")
        station = Station.create(id=station_id, site_id=site_id, origin=key.name, verifier_key=key.encode(),
                                 public_key=key.public_key, enrolled_at=now)
        WitnessedLog.create(origin=key.name, station_id=station_id, size=0, root=None, updated_at=now)
    return station


def station_public_key(station_id: str) -> bytes | None:
    """The Ed25519 key of an enrolled, unrevoked station (for request signatures)."""
    row = (Station.select(Station.public_key)
           .where(Station.id == station_id, Station.revoked_at.is_null()).first())
    return bytes(row.public_key) if row is not None else None


def revoke_station(station_id: str, now: float) -> None:
    """Refuse every later request signed by this station's key."""
    if not Station.update(revoked_at=now).where(Station.id == station_id, Station.revoked_at.is_null()).execute():
        raise NotFoundError(f"no enrolled station {station_id}")


def receive_message(station_id: str, message: dict[str, Any], now: float) -> bool:
    """Store one outbox message; returns False when it was already received (a replay).

    The message id is unique per station in the database, so a replay, even on another hub
    process at the same moment, changes nothing. A heartbeat older than the stored health
    (an outbox replayed late) does not overwrite it.
    """
    message_id, kind = message.get("id"), message.get("kind")
    created, body = message.get("created"), message.get("body")
    if not isinstance(message_id, str) or not 8 <= len(message_id) <= 64:
        raise UserInputError("message id must be a string of 8-64 characters")
    if kind not in MESSAGE_KINDS:
        raise UserInputError(f"unknown message kind {kind!r}")
    if not isinstance(created, int | float) or not isinstance(body, dict):
        raise UserInputError("a message has a numeric 'created' and an object 'body'")
    with hub_database.atomic():
        inserted = (StationMessage.insert(station_id=station_id, message_id=message_id, kind=kind,
                                          created=float(created), received_at=now)
                    .on_conflict_ignore().execute())
        fresh = inserted is not None  # PostgreSQL: RETURNING id, nothing when the row existed
        if fresh and kind == "heartbeat":
            previous = Station.select(Station.health).where(Station.id == station_id).scalar()
            health = json.dumps(_clean_health(body), ensure_ascii=False, sort_keys=True)
            newest = (Station.update(health=health, health_at=float(created))
                      .where(Station.id == station_id,
                             (Station.health_at.is_null()) | (Station.health_at < float(created))).execute())
            if newest:
                check_reported_log(station_id, body.get("checkpoint"), now)
                before = (json.loads(previous) if previous else {}).get("devices")
                check_devices(station_id, before, body.get("devices"), now)
                from hub.supply.rollout import on_heartbeat

                touch(station_id, now)  # heard from now, before its rollout stage is judged
                on_heartbeat(station_id, now)
        elif fresh and kind == "usage":
            store_usage(station_id, body, float(created))
        elif fresh and kind == "observations":
            store_observations(station_id, body, now)
        elif fresh and kind == "stats":
            from hub.open_data import store_counts

            store_counts(station_id, body, float(created))
        elif fresh and kind == "config_report":
            from hub.desired_config import record_report

            record_report(station_id, body, now)
        touch(station_id, now)
    return fresh


def store_observations(station_id: str, body: dict[str, Any], now: float) -> int:
    """Keep the station's environmental observations (each once); alert on a value over the
    station's threshold. Returns how many were new."""
    from hub.db import Observation

    rows = body.get("observations")
    if not isinstance(rows, list) or len(rows) > 5000:
        raise UserInputError("observations: a list of at most 5000")
    added = 0
    for row in rows:
        if not (isinstance(row, dict) and all(isinstance(row.get(k), str) for k in ("sensor", "quantity", "unit"))
                and isinstance(row.get("time"), int | float) and isinstance(row.get("value"), int | float)):
            raise UserInputError("observations: each has sensor, quantity, unit, time and value")
        inserted = (Observation.insert(station_id=station_id, sensor=row["sensor"][:40], quantity=row["quantity"][:40],
                                       unit=row["unit"][:40], phenomenon_time=float(row["time"]),
                                       value=float(row["value"]), received=now)
                    .on_conflict_ignore().execute())
        added += inserted is not None
        if row.get("exceeds") is True:
            alert_once(station_id, f"env:{row['quantity'][:28]}",
                       f"{row['sensor'][:40]}: {row['quantity'][:40]} = {float(row['value']):g} {row['unit'][:40]} "
                       "is over the station's warning threshold", now)
    return added


def store_usage(station_id: str, body: dict[str, Any], created: float) -> None:
    """Keep the station's newest usage counts (a late replay of older ones changes nothing)."""
    from hub.db import StationUsage

    days, transactions = body.get("days"), body.get("transactions")
    if not isinstance(days, list) or not isinstance(transactions, dict) or len(days) > 62 or not all(
            isinstance(values, list) and len(values) == len(days) and all(isinstance(v, int) for v in values)
            for values in transactions.values()):
        raise UserInputError("usage: 'days' and per-plugin counts of the same length")
    clean = {"days": [str(d)[:10] for d in days], "transactions": {str(k)[:64]: v for k, v in transactions.items()},
             "screenings": [int(v) for v in body.get("screenings") or []][:len(days)],
             "payments": {str(k)[:16]: int(v) for k, v in (body.get("payments") or {}).items()}}
    (StationUsage.insert(station_id=station_id, body=json.dumps(clean), created=created)
     .on_conflict(conflict_target=[StationUsage.station_id],
                  update={StationUsage.body: json.dumps(clean), StationUsage.created: created},
                  where=(StationUsage.created < created))
     .execute())


def _clean_health(body: dict[str, Any]) -> dict[str, Any]:
    """Keep the health fields the hub understands (no personal data is ever sent)."""
    allowed = ("version", "plugins", "devices", "disk", "checkpoint", "site_id", "site", "unsigned_allowed")
    return {key: body[key] for key in allowed if key in body}


def check_reported_log(station_id: str, checkpoint: Any, now: float) -> None:
    """Alert when the station's current audit log is smaller than what the witness cosigned
    (a rolled-back log), or has another root at the cosigned size (a fork).

    Only the newest heartbeat is checked, so a late replay of an old one raises nothing.
    """
    if not isinstance(checkpoint, dict) or not isinstance(checkpoint.get("size"), int):
        return
    log = WitnessedLog.get_or_none(WitnessedLog.station_id == station_id)
    if log is None or log.size == 0:
        return
    size, root = checkpoint["size"], checkpoint.get("root")
    if size < log.size:
        alert_once(station_id, "audit-rollback", f"the station reports an audit log of {size} entries after the "
                    f"witness cosigned {log.size}: its log was rolled back", now)
    elif size == log.size and isinstance(root, str) and log.root is not None \
            and root != base64.b64encode(bytes(log.root)).decode():
        alert_once(station_id, "audit-fork", f"the station reports another root for size {size} than the one "
                    "the witness cosigned: its log forked", now)


#: device states that need someone at the station (hal.model.Status)
TROUBLE_STATES = ("NOT_READY", "ERROR")


def check_devices(station_id: str, before: Any, devices: Any, now: float) -> None:
    """Alert when a device gets into trouble (paper out, unplugged, failed) or its reason
    changes; close the device's open alert by itself when it is ready again. Only changes
    alert, so an acknowledged alert does not come back with every heartbeat."""
    if not isinstance(devices, dict):
        return
    before = before if isinstance(before, dict) else {}
    for device_id, info in sorted(devices.items()):
        if not isinstance(info, dict):
            continue
        kind = f"device:{str(device_id)[:25]}"
        old = before.get(device_id) if isinstance(before.get(device_id), dict) else {}
        if info.get("status") in TROUBLE_STATES:
            if (old.get("status"), old.get("reason")) != (info.get("status"), info.get("reason")):
                reason = str(info.get("reason") or "")[:200]
                alert_once(station_id, kind, f"{str(info.get('kind', ''))[:32]} {str(device_id)[:64]}: "
                           f"{info['status']} {reason}".strip(), now)
        elif old.get("status") in TROUBLE_STATES:
            Alert.update(acknowledged_at=now, acknowledged_by="(thiết bị đã sẵn sàng / device ready)").where(
                Alert.station_id == station_id, Alert.kind == kind, Alert.acknowledged_at.is_null()).execute()


def sweep_offline(now: float, offline_after: float = 600.0) -> int:
    """Open an ``offline`` alert for every enrolled station silent for ``offline_after``
    seconds (once, until acknowledged); returns how many were opened. Safe to run from any
    number of hub processes: a duplicate is only a second open alert of the same kind, which
    the check below makes rare, and harmless."""
    opened = 0
    silent = Station.select(Station.id, Station.last_seen).where(
        Station.revoked_at.is_null(), Station.last_seen.is_null(False), Station.last_seen < now - offline_after)
    for station in silent:
        minutes = int((now - station.last_seen) // 60)
        if alert_once(station.id, "offline", f"no word from the station for {minutes} minutes", now):
            opened += 1
    return opened


def _back_online(station_id: str, now: float) -> None:
    """The station spoke again: its open ``offline`` alert closes by itself."""
    Alert.update(acknowledged_at=now, acknowledged_by="(trạm đã kết nối lại / back online)").where(
        Alert.station_id == station_id, Alert.kind == "offline", Alert.acknowledged_at.is_null()).execute()


def alert_once(station_id: str, kind: str, message: str, now: float) -> bool:
    """Open an alert unless one of the same kind is open for the station; True if opened."""
    if Alert.select().where(Alert.station_id == station_id, Alert.kind == kind,
                            Alert.acknowledged_at.is_null()).exists():
        return False
    raise_alert(station_id, kind, message, now)
    return True


def touch(station_id: str, now: float) -> None:
    """Record that the station was heard from (and close its ``offline`` alert)."""
    Station.update(last_seen=now).where(Station.id == station_id).execute()
    _back_online(station_id, now)


def raise_alert(station_id: str, kind: str, message: str, now: float) -> None:
    """Open an alert for staff (outside the caller's transaction, so a refusal still records it)."""
    Alert.create(station_id=station_id, kind=kind, message=message[:2000], created_at=now)


def acknowledge_alert(alert_id: int, username: str, now: float) -> None:
    """Mark an alert as seen by ``username`` (recorded in the hub's audit trail)."""
    from hub.events import record_event

    with hub_database.atomic():
        if not Alert.update(acknowledged_at=now, acknowledged_by=username).where(
                Alert.id == alert_id, Alert.acknowledged_at.is_null()).execute():
            raise NotFoundError("no open alert with this id")
        record_event(username, "alert.acknowledge", f"alert:{alert_id}", {}, now)


def _coordinate(value: Any, limit: float) -> float | None:
    return float(value) if isinstance(value, int | float) and -limit <= value <= limit else None


def fleet_overview(now: float, offline_after: float = 300.0) -> list[dict[str, Any]]:
    """Every station with last seen, online state, health and devices needing attention."""
    open_alerts: dict[str, int] = {}
    for alert in Alert.select(Alert.station_id).where(Alert.acknowledged_at.is_null()):
        open_alerts[alert.station_id] = open_alerts.get(alert.station_id, 0) + 1
    from hub.db import ConfigReport

    reports = {r.station_id: r for r in ConfigReport.select()}
    rows = []
    for station in Station.select().order_by(Station.site_id):
        health = json.loads(station.health) if station.health else {}
        devices = health.get("devices") or {}
        attention = [{"id": device_id, "status": info.get("status"), "reason": info.get("reason", "")}
                     for device_id, info in sorted(devices.items())
                     if isinstance(info, dict) and info.get("status") in TROUBLE_STATES]
        site = health.get("site") if isinstance(health.get("site"), dict) else {}
        rows.append({"id": station.id, "site_id": station.site_id, "revoked": station.revoked_at is not None,
                     "name": str(site.get("name_vi") or ""), "province": str(site.get("province") or ""),
                     "ward": str(site.get("ward") or ""), "latitude": _coordinate(site.get("latitude"), 90),
                     "longitude": _coordinate(site.get("longitude"), 180),
                     "last_seen": station.last_seen,
                     "online": station.last_seen is not None and now - station.last_seen <= offline_after,
                     "version": health.get("version"), "plugins": health.get("plugins") or {},
                     "unsigned_allowed": bool(health.get("unsigned_allowed")),
                     "unsigned_plugins": sorted(pid for pid, p in (health.get("plugins") or {}).items()
                                                if isinstance(p, dict) and p.get("signed") is False
                                                and p.get("state") == "active"),
                     "disk": health.get("disk"), "checkpoint": health.get("checkpoint"),
                     "attention": attention, "alerts": open_alerts.get(station.id, 0),
                     "config": ({"version": reports[station.id].version, "status": reports[station.id].status}
                                if station.id in reports else None)})
    return rows

