"""Pulse oximeter driver: Contec CMS50D+ live stream (see hal.protocols.pulse_oximeter).

Idle behaviour: the device streams ~300 bytes/s whether or not anyone listens. The driver
keeps the port open; between operations the bytes simply wait in the OS buffer (which
overflows harmlessly) and each heartbeat or reading first discards them, then looks at
fresh frames only. Nothing polls in between.
"""

from __future__ import annotations

from typing import Any

from hal.drivers import register_driver
from hal.drivers.base import Driver
from hal.errors import DeviceFault, DeviceTimeout, ProtocolError
from hal.model import UNIT_PER_MINUTE, UNIT_PERCENT, Channel, DeviceKind, Reading, Status
from hal.protocols.pulse_oximeter import FRAME_LENGTH, FrameSplitter, StableWindow

#: Frames a heartbeat looks at: enough to tell a clean stream from noise.
PROBE_FRAMES = 3


@register_driver(DeviceKind.pulse_oximeter)
class PulseOximeterDriver(Driver):
    channels = (Channel("spo2", UNIT_PERCENT), Channel("pulse", UNIT_PER_MINUTE))
    default_capabilities = frozenset({"spo2", "pulse"})
    serial_settings = {"baudrate": 19200, "bytesize": 8, "parity": "O", "stopbits": 1}
    answer_timeout = 0.5  # frames come every ~17 ms
    option_defaults = {
        "stable_frames": 60,        # 1 s at 60 Hz
        "spo2_tolerance": 2,        # max - min within the window, %
        "pulse_tolerance": 5,       # max - min within the window, /min
        "measure_timeout": 30.0,    # s to get a stable window
        "finger_out_grace": 5.0,    # s of continuous "finger out" before giving up
        "probe_error_frames": 3,    # consecutive probe-error frames that count as a fault
        "garbage_limit": 64,        # discarded bytes (more than decoded) that mean garbage
    }

    def _probe(self, port: Any) -> str | None:
        self._discard_input()
        splitter = FrameSplitter()
        deadline = self._deadline(self.answer_timeout)
        while True:
            chunk = self._read_some(port, deadline)
            if not chunk:
                raise DeviceTimeout(f"device {self.device_id} is not streaming")
            samples = splitter.feed(chunk)
            if splitter.discarded > FRAME_LENGTH or splitter.looks_like_garbage(0):
                raise ProtocolError("no valid oximeter frames: garbage on the line")
            if splitter.decoded >= PROBE_FRAMES:
                if samples and samples[-1].probe_error:
                    raise _probe_error()
                return None

    def read(self, timeout: float | None = None) -> Reading:
        """Wait for a stable window with the finger in; return SpO2 and pulse."""
        o = self.options
        with self._session() as port:
            self._discard_input()
            splitter = FrameSplitter()
            window = StableWindow(o["stable_frames"], o["spo2_tolerance"], o["pulse_tolerance"])
            deadline = self._deadline(o["measure_timeout"] if timeout is None else timeout)
            finger_out_since: float | None = None
            probe_errors = 0
            while True:
                chunk = self._read_some(port, min(deadline, self._clock() + self.answer_timeout))
                now = self._clock()
                if not chunk:
                    if now >= deadline and splitter.decoded:
                        raise DeviceFault(
                            "unstable", "No steady reading in time: keep the hand still "
                            "and the finger fully inside the probe")
                    raise DeviceTimeout(f"device {self.device_id} stopped streaming")
                samples = splitter.feed(chunk)
                if splitter.looks_like_garbage(o["garbage_limit"]):
                    raise ProtocolError("no valid oximeter frames: garbage on the line")
                for sample in samples:
                    probe_errors = probe_errors + 1 if sample.probe_error else 0
                    if probe_errors >= o["probe_error_frames"]:
                        raise _probe_error()
                    if sample.finger_out:
                        finger_out_since = now if finger_out_since is None else finger_out_since
                        if now - finger_out_since >= o["finger_out_grace"]:
                            raise DeviceFault(
                                "finger_out", "No finger in the oximeter: put a finger fully "
                                "inside the probe and keep still")
                    else:
                        finger_out_since = None
                    result = window.add(sample)
                    if result is not None:
                        return self._reading({"spo2": result.spo2, "pulse": result.pulse})
                if now >= deadline:
                    raise DeviceFault("unstable", "No steady reading in time: keep the hand "
                                                  "still and the finger fully inside the probe")


def _probe_error() -> DeviceFault:
    return DeviceFault("probe_error", "The oximeter probe reports an error: check or replace "
                       "the sensor", status_after=Status.ERROR)
