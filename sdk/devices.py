"""Devices for plugins: the site's device of a kind, through the HAL, with friendly errors.

    from sdk.devices import device, measure

    reading = measure("pulse_oximeter", timeout=30)   # a hal Reading, or DeviceUnavailable

Plugins never open ports themselves; the station owns the drivers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app

from core.errors import StationError

T = TypeVar("T")


class DeviceUnavailable(StationError):
    """No device of that kind, or it is not ready / failed this time (``code`` says which)."""

    http_status = 409

    def __init__(self, message: str, code: str = "unavailable", retry: bool = True) -> None:
        super().__init__(message)
        self.code = code
        self.retry = retry


def device(kind: str, capabilities: frozenset[str] = frozenset()) -> Any | None:
    """The site's best device of ``kind`` (a HAL driver), or None when there is none."""
    return current_app.extensions["station"].devices.driver_for_kind(kind, frozenset(capabilities))


def use_device(kind: str, action: Callable[[Any], T], busy_message: str | None = None) -> T:
    """Run ``action(driver)`` on the site's ``kind`` device, opening it first when needed.

    Every HAL error becomes :class:`DeviceUnavailable` with the device's own reason and code
    (finger out, cuff error, paper out, not answering, unplugged...) — never a wrong value.
    """
    from hal.errors import DeviceBusy, DeviceFault, DeviceNotReady, DeviceTimeout, HalError

    driver = device(kind)
    if driver is None:
        raise DeviceUnavailable(f"This station has no {kind.replace('_', ' ')}.", "missing", retry=False)
    try:
        if driver.status.value in ("CONNECTING", "NOT_READY", "ERROR"):
            driver.open()
        return action(driver)
    except DeviceFault as exc:
        raise DeviceUnavailable(exc.reason, exc.code) from None
    except DeviceBusy:
        raise DeviceUnavailable(busy_message or "The device is busy; please wait a moment.", "busy") from None
    except (DeviceNotReady, DeviceTimeout) as exc:
        raise DeviceUnavailable(f"The device is not ready: {exc}", "not_ready") from None
    except HalError as exc:
        raise DeviceUnavailable(f"The device reported a problem: {exc}", "error") from None


def measure(kind: str, timeout: float | None = None) -> Any:
    """Take one reading from the site's ``kind`` device (opening it if needed).

    Raises :class:`DeviceUnavailable` with the device's own reason (finger out, cuff error,
    not answering, unplugged...) — never a wrong value.
    """
    return use_device(kind, lambda driver: driver.read(timeout=timeout),
                      "The device is busy with another measurement; please wait a moment.")
