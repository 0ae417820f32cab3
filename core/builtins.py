"""The core's own features on the plugin contract: their manifests and declared permissions.

Payments, "my data" and the console declare their permissions in a ``manifest.toml`` next
to their code, read and validated exactly like a plugin's; the permission policy merges
them with the plugins', so a site's ``[roles]`` table governs every page the same way.
Their ids are reserved: no plugin may take one.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from core.manifest import Manifest, load_manifest

CORE = Path(__file__).resolve().parent
CORE_FEATURE_MANIFESTS = {
    "console": CORE / "console" / "manifest.toml",
    "payments": CORE / "payments" / "manifest.toml",
    "privacy": CORE / "privacy" / "manifest.toml",
    "records": CORE / "records" / "manifest.toml",
}
RESERVED_IDS = frozenset(CORE_FEATURE_MANIFESTS) | {"core", "station"}

STATION_DISTRIBUTION = "citizen-station"
"""The distribution the station ships in: a plugin whose entry point it declares is built-in."""

SAFE_MODE_PLUGINS = frozenset({"admin", "banking", "healthcare", "security", "traffic", "utilities"})
"""The plugins ``--safe-mode`` loads: these ids, when built-in (declared by the station's own
distribution). Nothing else is loaded in safe mode, wherever it is installed."""


@cache
def core_manifests() -> tuple[Manifest, ...]:
    """The validated manifests of the core's features (read once per process)."""
    return tuple(load_manifest(path) for path in CORE_FEATURE_MANIFESTS.values())


def core_permissions() -> list[dict[str, Any]]:
    """Every permission the core's features define (for the permission policy)."""
    return [permission for manifest in core_manifests() for permission in manifest.permissions]
