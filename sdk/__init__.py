"""Citizen Station plugin SDK — the only package a plugin imports.

Versioned separately from the station (``API_VERSION``, semantic versioning); every change
is recorded in ``docs/sdk/CHANGELOG.md``. A plugin declares ``sdk = ">=1.0,<2"`` in its
manifest and the station refuses to load it when the range does not hold.

    from sdk import hookimpl, requires, public, Tile

    @hookimpl
    def register_routes(registrar):
        registrar.add_blueprint(bp)
"""

from __future__ import annotations

import pluggy

from core.audit.log import AuditReceipt, transaction
from core.db import BaseModel as Model
from core.errors import NotFoundError, PermissionDenied, StationError, UserInputError
from core.i18n import _, current_language, pick
from core.manifest import Manifest, ManifestSchema, parse_manifest
from core.ownership import get_owned
from core.permissions import public, requires
from core.plugin_context import PluginIdentityError
from core.station import StationInfo
from core.text import Text
from core.tiles import Panel, Tile
from sdk.accessors import (
    CitizenView,
    StaffView,
    audit,
    citizen_matches_id_number,
    current_citizen,
    current_plugin_id,
    current_staff,
    now,
    plugin_settings,
    verified_identity,
)
from sdk.privacy import (
    ConsentRequired,
    DataErased,
    DecryptionError,
    EncryptedJSONField,
    EncryptedTextField,
    PersonalDataModel,
    PlaintextRefused,
    PrivacyError,
    UndeclaredCategory,
    access_context,
    ensure_consent,
    has_consent,
    read_personal,
    record_read,
    require_consent,
)

#: The sdk version this station provides (semantic versioning); manifests declare a range.
API_VERSION = "1.5.0"

#: Marks a hook implementation: ``@hookimpl def home_tiles(citizen): ...`` (pluggy project
#: ``citizen_station``; the hooks are in the reference's "Hooks" page).
hookimpl = pluggy.HookimplMarker("citizen_station")

__all__ = [
    "ConsentRequired", "DataErased", "DecryptionError", "EncryptedJSONField", "EncryptedTextField",
    "PersonalDataModel", "PlaintextRefused", "PrivacyError", "UndeclaredCategory", "access_context",
    "ensure_consent", "has_consent", "read_personal", "record_read", "require_consent",
    "API_VERSION", "AuditReceipt", "PluginIdentityError", "citizen_matches_id_number", "verified_identity", "audit", "transaction", "CitizenView", "Manifest", "ManifestSchema", "Model", "NotFoundError", "Panel",
    "PermissionDenied", "StaffView", "StationError", "Tile", "UserInputError", "_", "current_citizen",
    "current_language", "get_owned", "current_plugin_id", "current_staff", "hookimpl", "now", "parse_manifest",
    "pick", "plugin_settings", "public", "requires", "StationInfo", "Text",
]
