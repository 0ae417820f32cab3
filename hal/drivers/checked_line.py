"""Shared driver base for our checked-line devices (height rod, thermometer)."""

from __future__ import annotations

from typing import Any, ClassVar

from hal.drivers.base import Driver
from hal.errors import DeviceFault
from hal.model import Status
from hal.protocols.checked_line import TERMINATOR
from hal.protocols.height_rod import decode_status


class CheckedLineDriver(Driver):
    """``$STAT`` as the heartbeat, one measure command per reading."""

    measure_request: ClassVar[bytes]
    status_request: ClassVar[bytes]
    option_defaults = {"measure_timeout": 10.0}

    def _probe(self, port: Any) -> str | None:
        self._discard_input()
        port.write(self.status_request)
        answer = decode_status(self._read_until(port, TERMINATOR,
                                                self._deadline(self.answer_timeout)))
        if not answer.ok:
            raise DeviceFault("device_error", f"The device reports error {answer.error}",
                              status_after=Status.ERROR)
        return None

    def _measure(self, port: Any, timeout: float | None) -> bytes:
        """Send the measure command; return the answer line."""
        self._discard_input()
        port.write(self.measure_request)
        wait = self.options["measure_timeout"] if timeout is None else timeout
        return self._read_until(port, TERMINATOR, self._deadline(wait), what="a measurement")
