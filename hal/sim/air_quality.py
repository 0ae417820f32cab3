"""Simulated Plantower PMS5003: 32-byte frames every ``interval_s`` in active mode (the
power-on default), one frame per read command in passive mode; sleep and wake-up commands.

Options: ``pm25`` (18 µg/m³), ``pm10`` (28), ``pm1`` (11), ``interval_s`` (1.0),
``unplug_after`` (1: frames sent before the ``unplug`` profile pulls the cable). Profiles:
``fan_failure`` — the fan has stopped, no air passes the laser: every particle count and
mass reads 0 (real air always has particles above 0.3 µm); ``sensor_error`` — the frame's
error byte is set; ``bad_checksum`` — frames with a wrong check code; ``garbage`` — noise.
"""

from __future__ import annotations

from hal.model import DeviceKind
from hal.protocols import pms5003
from hal.sim import register_simulator
from hal.sim.base import Simulator


@register_simulator(DeviceKind.air_quality)
class AirQualitySimulator(Simulator):
    profiles = frozenset({"fan_failure", "sensor_error"})
    option_defaults = {"pm25": 18, "pm10": 28, "pm1": 11, "interval_s": 1.0, "unplug_after": 1}
    line_settings = {"baudrate": 9600, "bytesize": 8, "parity": "N", "stopbits": 1}

    def reset(self) -> None:
        self._buffer = bytearray()
        self.active = True
        self.asleep = False
        self._next_frame: float | None = None
        self._frames = 0

    def _send_frame(self) -> None:
        if self.profile == "unplug" and self._frames >= self.options["unplug_after"]:
            self.unplug()
            return
        self._frames += 1
        self.send(pms5003.encode_frame(self.sample()))

    def sample(self) -> pms5003.ParticleSample:
        """What the sensor measures now."""
        if self.profile == "fan_failure":
            return pms5003.ParticleSample(0, 0, 0, 0, 0, 0)
        pm1, pm25, pm10 = (self.options[k] for k in ("pm1", "pm25", "pm10"))
        counts = (pm25 * 130 + 900, pm25 * 40 + 260, pm25 * 8 + 40, pm10 // 3 + 2, pm10 // 8, pm10 // 20)
        return pms5003.ParticleSample(pm1, pm25, pm10, pm1, pm25, pm10, counts=counts,
                                      error=0x05 if self.profile == "sensor_error" else 0)

    def on_open(self, now: float) -> None:
        super().on_open(now)
        if self._next_frame is None:
            self._next_frame = now + self.options["interval_s"]

    def on_bytes(self, data: bytes) -> None:
        self._buffer += data
        while (start := self._buffer.find(pms5003.START)) >= 0 and len(self._buffer) - start >= 7:
            frame = bytes(self._buffer[start:start + 7])
            del self._buffer[:start + 7]
            if sum(frame[:5]) & 0xFFFF == int.from_bytes(frame[5:7], "big"):
                self._command(frame[2], int.from_bytes(frame[3:5], "big"))
        if len(self._buffer) > 64:
            self._buffer.clear()

    def _command(self, code: int, data: int) -> None:
        if code == 0xE1:
            self.active = data == 1
            self._next_frame = self.now + self.options["interval_s"] if self.active else None
        elif code == 0xE4:
            self.asleep = data == 0
        elif code == 0xE2 and not self.active and not self.asleep:
            self._send_frame()

    def tick(self, now: float) -> None:
        if self.active and self._next_frame is None:
            self._next_frame = now + self.options["interval_s"]  # powered on: first frame after one interval
        while self.active and self._next_frame is not None and self._next_frame <= now:
            at = self._next_frame
            if not self.asleep:
                self.now = at
                self._send_frame()
                if not self.plugged:
                    return
            self._next_frame = at + self.options["interval_s"]
        self.now = now

    def next_tick_at(self, now: float) -> float | None:
        if not self.active:
            return None
        return now if self._next_frame is None else self._next_frame

    def break_checksum(self, data: bytes) -> bytes:
        return data[:-1] + bytes([data[-1] ^ 0x5A])
