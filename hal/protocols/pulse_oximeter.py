"""Contec CMS50D+ live data stream (pulse oximeter), and the stable-reading rule.

The device streams 5-byte frames at about 60 Hz, 19200 baud 8O1. Bit 7 is set in byte 0
only, which is how a receiver finds frame boundaries.

    byte 0  bit 7 sync (1) | bit 6 pulse beep (a heartbeat) | bit 5 SpO2 dropping |
            bit 4 finger out | bits 0-3 signal strength (0-15)
    byte 1  bits 0-6 plethysmogram (0-127)
    byte 2  bit 6 pulse rate bit 7 | bit 5 searching | bit 4 probe error | bits 0-3 bar graph
    byte 3  bits 0-6 pulse rate bits 0-6        (pulse 255 = no value)
    byte 4  bits 0-6 SpO2 %                     (SpO2 127 = no value)

Stable-reading rule (:class:`StableWindow`): a reading is accepted after ``frames``
consecutive *valid* frames (finger in, no probe error, not searching, SpO2 50-100 %, pulse
25-250 /min) in which SpO2 varies by at most ``spo2_tolerance`` and pulse by at most
``pulse_tolerance`` (max - min). Any invalid frame restarts the window. The reported values
are the medians of the window.
"""

from __future__ import annotations

import statistics
from collections import deque
from dataclasses import dataclass

from hal.errors import ProtocolError

FRAME_LENGTH = 5
SYNC_BIT = 0x80
NO_SPO2 = 127
NO_PULSE = 255
SPO2_RANGE = (50, 100)
PULSE_RANGE = (25, 250)


@dataclass(frozen=True)
class OximeterSample:
    """One decoded frame. ``spo2`` / ``pulse`` are None when the device has no value."""

    signal_strength: int = 0
    finger_out: bool = False
    spo2_dropping: bool = False
    pulse_beep: bool = False
    pleth: int = 0
    bar_graph: int = 0
    probe_error: bool = False
    searching: bool = False
    pulse: int | None = None
    spo2: int | None = None

    @property
    def valid(self) -> bool:
        """True if the frame carries a usable measurement."""
        return (
            not (self.finger_out or self.probe_error or self.searching)
            and self.spo2 is not None and SPO2_RANGE[0] <= self.spo2 <= SPO2_RANGE[1]
            and self.pulse is not None and PULSE_RANGE[0] <= self.pulse <= PULSE_RANGE[1]
        )


def encode_frame(sample: OximeterSample) -> bytes:
    """The 5 bytes the device sends for ``sample``."""
    pulse = NO_PULSE if sample.pulse is None else sample.pulse
    spo2 = NO_SPO2 if sample.spo2 is None else sample.spo2
    if not (0 <= pulse <= 255 and 0 <= spo2 <= 127):
        raise ValueError("pulse must be 0-255 and SpO2 0-127")
    byte0 = (SYNC_BIT | (sample.signal_strength & 0x0F) | (0x10 if sample.finger_out else 0)
             | (0x20 if sample.spo2_dropping else 0) | (0x40 if sample.pulse_beep else 0))
    byte2 = ((sample.bar_graph & 0x0F) | (0x10 if sample.probe_error else 0)
             | (0x20 if sample.searching else 0) | ((pulse >> 1) & 0x40))
    return bytes([byte0, sample.pleth & 0x7F, byte2, pulse & 0x7F, spo2 & 0x7F])


def decode_frame(frame: bytes) -> OximeterSample:
    """Decode one 5-byte frame; ProtocolError if it is not one."""
    if len(frame) != FRAME_LENGTH:
        raise ProtocolError(f"oximeter frame must be {FRAME_LENGTH} bytes, got {len(frame)}")
    if not frame[0] & SYNC_BIT:
        raise ProtocolError("oximeter frame does not start with a sync byte")
    if any(b & SYNC_BIT for b in frame[1:]):
        raise ProtocolError("oximeter frame has the sync bit set in a data byte")
    pulse = frame[3] | ((frame[2] & 0x40) << 1)
    return OximeterSample(
        signal_strength=frame[0] & 0x0F,
        finger_out=bool(frame[0] & 0x10),
        spo2_dropping=bool(frame[0] & 0x20),
        pulse_beep=bool(frame[0] & 0x40),
        pleth=frame[1],
        bar_graph=frame[2] & 0x0F,
        probe_error=bool(frame[2] & 0x10),
        searching=bool(frame[2] & 0x20),
        pulse=None if pulse == NO_PULSE else pulse,
        spo2=None if frame[4] == NO_SPO2 else frame[4],
    )


class FrameSplitter:
    """Finds frames in a byte stream, resynchronising on the sync bit.

    ``discarded`` and ``decoded`` count bytes thrown away and frames found, so a caller
    can tell a line full of noise (random bytes still form a plausible frame every ~30
    bytes) from a healthy stream (at most one partial frame discarded at the start).
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self.discarded = 0
        self.decoded = 0

    def looks_like_garbage(self, limit: int) -> bool:
        """More than ``limit`` bytes discarded, and more discarded than decoded."""
        return self.discarded > limit and self.discarded > self.decoded * FRAME_LENGTH

    def feed(self, data: bytes) -> list[OximeterSample]:
        """Add received bytes; return the complete frames found so far."""
        self._buffer += data
        samples: list[OximeterSample] = []
        buffer = self._buffer
        while buffer:
            if not buffer[0] & SYNC_BIT:
                del buffer[0]
                self.discarded += 1
                continue
            if len(buffer) < FRAME_LENGTH:
                break
            if any(b & SYNC_BIT for b in buffer[1:FRAME_LENGTH]):
                del buffer[0]  # truncated or corrupted frame: resync on the next sync byte
                self.discarded += 1
                continue
            samples.append(decode_frame(bytes(buffer[:FRAME_LENGTH])))
            del buffer[:FRAME_LENGTH]
            self.decoded += 1
        return samples


@dataclass(frozen=True)
class StableResult:
    spo2: int
    pulse: int


class StableWindow:
    """The stable-reading rule (see module docstring). Feed samples, get a result or None."""

    def __init__(self, frames: int = 60, spo2_tolerance: int = 2, pulse_tolerance: int = 5):
        if frames < 1:
            raise ValueError("a stable window needs at least one frame")
        self.frames = frames
        self.spo2_tolerance = spo2_tolerance
        self.pulse_tolerance = pulse_tolerance
        self._window: deque[OximeterSample] = deque(maxlen=frames)

    def add(self, sample: OximeterSample) -> StableResult | None:
        """Add one sample; return the reading once the window is full and steady."""
        if not sample.valid:
            self._window.clear()
            return None
        self._window.append(sample)
        if len(self._window) < self.frames:
            return None
        spo2 = [s.spo2 for s in self._window]
        pulse = [s.pulse for s in self._window]
        if (max(spo2) - min(spo2) > self.spo2_tolerance
                or max(pulse) - min(pulse) > self.pulse_tolerance):
            return None
        return StableResult(spo2=round(statistics.median(spo2)),
                            pulse=round(statistics.median(pulse)))
