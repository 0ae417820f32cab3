"""Devices for plugins: the site's device of a kind, through the HAL, with friendly errors.

    from sdk.devices import DeviceUnavailable, device_status, measure

    try:
        reading = measure("pulse_oximeter", timeout=30)   # a hal Reading
    except DeviceUnavailable as exc:
        exc.state      # "absent" | "not_ready" | "busy" | "failed"
        exc.code       # "missing", "not_ready", "busy", "error" or the device's code ("finger_out")
        exc.reason_code  # the device's reason ("unplugged", "paper_out", "no_answer", ...)
        str(exc)       # what to tell the citizen, in their language

Plugins never open ports themselves; the station owns the drivers and there is one
device-use path (:meth:`core.devices.StationDevices.use`) for every device of every plugin.
The states and codes are listed in ``docs/hal.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from core.devices import ABSENT, BUSY, DEVICE_STATES, FAILED, NOT_READY, DeviceUnavailable
from core.station import current_station
from core.text import Text

T = TypeVar("T")


def _devices() -> Any:
    return current_station().devices


def device(kind: str, capabilities: frozenset[str] = frozenset()) -> Any | None:
    """The site's device of ``kind`` (a HAL driver), or None when the site has none at all.

    Since sdk 1.1 a device that is configured but not ready (unplugged, out of paper) is
    returned too — it is not "missing"; :func:`use_device` then says what is wrong with it.
    """
    return _devices().driver_of_kind(kind, frozenset(capabilities))


@dataclass(frozen=True)
class DeviceStatus:
    """Where the site's device of a kind stands, without using it.

    ``state`` is ``ready``, ``absent``, ``not_ready``, ``busy`` or ``connecting`` (configured,
    not probed yet); ``reason`` is the device's own sentence (English, for staff screens).
    """

    kind: str
    state: str
    reason: str = ""

    @property
    def present(self) -> bool:
        """True when the site has such a device, whatever its state."""
        return self.state != ABSENT


def device_status(kind: str) -> DeviceStatus:
    """The state of the site's ``kind`` device (no I/O: the last known status)."""
    driver = device(kind)
    if driver is None:
        return DeviceStatus(kind, ABSENT)
    status = driver.status.value
    state = {"READY": "ready", "BUSY": BUSY, "CONNECTING": "connecting"}.get(status, NOT_READY)
    return DeviceStatus(kind, state, driver.status_reason)


def use_device(kind: str, action: Callable[[Any], T], busy_message: str | Text | None = None) -> T:
    """Run ``action(driver)`` on the site's ``kind`` device, opening it first when needed.

    Every HAL error becomes :class:`DeviceUnavailable` telling absent / not ready / busy /
    failed apart, with the device's reason code and a message in the citizen's language —
    never a wrong value. ``busy_message`` (optional) replaces the station's message when the
    device is busy (a :class:`sdk.Text` for both languages, since sdk 1.4).
    """
    try:
        return _devices().use(kind, action)
    except DeviceUnavailable as exc:
        if busy_message and exc.state == BUSY:
            raise DeviceUnavailable(Text.of(busy_message), "busy", state=BUSY, kind=kind) from None
        raise


def measure(kind: str, timeout: float | None = None) -> Any:
    """Take one reading from the site's ``kind`` device (opening it if needed).

    Raises :class:`DeviceUnavailable` with the device's own reason (finger out, cuff error,
    not answering, unplugged...) — never a wrong value.
    """
    return use_device(kind, lambda driver: driver.read(timeout=timeout))


__all__ = ["ABSENT", "BUSY", "DEVICE_STATES", "FAILED", "NOT_READY", "DeviceStatus", "DeviceUnavailable",
           "device", "device_status", "measure", "use_device"]
