"""Thermometer driver (our checked-line protocol, see hal.protocols.thermometer).

Only body temperatures from 30.0 to 45.0 Cel are reported; anything else is refused as
``out_of_range`` (a reading outside that range is a measuring error, not a patient value).
"""

from __future__ import annotations

from hal.drivers import register_driver
from hal.drivers.checked_line import CheckedLineDriver
from hal.errors import DeviceFault
from hal.model import UNIT_CELSIUS, Channel, DeviceKind, Reading, Status
from hal.protocols import thermometer as protocol

BODY_RANGE_CEL = (30.0, 45.0)
_OUT_OF_RANGE = ("out_of_range", "The temperature is outside the body range: aim at the "
                                 "forehead from 3-5 cm and measure again", Status.READY)
_FAULTS = {
    "RANGE_LOW": _OUT_OF_RANGE,
    "RANGE_HIGH": _OUT_OF_RANGE,
    "NO_TARGET": ("no_target", "Nothing in front of the thermometer: aim at the forehead",
                  Status.READY),
    "AMBIENT": ("ambient", "The room is too hot or cold for the thermometer", Status.READY),
}


@register_driver(DeviceKind.thermometer)
class ThermometerDriver(CheckedLineDriver):
    channels = (Channel("body_temperature", UNIT_CELSIUS),)
    default_capabilities = frozenset({"body_temperature"})
    status_request = protocol.STATUS_REQUEST
    measure_request = protocol.MEASURE_REQUEST

    def read(self, timeout: float | None = None) -> Reading:
        """Measure body temperature, in Cel."""
        with self._session() as port:
            answer = protocol.decode_temperature(self._measure(port, timeout))
            if answer.error is not None:
                code, reason, status = _FAULTS.get(
                    answer.error, ("device_error", f"The thermometer reports {answer.error}",
                                   Status.ERROR))
                raise DeviceFault(code, reason, status_after=status)
            if not BODY_RANGE_CEL[0] <= answer.celsius <= BODY_RANGE_CEL[1]:
                code, reason, status = _OUT_OF_RANGE
                raise DeviceFault(code, reason, status_after=status)
            return self._reading({"body_temperature": answer.celsius})
