"""Per-site plugin settings: manifest defaults, overridden by ``[plugin_settings.<id>]``."""

from __future__ import annotations

from typing import Any

from core.errors import UserInputError
from core.manifest import Manifest

_TYPES = {"string": str, "integer": int, "boolean": bool}


def resolve_settings(manifest: Manifest, site_values: dict[str, Any]) -> dict[str, Any]:
    """The plugin's effective settings; :class:`UserInputError` names a bad key."""
    declared = {s["name"]: s for s in manifest.settings}
    unknown = sorted(set(site_values) - set(declared))
    if unknown:
        raise UserInputError(f"plugin_settings.{manifest.id}.{unknown[0]}: not a setting of this plugin "
                             f"(known: {', '.join(sorted(declared)) or 'none'})")
    values = {}
    for name, spec in declared.items():
        value = site_values.get(name, spec["default"])
        expected = _TYPES[spec["type"]]
        if value is not None and (not isinstance(value, expected) or
                                  (expected is int and isinstance(value, bool))):
            raise UserInputError(f"plugin_settings.{manifest.id}.{name}: must be {spec['type']}")
        if expected is int and value is not None:
            if spec["minimum"] is not None and value < spec["minimum"]:
                raise UserInputError(f"plugin_settings.{manifest.id}.{name}: must be at least {spec['minimum']}")
            if spec["maximum"] is not None and value > spec["maximum"]:
                raise UserInputError(f"plugin_settings.{manifest.id}.{name}: must be at most {spec['maximum']}")
        values[name] = value
    return values


def check_with_schema(schema_class: Any, values: dict[str, Any], prefix: str) -> None:
    """Validate ``values`` with a plugin's ``settings_schema`` (a marshmallow schema or class);
    :class:`UserInputError` names ``prefix.<field>`` and the problem."""
    from marshmallow import ValidationError

    schema = schema_class() if isinstance(schema_class, type) else schema_class
    try:
        schema.load(values)
    except ValidationError as exc:
        field, problems = next(iter(exc.messages.items())) if isinstance(exc.messages, dict) else ("-", exc.messages)
        text = "; ".join(map(str, problems)) if isinstance(problems, list) else str(problems)
        raise UserInputError(f"{prefix}.{field}: {text}") from None
