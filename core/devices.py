"""The station's devices: the site inventory (HAL), need resolution for plugins, heartbeats.

The HAL does the work (``hal.inventory``); this module adapts the site configuration and
manifests to it and keeps one inventory per running station.
"""

from __future__ import annotations

from typing import Any

from core.errors import ConfigError
from hal.errors import HalError
from hal.inventory import DeviceNeed, Inventory, resolve_device_needs
from hal.monitor import HeartbeatMonitor


class StationDevices:
    """The site's device inventory, its drivers and the idle heartbeat."""

    def __init__(self, entries: tuple[dict[str, Any], ...], source: str = "station.toml") -> None:
        try:
            self.inventory = Inventory.from_entries([_hal_entry(e) for e in entries])
        except HalError as exc:
            raise ConfigError(source, "devices", str(exc)) from None
        self.monitor: HeartbeatMonitor | None = None

    def missing_reasons(self, needs: list[dict[str, Any]]) -> list[str]:
        """Why the *required* manifest needs are not met (empty when all are)."""
        result = resolve_device_needs([DeviceNeed(n["kind"], frozenset(n.get("capabilities", ())),
                                                  bool(n.get("required"))) for n in needs], self.inventory)
        return [r.reason for r in result.missing_required]

    def driver_for_kind(self, kind: str, capabilities: frozenset[str] = frozenset()) -> Any | None:
        """The best device of ``kind`` with ``capabilities`` (a HAL driver), or None."""
        result = resolve_device_needs([DeviceNeed(kind, capabilities, False)], self.inventory)
        device_id = result.resolutions[0].device_id
        return self.inventory.driver(device_id) if device_id else None

    def statuses(self) -> list[dict[str, Any]]:
        """Every device with its status and reason (no personal data)."""
        rows = []
        for descriptor in self.inventory:
            status, reason = self.inventory.status(descriptor.id)
            rows.append({"id": descriptor.id, "kind": descriptor.kind.value, "make": descriptor.make,
                         "model": descriptor.model, "url": descriptor.url, "status": status.value,
                         "reason": reason, "simulated": descriptor.url.startswith("sim://")})
        return rows

    def start(self) -> None:
        """Open every device and start the heartbeat (``station run``)."""
        self.inventory.open_all()
        self.monitor = HeartbeatMonitor([self.inventory.driver(d.id) for d in self.inventory])
        self.monitor.start()

    def probe_all(self) -> None:
        """Open every device once and probe it (``station devices list``)."""
        self.inventory.open_all()
        for descriptor in self.inventory:
            self.inventory.driver(descriptor.id).heartbeat()

    def stop(self) -> None:
        """Stop heartbeats and close the ports."""
        if self.monitor is not None:
            self.monitor.stop()
            self.monitor = None
        self.inventory.close_all()


def _hal_entry(entry: dict[str, Any]) -> dict[str, Any]:
    """Config entry → HAL entry (empty optional fields left out so HAL defaults apply)."""
    return {k: v for k, v in entry.items() if v not in ("", [], {}, None) or k in ("id", "kind", "url")}
