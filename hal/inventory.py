"""The site's device inventory: config entries -> devices; plugin needs -> devices or reasons.

An inventory entry is a plain dict as it comes from ``station.toml``'s ``[[devices]]``::

    {"id": "bp1", "kind": "blood_pressure", "url": "sim://blood_pressure",
     "make": "...", "model": "...", "serial": "...", "firmware": "...",
     "capabilities": ["systolic", "diastolic", "pulse"], "options": {...}}

``id``, ``kind`` and ``url`` are required. Without ``capabilities`` the kind's defaults
apply (see each driver's ``default_capabilities``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hal.drivers import driver_for
from hal.drivers.base import Driver
from hal.errors import InventoryError
from hal.model import DeviceDescriptor, DeviceKind, Status

_KNOWN_KEYS = {"id", "kind", "url", "make", "model", "serial", "firmware", "capabilities",
               "options"}
#: Statuses in which a device can serve a need (CONNECTING: not probed yet).
_USABLE = (Status.READY, Status.BUSY, Status.CONNECTING)


def descriptor_from_entry(entry: Mapping[str, Any], position: int = 0) -> DeviceDescriptor:
    """One validated descriptor; InventoryError naming the entry and field otherwise."""
    where = f"device #{position + 1}" + (f" ({entry['id']!r})" if isinstance(entry, Mapping)
                                         and isinstance(entry.get("id"), str) else "")
    if not isinstance(entry, Mapping):
        raise InventoryError(f"{where}: must be a table of fields")
    unknown = set(entry) - _KNOWN_KEYS
    if unknown:
        raise InventoryError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    for key in ("id", "kind", "url"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise InventoryError(f"{where}: '{key}' is required and must be a text")
    try:
        kind = DeviceKind(entry["kind"])
    except ValueError:
        known = ", ".join(k.value for k in DeviceKind)
        raise InventoryError(f"{where}: unknown kind {entry['kind']!r} (known: {known})") from None
    for key in ("make", "model", "serial", "firmware"):
        if key in entry and not isinstance(entry[key], str):
            raise InventoryError(f"{where}: '{key}' must be a text")
    capabilities = entry.get("capabilities", [])
    if not isinstance(capabilities, list | tuple) or not all(
            isinstance(c, str) for c in capabilities):
        raise InventoryError(f"{where}: 'capabilities' must be a list of texts")
    options = entry.get("options", {})
    if not isinstance(options, Mapping):
        raise InventoryError(f"{where}: 'options' must be a table")
    return DeviceDescriptor(
        id=entry["id"], kind=kind, url=entry["url"], make=entry.get("make", ""),
        model=entry.get("model", ""), serial=entry.get("serial", ""),
        firmware=entry.get("firmware", ""), capabilities=frozenset(capabilities),
        options=dict(options))


class Inventory:
    """The devices of one site, with their drivers (created on demand, not opened)."""

    def __init__(self, descriptors: Iterable[DeviceDescriptor], **driver_kwargs: Any) -> None:
        self.descriptors: dict[str, DeviceDescriptor] = {}
        for descriptor in descriptors:
            if descriptor.id in self.descriptors:
                raise InventoryError(f"device id {descriptor.id!r} is listed twice")
            self.descriptors[descriptor.id] = descriptor
        self._driver_kwargs = driver_kwargs
        self._drivers: dict[str, Driver] = {}

    @classmethod
    def from_entries(cls, entries: Iterable[Mapping[str, Any]], **driver_kwargs: Any
                     ) -> Inventory:
        """Build from config entries (see module docstring)."""
        if isinstance(entries, Mapping | str | bytes):
            raise InventoryError("the device inventory must be a list of device tables")
        return cls([descriptor_from_entry(e, i) for i, e in enumerate(entries)],
                   **driver_kwargs)

    def __iter__(self):
        return iter(self.descriptors.values())

    def __len__(self) -> int:
        return len(self.descriptors)

    def descriptor(self, device_id: str) -> DeviceDescriptor:
        try:
            return self.descriptors[device_id]
        except KeyError:
            raise InventoryError(f"no device {device_id!r} in the inventory") from None

    def driver(self, device_id: str) -> Driver:
        """The (single) driver of a device, created on first use."""
        if device_id not in self._drivers:
            descriptor = self.descriptor(device_id)
            try:
                driver_class = driver_for(descriptor.kind)
            except ValueError as exc:
                raise InventoryError(str(exc)) from None
            self._drivers[device_id] = driver_class(descriptor, **self._driver_kwargs)
        return self._drivers[device_id]

    def capabilities(self, device_id: str) -> frozenset[str]:
        """Listed capabilities, or the kind's defaults when none are listed."""
        descriptor = self.descriptor(device_id)
        if descriptor.capabilities:
            return descriptor.capabilities
        try:
            return driver_for(descriptor.kind).default_capabilities
        except ValueError:
            return frozenset()

    def status(self, device_id: str) -> tuple[Status, str]:
        """Current status and reason; CONNECTING for a device whose driver was never made."""
        driver = self._drivers.get(device_id)
        if driver is None:
            self.descriptor(device_id)
            return Status.CONNECTING, "not opened yet"
        return driver.status, driver.status_reason

    def open_all(self) -> None:
        """Create and open every driver (status per device; never raises for devices)."""
        for device_id in self.descriptors:
            self.driver(device_id).open()

    def close_all(self) -> None:
        for driver in self._drivers.values():
            driver.close()


