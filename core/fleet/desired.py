"""Desired configuration from the fleet hub: pull, verify, check, apply, audit, report.

The hub sends the station a C2SP signed note (see ``hub/desired_config.py``) made with its
configuration key, which the station learnt at enrolment. The station refuses a note that
is not signed by that key, that names another station, or whose version is not newer than
the one it applied (a replay). The document is then checked with the same rules as
``station.toml``: known plugins that can run, settings against each plugin's manifest and
``settings_schema``, the public URL's form. Nothing is changed unless every part passes;
then plugin switches and settings are applied exactly as the console applies them (each
audited), the whole change is audited as ``hub.config.applied`` with its diff, and the
result (applied, or refused with the reasons) goes back to the hub through the outbox.

Precedence: what the hub sets overrides ``station.toml`` and earlier console changes for
the same key; keys the hub does not set stay as the site has them.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

import peewee
from marshmallow import ValidationError

from core.audit.api import os_actor
from core.audit.log import transaction
from core.audit.note import NoteError, parse_verifier_key, verify_note
from core.errors import UserInputError
from core.fleet.models import HubDesiredConfig

log = logging.getLogger(__name__)
NOTE_HEADER = "citizen-station/hub-config/v1"
ACTOR = "hub"


@dataclass
class ConfigOutcome:
    """What became of one pull: ``unchanged``, ``applied`` or ``refused`` (with problems)."""

    status: str
    version: int = 0
    changes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def state() -> HubDesiredConfig:
    """The station's row (created empty on first use)."""
    row = HubDesiredConfig.get_or_none(HubDesiredConfig.id == 1)
    return row if row is not None else HubDesiredConfig.create(id=1)


def remember_config_key(config_key: str | None) -> None:
    """Keep the hub's configuration key given at enrolment (a new enrolment replaces it)."""
    if config_key:
        parse_verifier_key(config_key)
    HubDesiredConfig.delete().execute()
    HubDesiredConfig.create(id=1, config_key=config_key or None)


def open_note(note: str, config_key: str, station_id: str) -> tuple[int, dict[str, Any]]:
    """Verify the hub's note and return (version, document); :class:`UserInputError` otherwise."""
    try:
        verified = verify_note(note, [parse_verifier_key(config_key)])
    except NoteError as error:
        raise UserInputError(f"the configuration is not signed by this hub's configuration key ({error})") from None
    lines = verified.text.split("\n")
    if len(lines) < 4 or lines[0] != NOTE_HEADER:
        raise UserInputError("the hub sent a configuration in an unknown format")
    if lines[1] != station_id:
        raise UserInputError("the hub sent another station's configuration")
    if not lines[2].isdigit():
        raise UserInputError("the configuration has no version")
    try:
        document = json.loads(lines[3])
    except ValueError:
        raise UserInputError("the configuration is not valid JSON") from None
    if not isinstance(document, dict):
        raise UserInputError("the configuration is not a JSON object")
    return int(lines[2]), document


def check(station: Any, document: dict[str, Any]) -> list[str]:
    """Every reason the document cannot be applied on this station (empty: it can)."""
    from core.config import _ServerSchema
    from core.plugins import State
    from core.settings import check_with_schema, resolve_settings

    problems: list[str] = []
    unknown_keys = sorted(set(document) - {"plugins", "plugin_settings", "opening_hours", "public_url"})
    problems += [f"{key}: not something a hub can set" for key in unknown_keys]
    records = station.plugins.records
    switches = document.get("plugins") or {}
    for plugin_id in switches.get("enabled", []) + switches.get("disabled", []):
        if plugin_id not in records:
            problems.append(f"plugins: no plugin {plugin_id!r} on this station")
    for plugin_id in switches.get("enabled", []):
        record = records.get(plugin_id)
        if record is not None and record.state in (State.INVALID, State.INCOMPATIBLE, State.MISSING_DEVICE):
            problems.append(f"plugins: {plugin_id} cannot run here ({'; '.join(record.reasons)})")
    for plugin_id, values in (document.get("plugin_settings") or {}).items():
        record = records.get(plugin_id)
        if record is None or record.manifest is None:
            problems.append(f"plugin_settings: no plugin {plugin_id!r} on this station")
            continue
        try:
            resolved = resolve_settings(record.manifest,
                                        {**station.config.plugin_settings.get(plugin_id, {}), **values})
            if record.state is State.ACTIVE:
                schema = station.plugins.call_one(plugin_id, "settings_schema")
                if schema is not None:
                    check_with_schema(schema, resolved, f"plugin_settings.{plugin_id}")
        except UserInputError as error:
            problems.append(str(error))
    if "public_url" in document:
        try:
            _ServerSchema().load({"public_url": document["public_url"]})
        except ValidationError as error:
            problems.append(f"public_url: {'; '.join(map(str, error.messages.get('public_url', [])))}")
    return problems


