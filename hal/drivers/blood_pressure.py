"""Blood pressure monitor driver: 0x2A35 measurements in our serial frame
(see hal.protocols.blood_pressure). Values are reported in mm[Hg] whatever the device's
unit; a measurement with a cuff, movement or position problem is refused, never reported.
"""

from __future__ import annotations

import contextlib
import math
from typing import Any

from hal.drivers import register_driver
from hal.drivers.base import Driver
from hal.errors import DeviceBusy, DeviceFault, DeviceTimeout, ProtocolError
from hal.model import UNIT_MMHG, UNIT_PER_MINUTE, Channel, DeviceKind, Reading
from hal.protocols import blood_pressure as bp

_STATUS_FAULTS = (
    (bp.STATUS_CUFF_TOO_LOOSE, "cuff_error",
     "The cuff is too loose: wrap it snugly around the upper arm and measure again"),
    (bp.STATUS_BODY_MOVEMENT, "body_movement",
     "Movement during the measurement: sit still, arm relaxed, and measure again"),
    (bp.STATUS_IMPROPER_POSITION, "position_error",
     "The cuff is not at heart level: rest the arm on the table and measure again"),
)


@register_driver(DeviceKind.blood_pressure)
class BloodPressureDriver(Driver):
    channels = (Channel("systolic", UNIT_MMHG), Channel("diastolic", UNIT_MMHG),
                Channel("mean_arterial", UNIT_MMHG), Channel("pulse", UNIT_PER_MINUTE))
    default_capabilities = frozenset({"systolic", "diastolic", "mean_arterial", "pulse"})
    option_defaults = {"measure_timeout": 120.0, "garbage_limit": 64}

    def _probe(self, port: Any) -> str | None:
        self._discard_input()
        port.write(bp.encode_frame(bp.MSG_STATUS_REQUEST))
        frame = self._expect(port, {bp.MSG_STATUS}, self._deadline(self.answer_timeout))
        return "measuring" if frame.payload[:1] == bytes([bp.STATE_MEASURING]) else None

    def read(self, timeout: float | None = None) -> Reading:
        """Start a measurement and wait for its result (inflation takes a while)."""
        with self._session() as port:
            self._discard_input()
            port.write(bp.encode_frame(bp.MSG_START))
            self._expect(port, {bp.MSG_ACK}, self._deadline(self.answer_timeout))
            deadline = self._deadline(self.options["measure_timeout"] if timeout is None
                                      else timeout)
            try:
                frame = self._expect(port, {bp.MSG_MEASUREMENT}, deadline)
            except DeviceTimeout:
                with contextlib.suppress(Exception):
                    port.write(bp.encode_frame(bp.MSG_ABORT))
                raise
            return self._reading(self._values(bp.decode_measurement(frame.payload)))

    def _values(self, m: bp.BloodPressureMeasurement) -> dict[str, Any]:
        for flag, code, reason in _STATUS_FAULTS:
            if m.status and m.status & flag:
                raise DeviceFault(code, reason)
        systolic, diastolic, mean = m.in_mmhg()
        if not all(math.isfinite(v) for v in (systolic, diastolic, mean)):
            raise DeviceFault("no_value", "The monitor could not determine the blood "
                                          "pressure: measure again")
        values: dict[str, Any] = {"systolic": round(systolic), "diastolic": round(diastolic),
                                  "mean_arterial": round(mean)}
        if m.pulse is not None and math.isfinite(m.pulse):
            values["pulse"] = round(m.pulse)
        return values

    def _expect(self, port: Any, types: set[int], deadline: float) -> bp.Frame:
        """The next frame of one of ``types``; NAK and garbage become errors."""
        while True:
            frame = self._read_frame(port, deadline)
            if frame.type in types:
                return frame
            if frame.type == bp.MSG_NAK:
                if frame.payload[:1] == bytes([bp.NAK_BUSY]):
                    raise DeviceBusy(f"device {self.device_id} is already measuring")
                raise ProtocolError("the monitor rejected the request (NAK)")

    def _read_frame(self, port: Any, deadline: float) -> bp.Frame:
        return self._read_framed(port, deadline, bp.take_frame)
