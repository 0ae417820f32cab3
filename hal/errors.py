"""The HAL exception hierarchy. Messages name devices by id, never carry personal data."""

from __future__ import annotations

from hal.model import Status


class HalError(Exception):
    """Base of every error the HAL raises on purpose."""


class DeviceNotReady(HalError):
    """The device is absent, unplugged or otherwise unable to take a request now."""


class DeviceBusy(HalError):
    """Another caller is using the device; try again when its reading has finished."""


class DeviceTimeout(HalError):
    """The device did not answer within the allowed time."""


class ProtocolError(HalError):
    """Bytes from the device did not follow its protocol (garbage, bad checksum, bad length)."""


class InventoryError(HalError):
    """The device inventory (configuration) is invalid."""


class DeviceFault(HalError):
    """The device reported a condition that prevents a valid result.

    `code` is short and stable (``finger_out``, ``cuff_error``, ``overload``, ``paper_out``...),
    `reason` is a sentence a person can act on. `status_after` is the status the device is
    left in: READY when only this measurement failed (finger out), NOT_READY or ERROR when
    the device itself needs attention (paper out, broken probe).
    """

    def __init__(self, code: str, reason: str, *, status_after: Status = Status.READY) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason
        self.status_after = status_after
