"""The device model shared by every part of the HAL: kinds, status, descriptors, readings.

Plain frozen values only; nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any


class DeviceKind(StrEnum):
    """The kinds of device a station can have. Fixed: plugins ask for devices by kind."""

    pulse_oximeter = "pulse_oximeter"
    blood_pressure = "blood_pressure"
    thermometer = "thermometer"
    scale = "scale"
    height_rod = "height_rod"
    card_reader = "card_reader"
    qr_scanner = "qr_scanner"
    receipt_printer = "receipt_printer"
    payment_terminal = "payment_terminal"
    face_verifier = "face_verifier"
    document_scanner = "document_scanner"
    geiger_counter = "geiger_counter"
    air_quality = "air_quality"
    camera = "camera"


class Status(StrEnum):
    """Where a device is in its life: always reported together with a reason."""

    CONNECTING = "CONNECTING"
    READY = "READY"
    BUSY = "BUSY"
    NOT_READY = "NOT_READY"
    ERROR = "ERROR"


# The fixed units of the HAL (UCUM codes, as in the FHIR observations built from them).
UNIT_PERCENT = "%"
UNIT_PER_MINUTE = "/min"
UNIT_MMHG = "mm[Hg]"
UNIT_CELSIUS = "Cel"
UNIT_KG = "kg"
UNIT_CM = "cm"
UNIT_COUNTS_PER_MINUTE = "{counts}/min"
UNIT_MICROSIEVERT_PER_HOUR = "uSv/h"
UNIT_MICROGRAM_PER_M3 = "ug/m3"
FIXED_UNITS = frozenset({UNIT_PERCENT, UNIT_PER_MINUTE, UNIT_MMHG, UNIT_CELSIUS, UNIT_KG, UNIT_CM,
                         UNIT_COUNTS_PER_MINUTE, UNIT_MICROSIEVERT_PER_HOUR, UNIT_MICROGRAM_PER_M3})


@dataclass(frozen=True)
class DeviceDescriptor:
    """What the site's inventory says about one physical device."""

    id: str
    kind: DeviceKind
    url: str
    make: str = ""
    model: str = ""
    serial: str = ""
    firmware: str = ""
    capabilities: frozenset[str] = frozenset()
    options: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", DeviceKind(self.kind))
        object.__setattr__(self, "capabilities", frozenset(self.capabilities))


@dataclass(frozen=True)
class Channel:
    """One measured quantity of a device, with its fixed unit (e.g. spo2 in "%")."""

    name: str
    unit: str


def utc_now() -> datetime:
    """The default wall clock of the HAL (timezone-aware UTC)."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Reading:
    """One accepted measurement: values by channel name, their units, and when it was taken."""

    device_id: str
    values: dict[str, Any]
    units: dict[str, str]
    taken_at: datetime

    def as_dict(self) -> dict[str, Any]:
        """A JSON-friendly form (ISO 8601 time)."""
        return {
            "device_id": self.device_id,
            "values": dict(self.values),
            "units": dict(self.units),
            "taken_at": self.taken_at.isoformat(),
        }


@dataclass(frozen=True)
class DeviceEvent:
    """Something that happened to a device; `event` is e.g. "status"."""

    device_id: str
    event: str
    status: Status
    reason: str
    at: datetime