def apply(station: Any, version: int, document: dict[str, Any], etag: str | None) -> ConfigOutcome:
    """Check and apply a verified document (nothing changes when any check fails)."""
    from core.console.settings import store_settings

    row = state()
    if version <= row.version:
        return ConfigOutcome("unchanged", row.version)
    problems = check(station, document)
    now = station.clock()
    if problems:
        with transaction():
            HubDesiredConfig.update(checked_at=now, status="refused", etag=etag,
                                    problems=json.dumps(problems, ensure_ascii=False)).where(
                HubDesiredConfig.id == 1).execute()
            station.audit.record("hub.config.refused", actor=ACTOR, object_ref=f"hub-config:{version}",
                                 outcome="failed", details={"problems": problems[:10]})
        return ConfigOutcome("refused", version, problems=problems)
    changes = _diff(json.loads(row.document or "{}"), document)
    with transaction():
        records = station.plugins.records
        switches = document.get("plugins") or {}
        for plugin_id in switches.get("enabled", []):
            if not records[plugin_id].enabled:
                station.plugins.set_enabled(plugin_id, True, actor=ACTOR)
        for plugin_id in switches.get("disabled", []):
            if records[plugin_id].enabled:
                station.plugins.set_enabled(plugin_id, False, actor=ACTOR)
        for plugin_id, values in (document.get("plugin_settings") or {}).items():
            store_settings(station, records[plugin_id], values, actor=ACTOR)
        HubDesiredConfig.update(version=version, etag=etag, document=json.dumps(document, sort_keys=True),
                                checked_at=now, status="applied", problems="[]").where(
            HubDesiredConfig.id == 1).execute()
        station.audit.record("hub.config.applied", actor=ACTOR, object_ref=f"hub-config:{version}",
                             details={"changes": changes[:50], "by": os_actor()})
    make_live(document)
    return ConfigOutcome("applied", version, changes=changes)


def make_live(document: dict[str, Any]) -> None:
    """Put the site values into the running app (public URL for links and QR codes)."""
    from flask import current_app, has_app_context

    if has_app_context() and document.get("public_url"):
        current_app.config["STATION_PUBLIC_URL"] = str(document["public_url"]).rstrip("/")
        current_app.config["STATION_OPENING_HOURS"] = document.get("opening_hours") or {}


def stored_overrides() -> dict[str, Any]:
    """The applied document's site values (public URL, opening hours); empty when none or
    before the station's database has the table."""
    try:
        row = HubDesiredConfig.get_or_none(HubDesiredConfig.id == 1)
    except peewee.DatabaseError:
        return {}
    if row is None or row.status == "none":
        return {}
    document = json.loads(row.document or "{}")
    return {key: document[key] for key in ("public_url", "opening_hours") if key in document}


def _diff(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    flat_before, flat_after = flatten_document(before), flatten_document(after)
    lines = []
    for key in sorted(set(flat_before) | set(flat_after)):
        if flat_before.get(key) != flat_after.get(key):
            lines.append(f"{key}: {json.dumps(flat_before.get(key), ensure_ascii=False)} → "
                         f"{json.dumps(flat_after.get(key), ensure_ascii=False)}")
    return lines


def flatten_document(document: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` → ``{"a.b": 1}`` (empty objects stay as values), for diffs."""
    flat: dict[str, Any] = {}
    for key, value in document.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict) and value:
            flat.update(flatten_document(value, path))
        else:
            flat[path] = value
    return flat
