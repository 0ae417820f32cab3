"""Citizen Station hardware abstraction layer (HAL).

A standalone library: devices are described by a :class:`~hal.model.DeviceDescriptor`,
driven by a per-kind :class:`~hal.drivers.base.Driver` over a pyserial URL, and simulated
by per-kind simulators reachable as ``sim://<kind>?profile=...``. See docs/hal.md.
"""

from __future__ import annotations

import serial

from hal.errors import (
    DeviceBusy,
    DeviceFault,
    DeviceNotReady,
    DeviceTimeout,
    HalError,
    InventoryError,
    ProtocolError,
)
from hal.model import Channel, DeviceDescriptor, DeviceEvent, DeviceKind, Reading, Status

# Make ``serial.serial_for_url("sim://...")`` find hal/sim/protocol_sim.py.
if "hal.sim" not in serial.protocol_handler_packages:
    serial.protocol_handler_packages.append("hal.sim")

__all__ = [
    "Channel",
    "DeviceBusy",
    "DeviceDescriptor",
    "DeviceEvent",
    "DeviceFault",
    "DeviceKind",
    "DeviceNotReady",
    "DeviceTimeout",
    "HalError",
    "InventoryError",
    "ProtocolError",
    "Reading",
    "Status",
]
