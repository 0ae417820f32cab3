"""Height rod driver (our checked-line protocol, see hal.protocols.height_rod)."""

from __future__ import annotations

from hal.drivers import register_driver
from hal.drivers.checked_line import CheckedLineDriver
from hal.errors import DeviceFault
from hal.model import UNIT_CM, Channel, DeviceKind, Reading, Status
from hal.protocols import height_rod as protocol

_FAULTS = {
    "NO_TARGET": ("no_target", "Nobody is under the height rod: stand straight under it",
                  Status.READY),
    "SENSOR": ("sensor_error", "The height rod's sensor reports an error", Status.ERROR),
}


@register_driver(DeviceKind.height_rod)
class HeightRodDriver(CheckedLineDriver):
    channels = (Channel("height", UNIT_CM),)
    default_capabilities = frozenset({"height"})
    status_request = protocol.STATUS_REQUEST
    measure_request = protocol.MEASURE_REQUEST

    def read(self, timeout: float | None = None) -> Reading:
        """Measure the height of the person under the rod, in cm."""
        with self._session() as port:
            answer = protocol.decode_height(self._measure(port, timeout))
            if answer.error is not None:
                code, reason, status = _FAULTS.get(
                    answer.error, ("device_error", f"The height rod reports {answer.error}",
                                   Status.ERROR))
                raise DeviceFault(code, reason, status_after=status)
            return self._reading({"height": answer.height_cm})
