"""The station's device inventory, as the plugin manager and the web shell see it.

Device needs from plugin manifests are resolved against the site's ``[[devices]]``
inventory by the HAL (``hal.inventory``); this module adapts the configuration to it.
"""

from __future__ import annotations

from typing import Any


def missing_device_reasons(needs: list[dict[str, Any]], inventory: tuple[dict[str, Any], ...]) -> list[str]:
    """Reasons why the *required* needs are not met by ``inventory`` (empty when all are)."""
    reasons = []
    for need in needs:
        if not need.get("required"):
            continue
        wanted = set(need.get("capabilities", []))
        candidates = [d for d in inventory if d["kind"] == need["kind"]]
        if not candidates:
            reasons.append(f"needs a {need['kind']} device: none in the site inventory")
        elif not any(wanted <= set(d.get("capabilities", [])) for d in candidates):
            reasons.append(f"needs a {need['kind']} device with {', '.join(sorted(wanted))}: "
                           f"{', '.join(d['id'] for d in candidates)} lack it")
    return reasons
