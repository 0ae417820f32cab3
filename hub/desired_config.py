"""Desired configuration: what the hub wants each station to run, signed for the station.

A document may be set for the whole fleet (``fleet``), for a group of stations
(``group:<name>``, e.g. a ward) and for one station (``station:<id>``). A station's
effective document merges them in that order (later scopes win; ``plugin_settings`` merge
per plugin and per setting). What the station receives is a C2SP signed note made with the
hub's configuration key (``config.key``, given to the station at enrolment)::

    citizen-station/hub-config/v1
    <station id>
    <version>
    <canonical JSON of the effective document>

The version is the time (ms) of the newest change that applies to the station (a scope's
document or the station's groups), so it only grows and a station can refuse an older
document replayed to it. Every change is recorded in ``hub_events`` with the
staff member's name and a diff.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from core.audit.note import NoteSigner, sign_note
from core.errors import NotFoundError, UserInputError
from core.fleet.desired import flatten_document
from hub.db import ConfigReport, ConfigScope, GroupMember, Station, hub_database
from hub.events import record_event

NOTE_HEADER = "citizen-station/hub-config/v1"
_PLUGIN_ID = r"^[a-z][a-z0-9_]{0,63}$"
_HOURS = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-4]):[0-5][0-9]$")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SCOPE = re.compile(r"^(fleet|group:[A-Za-z0-9_.-]{1,64}|station:st-[0-9a-f]{16})$")


def _hours(value: str) -> bool:
    if value == "closed":
        return True
    if not _HOURS.match(value):
        return False
    start, end = value.split("-")
    return start < end


class _PluginsSchema(Schema):
    enabled = fields.List(fields.String(validate=validate.Regexp(_PLUGIN_ID)), load_default=list)
    disabled = fields.List(fields.String(validate=validate.Regexp(_PLUGIN_ID)), load_default=list)


class DesiredConfigSchema(Schema):
    """What a scope's document may hold (unknown keys are refused)."""

    plugins = fields.Nested(_PluginsSchema)
    plugin_settings = fields.Dict(
        keys=fields.String(validate=validate.Regexp(_PLUGIN_ID)),
        values=fields.Dict(keys=fields.String(validate=validate.Length(1, 64)),
                           values=fields.Raw(allow_none=True)))
    opening_hours = fields.Dict(keys=fields.String(validate=validate.OneOf(WEEKDAYS)), values=fields.String())
    public_url = fields.String(validate=validate.Regexp(
        r"^(https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?)?$",
        error="must be empty or an http(s) URL such as https://tram.example.vn"))


def validate_document(document: Any) -> dict[str, Any]:
    """The document, checked; :class:`UserInputError` names the first problem."""
    if not isinstance(document, dict):
        raise UserInputError("a configuration document is a JSON object")
    for day, hours in (document.get("opening_hours") or {}).items():
        if isinstance(hours, str) and not _hours(hours):
            raise UserInputError(f"opening_hours.{day}: opening hours are HH:MM-HH:MM (start before end) "
                                 "or 'closed'")
    for plugin_id, values in (document.get("plugin_settings") or {}).items():
        for name, value in (values or {}).items() if isinstance(values, dict) else ():
            if not isinstance(value, str | int | bool) and value is not None:
                raise UserInputError(f"plugin_settings.{plugin_id}.{name}: a setting is text, a number, "
                                     "true/false or null")
    try:
        checked = DesiredConfigSchema().load(document)
    except ValidationError as error:
        raise UserInputError(f"invalid configuration: {_first_problem(error.messages)}") from None
    plugins = checked.get("plugins")
    if plugins and set(plugins["enabled"]) & set(plugins["disabled"]):
        raise UserInputError("a plugin cannot be both enabled and disabled: "
                             f"{sorted(set(plugins['enabled']) & set(plugins['disabled']))[0]}")
    return checked


def _first_problem(messages: Any, path: str = "") -> str:
    if isinstance(messages, dict):
        key, value = next(iter(messages.items()))
        return _first_problem(value, f"{path}.{key}" if path else str(key))
    if isinstance(messages, list) and messages:
        return _first_problem(messages[0], path) if isinstance(messages[0], dict | list) else f"{path}: {messages[0]}"
    return f"{path}: {messages}"