@dataclass(frozen=True)
class DeviceNeed:
    """What a plugin asks for: a kind, capabilities it relies on, and whether it must have it."""

    kind: DeviceKind
    capabilities: frozenset[str] = frozenset()
    required: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", DeviceKind(self.kind))
        object.__setattr__(self, "capabilities", frozenset(self.capabilities))

    def describe(self) -> str:
        caps = ", ".join(f"'{c}'" for c in sorted(self.capabilities))
        word = "capability" if len(self.capabilities) == 1 else "capabilities"
        return f"{self.kind.value}" + (f" with {word} {caps}" if caps else "")


@dataclass(frozen=True)
class NeedResolution:
    """One need's outcome: the chosen ``device_id``, or None and a ``reason``."""

    need: DeviceNeed
    device_id: str | None
    reason: str = ""

    @property
    def satisfied(self) -> bool:
        return self.device_id is not None


@dataclass(frozen=True)
class NeedsResult:
    """All needs' outcomes. ``ok`` when every *required* need has a device."""

    resolutions: list[NeedResolution] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.satisfied for r in self.resolutions if r.need.required)

    @property
    def devices(self) -> dict[DeviceKind, str]:
        """Chosen device id per kind (first need of a kind wins)."""
        chosen: dict[DeviceKind, str] = {}
        for r in self.resolutions:
            if r.device_id is not None:
                chosen.setdefault(r.need.kind, r.device_id)
        return chosen

    @property
    def missing(self) -> list[NeedResolution]:
        """Unsatisfied needs, required or optional."""
        return [r for r in self.resolutions if not r.satisfied]

    @property
    def missing_required(self) -> list[NeedResolution]:
        return [r for r in self.resolutions if not r.satisfied and r.need.required]

    def reasons(self) -> list[str]:
        """One sentence per unsatisfied need."""
        return [r.reason for r in self.missing]


def resolve_device_needs(needs: Iterable[DeviceNeed], inventory: Inventory) -> NeedsResult:
    """Match each need to a device of its kind having its capabilities, preferring READY
    ones; otherwise say precisely what is missing."""
    return NeedsResult([_resolve(need, inventory) for need in needs])


def _resolve(need: DeviceNeed, inventory: Inventory) -> NeedResolution:
    of_kind = [d for d in inventory if d.kind == need.kind]
    label = "needs" if need.required else "optionally wants"
    if not of_kind:
        return NeedResolution(need, None, f"{label} {need.describe()}: no {need.kind.value} "
                                          "in inventory")
    capable = [d for d in of_kind if need.capabilities <= inventory.capabilities(d.id)]
    if not capable:
        detail = "; ".join(
            f"{d.id} lacks {', '.join(sorted(need.capabilities - inventory.capabilities(d.id)))}"
            for d in of_kind)
        return NeedResolution(need, None, f"{label} {need.describe()}: none in inventory "
                                          f"({detail})")
    ranked = sorted(capable, key=lambda d: _USABLE.index(inventory.status(d.id)[0])
                    if inventory.status(d.id)[0] in _USABLE else len(_USABLE))
    best = ranked[0]
    status, reason = inventory.status(best.id)
    if status in _USABLE:
        return NeedResolution(need, best.id)
    details = "; ".join(
        f"device {d.id} is {s.value}" + (f": {r}" if r else "")
        for d in capable for s, r in [inventory.status(d.id)])
    return NeedResolution(need, None, f"{label} {need.describe()}: {details}")
