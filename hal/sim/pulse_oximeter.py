"""Simulated Contec CMS50D+: streams 5-byte frames at ``rate`` Hz from power-on.

Options: ``spo2`` (97), ``pulse`` (72), ``rate`` (60.0 Hz), ``search_s`` (0.2 s of
"searching" frames after power-on), ``unplug_after`` (0.3 s: when the ``unplug`` profile
pulls the cable). Profiles: ``finger_out`` (no finger: finger-out bit, no values),
``probe_error`` (probe error bit, no values); ``bad_checksum`` sets the sync bit in a data
byte (the stream has no checksum, so this is what corruption looks like); ``garbage``
streams random bytes.
"""

from __future__ import annotations

import math

from hal.model import DeviceKind
from hal.protocols.pulse_oximeter import OximeterSample, encode_frame
from hal.sim import register_simulator
from hal.sim.base import Simulator

#: Frames kept when the host has not read for a long time (about one OS buffer).
MAX_BACKLOG_FRAMES = 800


@register_simulator(DeviceKind.pulse_oximeter)
class PulseOximeterSimulator(Simulator):
    profiles = frozenset({"finger_out", "probe_error"})
    option_defaults = {"spo2": 97, "pulse": 72, "rate": 60.0, "search_s": 0.2,
                       "unplug_after": 0.3}
    line_settings = {"baudrate": 19200, "bytesize": 8, "parity": "O", "stopbits": 1}

    def reset(self) -> None:
        self._started: float | None = None
        self._next_frame: float | None = None

    @property
    def period(self) -> float:
        return 1.0 / self.options["rate"]

    def tick(self, now: float) -> None:
        if self.profile == "timeout":
            return
        if self._started is None:
            self._started = self._next_frame = now
        backlog_start = now - MAX_BACKLOG_FRAMES * self.period
        if self._next_frame < backlog_start:
            self._next_frame = backlog_start
        while self._next_frame <= now:
            at = self._next_frame
            if self.profile == "unplug" and at - self._started >= self.options["unplug_after"]:
                self.unplug()
                return
            self._outbox.append((at, self._frame_bytes(at - self._started)))
            self._next_frame = at + self.period

    def next_tick_at(self, now: float) -> float | None:
        if self.profile == "timeout":
            return None
        return now if self._next_frame is None else self._next_frame

    def sample_at(self, elapsed: float) -> OximeterSample:
        """The sample the device measures ``elapsed`` seconds after power-on."""
        if self.profile == "finger_out":
            return OximeterSample(finger_out=True)
        if self.profile == "probe_error":
            return OximeterSample(probe_error=True, signal_strength=0)
        if elapsed < self.options["search_s"]:
            return OximeterSample(searching=True, signal_strength=2)
        pulse = self.options["pulse"] + self.rng.choice((-1, 0, 0, 1))
        spo2 = min(100, self.options["spo2"] + self.rng.choice((-1, 0, 0, 0, 1)))
        beats_per_s = self.options["pulse"] / 60.0  # the heart's rhythm; the displayed pulse jitters
        phase = (beats_per_s * elapsed) % 1.0
        pleth = int(64 + 50 * math.sin(2 * math.pi * phase))
        # the one frame in which a new beat starts
        beep = math.floor(beats_per_s * elapsed) != math.floor(beats_per_s * (elapsed - self.period))
        return OximeterSample(signal_strength=6, pleth=pleth, bar_graph=pleth >> 4,
                              pulse=pulse, spo2=spo2, pulse_beep=beep)

    def _frame_bytes(self, elapsed: float) -> bytes:
        if self.profile == "garbage":
            return self.random_bytes(5)
        frame = encode_frame(self.sample_at(elapsed))
        if self.profile == "bad_checksum":
            frame = frame[:3] + bytes([frame[3] | 0x80]) + frame[4:]
        return frame
