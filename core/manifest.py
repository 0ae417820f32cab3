"""Plugin manifests: the static ``manifest.toml`` read and validated before any plugin import.

A station manager can see what a plugin is and wants — permissions, devices, personal data
categories and their purposes — without running a line of its code.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)
from packaging.specifiers import InvalidSpecifier, SpecifierSet

from core.errors import ManifestError
from core.permissions import ROLES

CATEGORIES = ("administrative", "public_safety", "healthcare", "utilities", "traffic", "banking", "other")
DEVICE_KINDS = ("pulse_oximeter", "blood_pressure", "thermometer", "scale", "height_rod",
                "card_reader", "qr_scanner", "receipt_printer", "payment_terminal",
                "face_verifier", "document_scanner", "geiger_counter", "air_quality", "camera")
DATA_CATEGORIES = ("personal", "health", "biometric", "financial", "location")
SENSITIVE_CATEGORIES = frozenset({"health", "biometric", "financial", "location"})
ASSURANCE_LEVELS = ("none", "basic", "high")
PLUGIN_ID = validate.Regexp(r"^[a-z][a-z0-9_]{1,31}$",
                            error="must be 2-32 characters: a lower-case letter, then a-z, 0-9 or '_'")
PERMISSION_ID = validate.Regexp(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_.]*$",
                                error="must look like '<plugin id>.<action>', e.g. 'healthcare.screen'")


class _Bilingual(Schema):
    class Meta:
        unknown = RAISE

    vi = fields.String(required=True, validate=validate.Length(min=1, max=120))
    en = fields.String(required=True, validate=validate.Length(min=1, max=120))


class _Permission(Schema):
    class Meta:
        unknown = RAISE

    id = fields.String(required=True, validate=PERMISSION_ID)
    description = fields.Nested(_Bilingual, required=True)
    default_roles = fields.List(fields.String(validate=validate.OneOf(ROLES)), load_default=list)


class _DeviceNeed(Schema):
    class Meta:
        unknown = RAISE

    kind = fields.String(required=True, validate=validate.OneOf(DEVICE_KINDS))
    required = fields.Boolean(load_default=False)
    capabilities = fields.List(fields.String(), load_default=list)


class _DataUse(Schema):
    class Meta:
        unknown = RAISE

    category = fields.String(required=True, validate=validate.OneOf(DATA_CATEGORIES))
    purpose = fields.Nested(_Bilingual, required=True)


class _Setting(Schema):
    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]*$"))
    type = fields.String(required=True, validate=validate.OneOf(("string", "integer", "boolean")))
    default = fields.Raw(load_default=None)
    label = fields.Nested(_Bilingual, required=True)
    minimum = fields.Integer(load_default=None)
    maximum = fields.Integer(load_default=None)


class ManifestSchema(Schema):
    """Schema of ``manifest.toml``. Validation errors name the field."""

    class Meta:
        unknown = RAISE

    id = fields.String(required=True, validate=PLUGIN_ID)
    name = fields.Nested(_Bilingual, required=True)
    version = fields.String(required=True, validate=validate.Regexp(r"^\d+\.\d+\.\d+([.+-][0-9A-Za-z.+-]+)?$",
                                                                    error="must be a version like 1.2.0"))
    publisher = fields.String(required=True, validate=validate.Length(min=1, max=200))
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    sdk = fields.String(required=True)
    description = fields.Nested(_Bilingual, load_default=None)
    icon = fields.String(load_default="service")
    min_assurance = fields.String(load_default="high", validate=validate.OneOf(ASSURANCE_LEVELS))
    permissions = fields.List(fields.Nested(_Permission), load_default=list)
    devices = fields.List(fields.Nested(_DeviceNeed), load_default=list)
    data = fields.List(fields.Nested(_DataUse), load_default=list)
    settings = fields.List(fields.Nested(_Setting), load_default=list)

    @validates_schema
    def _check_consistency(self, data: dict[str, Any], **_: Any) -> None:
        try:
            SpecifierSet(data.get("sdk", ""))
        except InvalidSpecifier:
            raise ValidationError("must be a version range like '>=1.0,<2'", "sdk") from None
        plugin_id = data.get("id", "")
        for index, permission in enumerate(data.get("permissions", [])):
            if not permission["id"].startswith(plugin_id + "."):
                raise ValidationError(f"permission {permission['id']!r} must start with '{plugin_id}.'",
                                      f"permissions[{index}].id")
        names = [s["name"] for s in data.get("settings", [])]
        if len(names) != len(set(names)):
            raise ValidationError("setting names must be unique", "settings")

    @post_load
    def _build(self, data: dict[str, Any], **_: Any) -> Manifest:
        return Manifest(**data)


@dataclass(frozen=True)
class Manifest:
    """A validated plugin manifest."""

    id: str
    name: dict[str, str]
    version: str
    publisher: str
    category: str
    sdk: str
    description: dict[str, str] | None
    icon: str
    min_assurance: str
    permissions: list[dict[str, Any]]
    devices: list[dict[str, Any]]
    data: list[dict[str, Any]]
    settings: list[dict[str, Any]]

    def supports_sdk(self, api_version: str) -> bool:
        """True when the station's sdk version is inside the manifest's ``sdk`` range."""
        return SpecifierSet(self.sdk).contains(api_version, prereleases=True)

    @property
    def sensitive_data(self) -> list[str]:
        return [d["category"] for d in self.data if d["category"] in SENSITIVE_CATEGORIES]

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def load_manifest(path: Path) -> Manifest:
    """Read and validate a ``manifest.toml``; :class:`ManifestError` names the field."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError(str(path), "file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ManifestError(str(path), f"not valid TOML ({exc})") from None
    return parse_manifest(raw, str(path))


def parse_manifest(raw: dict[str, Any], source: str = "<manifest>") -> Manifest:
    """Validate an already parsed manifest mapping."""
    try:
        manifest = ManifestSchema().load(raw)
    except ValidationError as exc:
        raise ManifestError(source, exc.messages) from None
    return manifest
