"""Simulated blood pressure monitor speaking 0x2A35 measurements in our serial frame.

On START it ACKs, "inflates" for ``inflate_s`` seconds, then sends one measurement.
Options: ``systolic`` (120.0), ``diastolic`` (80.0), ``pulse`` (72.0) in mmHg and /min,
``unit`` (``mmhg`` or ``kpa``: what the device reports in), ``inflate_s`` (20.0),
``timestamp`` (true), ``user_id`` (1; 0 sends none). Profiles: ``cuff_error`` (the
measurement carries the "cuff too loose" status flag); ``unplug`` vanishes on START.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from hal.errors import ProtocolError
from hal.model import DeviceKind
from hal.protocols import blood_pressure as bp
from hal.sim import register_simulator
from hal.sim.base import Simulator

_EPOCH = datetime(2025, 1, 1, 8, 0, 0)


@register_simulator(DeviceKind.blood_pressure)
class BloodPressureSimulator(Simulator):
    profiles = frozenset({"cuff_error"})
    option_defaults = {"systolic": 120.0, "diastolic": 80.0, "pulse": 72.0, "unit": "mmhg",
                       "inflate_s": 20.0, "timestamp": True, "user_id": 1}
    line_settings = {"baudrate": 9600, "bytesize": 8, "parity": "N", "stopbits": 1}

    def reset(self) -> None:
        self._buffer = bytearray()
        self._measuring_until: float | None = None
        self._pending_measurement: bytes | None = None

    def on_bytes(self, data: bytes) -> None:
        self._buffer += data
        while self._buffer:
            try:
                frame, consumed, _ = bp.take_frame(bytes(self._buffer))
            except ProtocolError as exc:
                del self._buffer[:exc.consumed]
                self.send(bp.encode_frame(bp.MSG_NAK, bytes([bp.NAK_BAD_CRC])))
                continue
            del self._buffer[:consumed]
            if frame is None:
                return
            self._handle(frame)

    def _handle(self, frame: bp.Frame) -> None:
        measuring = self._measuring_until is not None and self.now < self._measuring_until
        if frame.type == bp.MSG_STATUS_REQUEST:
            state = bp.STATE_MEASURING if measuring else bp.STATE_IDLE
            self.send(bp.encode_frame(bp.MSG_STATUS, bytes([state])))
        elif frame.type == bp.MSG_START:
            if measuring:
                self.send(bp.encode_frame(bp.MSG_NAK, bytes([bp.NAK_BUSY])))
                return
            if self.vanish_if_unplug_profile():
                return
            self.send(bp.encode_frame(bp.MSG_ACK, bytes([bp.MSG_START])))
            inflate = self.options["inflate_s"]
            self._measuring_until = self.now + inflate
            before = len(self._outbox)
            self.send(bp.encode_frame(bp.MSG_MEASUREMENT, self.measurement_payload()), inflate)
            self._pending_measurement = self._outbox[-1][1] if len(self._outbox) > before else None
        elif frame.type == bp.MSG_ABORT:
            self._outbox = [item for item in self._outbox
                            if item[1] is not self._pending_measurement]
            self._measuring_until = None
            self.send(bp.encode_frame(bp.MSG_ACK, bytes([bp.MSG_ABORT])))
        else:
            self.send(bp.encode_frame(bp.MSG_NAK, bytes([bp.NAK_UNKNOWN])))

    def measurement_payload(self) -> bytes:
        """The 0x2A35 value of the configured measurement."""
        o = self.options
        systolic, diastolic = o["systolic"], o["diastolic"]
        mean = round(diastolic + (systolic - diastolic) / 3.0)
        values = (systolic, diastolic, mean)
        unit = "mmHg"
        if o["unit"].lower() == "kpa":
            unit = "kPa"
            values = tuple(round(v / bp.KPA_TO_MMHG, 1) for v in values)
        status = bp.STATUS_CUFF_TOO_LOOSE if self.profile == "cuff_error" else 0
        measurement = bp.BloodPressureMeasurement(
            *values, unit=unit,
            timestamp=_EPOCH + timedelta(seconds=int(self.now)) if o["timestamp"] else None,
            pulse=o["pulse"], user_id=o["user_id"] or None, status=status)
        return bp.encode_measurement(measurement)

    def garble(self, data: bytes) -> bytes:
        return self.random_bytes(max(len(data), 32), exclude=bytes([bp.STX]))

    def break_checksum(self, data: bytes) -> bytes:
        return data[:-1] + bytes([data[-1] ^ 0x5A])
