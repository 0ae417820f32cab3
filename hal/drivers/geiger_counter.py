"""GQ GMC Geiger counter driver (GQ-RFC1201, see hal.protocols.gmc), 115200 8N1.

A reading asks ``<GETCPM>>`` and reports counts per minute and the ambient dose rate in
µSv/h (CPM × ``usv_per_cpm``, the tube's factor; 0.0065 for the M4011 of a GMC-320).
Options: ``cpm_bytes`` (2 for GMC-300/320, 4 for GMC-500/600 firmware), ``usv_per_cpm``,
``max_cpm`` (the tube's usable range; a counter at or beyond it, or pinned at its ceiling,
is reported as ``saturated``, never as a dose). The heartbeat is switched off at open so
streamed bytes cannot be taken for an answer.
"""

from __future__ import annotations

from typing import Any

from hal.drivers import register_driver
from hal.drivers.base import Driver
from hal.errors import DeviceFault, DeviceTimeout, ProtocolError
from hal.model import (
    UNIT_COUNTS_PER_MINUTE,
    UNIT_MICROSIEVERT_PER_HOUR,
    Channel,
    DeviceKind,
    Reading,
)
from hal.protocols import gmc


@register_driver(DeviceKind.geiger_counter)
class GeigerCounterDriver(Driver):
    channels = (Channel("cpm", UNIT_COUNTS_PER_MINUTE), Channel("dose_rate", UNIT_MICROSIEVERT_PER_HOUR))
    default_capabilities = frozenset({"cpm", "dose_rate"})
    serial_settings = {"baudrate": 115200, "bytesize": 8, "parity": "N", "stopbits": 1}
    quiet_after_answer = 0.05  # seconds of silence that end an answer
    option_defaults = {"cpm_bytes": 2, "usv_per_cpm": gmc.M4011_USV_PER_CPM, "max_cpm": 30000}

    def _exchange(self, port: Any, request: bytes, length: int) -> bytes:
        port.write(request)
        deadline = self._deadline(self.answer_timeout)
        answer = bytearray()
        while len(answer) < length:
            chunk = self._read_some(port, deadline)
            if not chunk:
                if answer:
                    raise ProtocolError(f"the counter sent {len(answer)} of {length} bytes")
                raise DeviceTimeout(f"device {self.device_id} did not answer in time")
            answer += chunk
        # No framing: an answer is "length bytes, then silence". More is garbage, not a value.
        extra = self._read_some(port, self._deadline(self.quiet_after_answer))
        if len(answer) > length or extra:
            raise ProtocolError("the counter sent more than the answer (garbage on the line)")
        return bytes(answer)

    def _probe(self, port: Any) -> str | None:
        port.write(gmc.HEARTBEAT_OFF)
        self._discard_input()
        gmc.decode_version(self._exchange(port, gmc.GETVER, gmc.VERSION_LENGTH))
        return None

    def read(self, timeout: float | None = None) -> Reading:
        """Counts per minute and dose rate (µSv/h)."""
        width = int(self.options["cpm_bytes"])
        with self._session() as port:
            self._discard_input()
            cpm = gmc.decode_cpm(self._exchange(port, gmc.GETCPM, width))
        if cpm >= gmc.cpm_ceiling(width) or cpm > int(self.options["max_cpm"]):
            raise DeviceFault("saturated", "The Geiger tube is saturated: the radiation is beyond what it "
                                           "can measure; treat it as very high and warn people away")
        return self._reading({"cpm": cpm, "dose_rate": gmc.dose_rate_usv_h(cpm, float(self.options["usv_per_cpm"]))})