def canonical(document: dict[str, Any]) -> str:
    """Sorted-key compact JSON: the same document always gives the same text (and ETag)."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def check_scope(scope: str) -> str:
    """``fleet``, ``group:<name>`` or ``station:<id>``; anything else is refused."""
    if not _SCOPE.match(scope):
        raise UserInputError("a scope is 'fleet', 'group:<name>' or 'station:<station id>'")
    if scope.startswith("station:") and Station.get_or_none(Station.id == scope.split(":", 1)[1]) is None:
        raise NotFoundError(f"no enrolled station {scope.split(':', 1)[1]}")
    return scope


def set_scope(scope: str, document: dict[str, Any], actor: str, now: float) -> list[str]:
    """Store the document of ``scope`` (validated) and audit it; returns the diff lines."""
    check_scope(scope)
    checked = validate_document(document)
    with hub_database.atomic():
        row = ConfigScope.select().where(ConfigScope.scope == scope).for_update().first()
        before = json.loads(row.document) if row is not None else {}
        changes = diff(before, checked)
        if not changes:
            return []
        if row is None:
            ConfigScope.create(scope=scope, document=canonical(checked), revision=1, updated_at=now,
                               updated_by=actor)
        else:
            ConfigScope.update(document=canonical(checked), revision=ConfigScope.revision + 1, updated_at=now,
                               updated_by=actor).where(ConfigScope.scope == scope).execute()
        record_event(actor, "config.set", scope, {"diff": changes}, now)
    return changes


def set_groups(station_id: str, groups: list[str], actor: str, now: float) -> None:
    """Make ``groups`` the station's groups (audited)."""
    check_scope(f"station:{station_id}")
    for name in groups:
        check_scope(f"group:{name}")
    with hub_database.atomic():
        GroupMember.delete().where(GroupMember.station_id == station_id).execute()
        for name in sorted(set(groups)):
            GroupMember.create(station_id=station_id, group_name=name)
        # the merged document changed: the station's own scope carries the new version
        scope = f"station:{station_id}"
        if not ConfigScope.update(revision=ConfigScope.revision + 1, updated_at=now, updated_by=actor).where(
                ConfigScope.scope == scope).execute():
            ConfigScope.create(scope=scope, document="{}", revision=1, updated_at=now, updated_by=actor)
        record_event(actor, "config.groups", f"station:{station_id}", {"groups": sorted(set(groups))}, now)


def scopes_for(station_id: str) -> list[str]:
    """The scopes that apply to a station, weakest first."""
    groups = [m.group_name for m in GroupMember.select().where(GroupMember.station_id == station_id)
              .order_by(GroupMember.group_name)]
    return ["fleet", *(f"group:{g}" for g in groups), f"station:{station_id}"]


def effective(station_id: str) -> tuple[int, dict[str, Any]]:
    """The station's merged document and its version (grows with every change that applies)."""
    scopes = scopes_for(station_id)
    rows = {r.scope: r for r in ConfigScope.select().where(ConfigScope.scope.in_(scopes))}
    merged: dict[str, Any] = {}
    version = 0
    for scope in scopes:
        row = rows.get(scope)
        if row is None:
            continue
        version = max(version, int(row.updated_at * 1000))
        merge_into(merged, json.loads(row.document))
    return version, merged


def merge_into(merged: dict[str, Any], document: dict[str, Any]) -> None:
    """Overlay ``document`` on ``merged``: plugin switches and settings merge per plugin."""
    for key, value in document.items():
        if key == "plugins":
            switches = merged.setdefault("plugins", {"enabled": [], "disabled": []})
            for plugin_id in value.get("enabled", []):
                _switch(switches, plugin_id, "enabled")
            for plugin_id in value.get("disabled", []):
                _switch(switches, plugin_id, "disabled")
        elif key in ("plugin_settings", "opening_hours"):
            target = merged.setdefault(key, {})
            for name, inner in value.items():
                if key == "plugin_settings":
                    target.setdefault(name, {}).update(inner)
                else:
                    target[name] = inner
        else:
            merged[key] = value


def _switch(switches: dict[str, list[str]], plugin_id: str, to: str) -> None:
    other = "disabled" if to == "enabled" else "enabled"
    if plugin_id in switches[other]:
        switches[other].remove(plugin_id)
    if plugin_id not in switches[to]:
        switches[to].append(plugin_id)
        switches[to].sort()


def signed_document(station_id: str, signer: NoteSigner) -> tuple[str, str]:
    """The station's configuration as a signed note, and its ETag."""
    version, document = effective(station_id)
    text = f"{NOTE_HEADER}\n{station_id}\n{version}\n{canonical(document)}\n"
    etag = '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'
    return sign_note(text, signer), etag


def record_report(station_id: str, body: dict[str, Any], now: float) -> None:
    """Keep what the station said about a configuration version (newest version wins)."""
    version, status = body.get("version"), body.get("status")
    problems = body.get("problems") or []
    if not isinstance(version, int) or status not in ("applied", "refused") or not isinstance(problems, list):
        raise UserInputError("a config report has an integer 'version', 'status' applied|refused and 'problems'")
    problems = [str(p)[:300] for p in problems[:20]]
    (ConfigReport.insert(station_id=station_id, version=version, status=status,
                         problems=json.dumps(problems, ensure_ascii=False), reported_at=now)
     .on_conflict(conflict_target=[ConfigReport.station_id],
                  update={ConfigReport.version: version, ConfigReport.status: status,
                          ConfigReport.problems: json.dumps(problems, ensure_ascii=False),
                          ConfigReport.reported_at: now},
                  where=(ConfigReport.version <= version))
     .execute())
    if status == "refused":
        from hub.service import alert_once

        alert_once(station_id, "config-refused", "the station refused its configuration: "
                    + "; ".join(problems)[:1500], now)


def diff(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Human-readable changes between two documents (``- key: old`` / ``+ key: new``)."""
    lines: list[str] = []
    flat_before, flat_after = flatten_document(before), flatten_document(after)
    for key in sorted(set(flat_before) | set(flat_after)):
        old, new = flat_before.get(key), flat_after.get(key)
        if old == new:
            continue
        if key in flat_before:
            lines.append(f"- {key}: {json.dumps(old, ensure_ascii=False)}")
        if key in flat_after:
            lines.append(f"+ {key}: {json.dumps(new, ensure_ascii=False)}")
    return lines
