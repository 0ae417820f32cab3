"""Helpers of the healthcare plugin tests (a module of its own: test modules import it, and
``conftest`` is a shared module name across test folders)."""

from __future__ import annotations

import json
import secrets
from typing import Any

from sdk.testing import audit_entries as sdk_audit_entries

#: Fast simulator query and driver options per kind (as tests/hal/conftest.py FAST).
FAST = {
    "pulse_oximeter": ("search_s=0.05", {"stable_frames": 10, "finger_out_grace": 0.2, "measure_timeout": 2.0}),
    "blood_pressure": ("inflate_s=0.05", {"measure_timeout": 2.0, "answer_timeout": 0.3}),
    "scale": ("settle_s=0.15", {"measure_timeout": 2.0, "poll_interval": 0.02, "answer_timeout": 0.3}),
    "height_rod": ("measure_s=0.05", {"measure_timeout": 1.0, "answer_timeout": 0.3}),
    "thermometer": ("measure_s=0.05", {"measure_timeout": 1.0, "answer_timeout": 0.3}),
}
AN, NGOC, MINH, HA, DUNG = 0, 1, 2, 3, 5


def device_entry(kind: str, profile: str = "ok", **options: Any) -> dict[str, Any]:
    """A station.toml device entry on a fresh simulator instance of ``kind``."""
    query = "&".join([f"profile={profile}", FAST[kind][0], f"instance={secrets.token_hex(4)}",
                      *(f"{k}={v}" for k, v in options.items())])
    return {"id": f"{kind}-1", "kind": kind, "url": f"sim://{kind}?{query}", "make": "SimMed",
            "model": f"{kind.replace('_', '-')}-sim", "serial": "SN-0001", "options": dict(FAST[kind][1])}


def all_devices(**profiles: Any) -> list[dict[str, Any]]:
    """Every screening device; ``profiles`` override per kind, e.g. ``pulse_oximeter="finger_out"``
    or ``blood_pressure=("ok", {"systolic": 185})``; ``None`` leaves the device out."""
    out = []
    for kind in FAST:
        choice = profiles.get(kind, "ok")
        if choice is None:
            continue
        profile, options = choice if isinstance(choice, tuple) else (choice, {})
        out.append(device_entry(kind, profile, **options))
    return out


def audit_entries(app: Any) -> list[str]:
    """The station's audit entries (``sdk.testing.audit_entries``) as compact JSON text, for
    substring assertions."""
    return [json.dumps({k: v for k, v in entry.items() if k != "index"}, ensure_ascii=False,
                       separators=(",", ":"), sort_keys=True) for entry in sdk_audit_entries(app)]
