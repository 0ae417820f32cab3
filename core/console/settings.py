"""Per-plugin settings edited in the manager console: form generation, validation, storage.

The effective settings of a plugin are its manifest defaults, overridden by
``[plugin_settings.<id>]`` in ``station.toml``, overridden by what a manager saved in the
console (table ``console_plugin_settings``, migrations component ``console``). Values are
checked against the manifest's ``[[settings]]`` and, when the plugin implements the
``settings_schema`` hook, against that marshmallow schema too. Saving is audited
(``plugin.settings``, setting names only) and takes effect for the next request.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import peewee
from marshmallow import ValidationError

from core import db
from core.audit.log import transaction
from core.db import BaseModel
from core.errors import UserInputError
from core.plugins import PluginRecord, State
from core.settings import resolve_settings

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class ConsolePluginSettings(BaseModel):
    """Settings of one plugin as last saved by a manager (JSON object)."""

    plugin_id = peewee.CharField(primary_key=True, max_length=64)
    values = peewee.TextField()
    changed_at = peewee.DoubleField()
    changed_by = peewee.CharField(max_length=128)

    class Meta:
        table_name = "console_plugin_settings"


def migrate_console_tables() -> None:
    """Create the console's own tables (component ``console``)."""
    db.migrate(db.load_migrations("console", MIGRATIONS))


def saved_values(plugin_id: str) -> dict[str, Any]:
    """What a manager saved for ``plugin_id`` (empty when nothing was saved)."""
    row = ConsolePluginSettings.get_or_none(ConsolePluginSettings.plugin_id == plugin_id)
    return json.loads(row.values) if row is not None else {}


def apply_saved_settings(station: Any) -> None:
    """At start: make saved console settings part of each plugin's effective settings.

    A saved value that no longer fits the manifest (the plugin was upgraded) is ignored
    with a warning, and the file/manifest values apply.
    """
    migrate_console_tables()
    for row in ConsolePluginSettings.select():
        record = station.plugins.records.get(row.plugin_id)
        if record is None or record.manifest is None:
            continue
        site = station.config.plugin_settings.get(record.id, {})
        try:
            station.settings[record.id] = resolve_settings(record.manifest, {**site, **json.loads(row.values)})
        except UserInputError as exc:
            log.warning("saved console settings of %s ignored: %s", record.id, exc)


def settings_fields(record: PluginRecord, current: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """The form fields for ``record``'s manifest settings with their current values."""
    fields = []
    for spec in record.manifest.settings if record.manifest else []:
        fields.append({"name": spec["name"], "type": spec["type"], "label": spec["label"].get(lang) or spec["label"]["vi"],
                       "value": current.get(spec["name"], spec["default"]), "default": spec["default"],
                       "minimum": spec["minimum"], "maximum": spec["maximum"]})
    return fields


def parse_settings_form(specs: list[dict[str, Any]], form: Any) -> dict[str, Any]:
    """Typed values from a submitted settings form (a checkbox absent means False).

    Raises :class:`UserInputError` naming the setting when a number is not a number.
    """
    values: dict[str, Any] = {}
    for spec in specs:
        name = spec["name"]
        raw = form.get(name)
        if spec["type"] == "boolean":
            values[name] = raw in ("on", "true", "1", "yes")
        elif spec["type"] == "integer":
            text = (raw or "").strip()
            if text == "" and spec["default"] is None:
                values[name] = None
                continue
            try:
                values[name] = int(text)
            except ValueError:
                raise UserInputError(f"{name}: must be a whole number") from None
        else:
            values[name] = (raw or "").strip()
    return values


def validate_with_hook(station: Any, record: PluginRecord, values: dict[str, Any]) -> None:
    """Run the plugin's ``settings_schema`` (if any) over ``values``; errors name the field."""
    if record.state is not State.ACTIVE:
        return
    schema_class = station.plugins.call_one(record.id, "settings_schema")
    if schema_class is None:
        return
    schema = schema_class() if isinstance(schema_class, type) else schema_class
    try:
        schema.load(values)
    except ValidationError as exc:
        field, problems = next(iter(exc.messages.items())) if isinstance(exc.messages, dict) else ("-", exc.messages)
        text = "; ".join(problems) if isinstance(problems, list) else str(problems)
        raise UserInputError(f"{field}: {text}") from None


def save_settings(station: Any, record: PluginRecord, form: Any, actor: str) -> dict[str, Any]:
    """Validate and store the submitted settings of ``record``; returns the effective settings."""
    if record.manifest is None or not record.manifest.settings:
        raise UserInputError(f"plugin {record.id} has no settings")
    values = parse_settings_form(record.manifest.settings, form)
    return store_settings(station, record, values, actor)


def store_settings(station: Any, record: PluginRecord, values: dict[str, Any], actor: str) -> dict[str, Any]:
    """Check typed ``values`` (manifest rules and the plugin's ``settings_schema``), store them
    as the site's saved settings of ``record`` (audited) and make them live; returns the
    effective settings. Used by the console form and by the hub's desired configuration."""
    if record.manifest is None or not record.manifest.settings:
        raise UserInputError(f"plugin {record.id} has no settings")
    site = station.config.plugin_settings.get(record.id, {})
    effective = resolve_settings(record.manifest, {**site, **values})
    validate_with_hook(station, record, effective)
    now = station.clock()
    with transaction():
        (ConsolePluginSettings.insert(plugin_id=record.id, values=json.dumps(values, sort_keys=True),
                                      changed_at=now, changed_by=actor)
         .on_conflict(conflict_target=[ConsolePluginSettings.plugin_id],
                      update={ConsolePluginSettings.values: json.dumps(values, sort_keys=True),
                              ConsolePluginSettings.changed_at: now, ConsolePluginSettings.changed_by: actor})
         .execute())
        station.audit.record("plugin.settings", actor=actor, object_ref=f"plugin:{record.id}",
                             details={"changed": sorted(values)})
    # the dict handed to the plugin at startup is updated in place: new requests see it
    live = station.settings.setdefault(record.id, {})
    live.clear()
    live.update(effective)
    return effective
