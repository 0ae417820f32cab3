"""Simulated GQ GMC Geiger counter (GQ-RFC1201): answers ``<GETVER>>``, ``<GETCPM>>``,
``<GETSERIAL>>`` and streams a 2-byte heartbeat every second after ``<HEARTBEAT1>>``.

Options: ``cpm`` (15: about 0.1 µSv/h, a normal background with the M4011 tube),
``cpm_bytes`` (2 as the GMC-300/320; 4 as the GMC-500/600), ``model`` (``GMC-320Re 4.26``),
``heartbeat_s`` (1.0). Profiles: ``saturated`` — the tube sits in a field beyond its range
and the counter pins at its ceiling (the driver reports it instead of a dose);
``bad_checksum`` answers one byte short (the protocol has no checksum: a broken answer is
what corruption looks like).
"""

from __future__ import annotations

from hal.model import DeviceKind
from hal.protocols import gmc
from hal.sim import register_simulator
from hal.sim.base import Simulator


@register_simulator(DeviceKind.geiger_counter)
class GeigerCounterSimulator(Simulator):
    profiles = frozenset({"saturated"})
    option_defaults = {"cpm": 15, "cpm_bytes": 2, "model": "GMC-320Re 4.26", "heartbeat_s": 1.0}
    line_settings = {"baudrate": 115200, "bytesize": 8, "parity": "N", "stopbits": 1}

    def reset(self) -> None:
        if self.options["cpm_bytes"] not in (2, 4):
            raise ValueError("geiger_counter cpm_bytes must be 2 or 4")
        self._buffer = bytearray()
        self._next_beat: float | None = None

    def current_cpm(self) -> int:
        """What the counter has counted over the last minute."""
        if self.profile == "saturated":
            return gmc.cpm_ceiling(self.options["cpm_bytes"])
        return self.options["cpm"]

    def on_bytes(self, data: bytes) -> None:
        self._buffer += data
        while (end := self._buffer.find(b">>")) >= 0:
            start = self._buffer.rfind(b"<", 0, end)
            command = bytes(self._buffer[start:end + 2]) if start >= 0 else b""
            del self._buffer[:end + 2]
            self._answer(command)
        if len(self._buffer) > 64:
            self._buffer.clear()  # the counter ignores what it cannot parse

    def _answer(self, command: bytes) -> None:
        if command == gmc.GETVER:
            self.send(gmc.encode_version(self.options["model"]))
        elif command == gmc.GETCPM:
            if self.vanish_if_unplug_profile():
                return
            self.send(gmc.encode_cpm(self.current_cpm(), self.options["cpm_bytes"]))
        elif command == gmc.GETSERIAL:
            self.send(bytes.fromhex("F488006D0A8C0B"))
        elif command == gmc.HEARTBEAT_ON:
            self._next_beat = self.now + self.options["heartbeat_s"]
        elif command == gmc.HEARTBEAT_OFF:
            self._next_beat = None
        # anything else: a real counter does not answer

    def tick(self, now: float) -> None:
        while self._next_beat is not None and self._next_beat <= now:
            if self.profile == "saturated":
                cps = gmc.HEARTBEAT_MASK
            else:  # counts arrive at random: one second's worth of the minute's rate, give or take
                cps = max(0, round(self.current_cpm() / 60 + self.rng.choice((-1, 0, 0, 1))))
            at, self.now = self._next_beat, self._next_beat
            self.send(gmc.encode_heartbeat(cps))
            self._next_beat = at + self.options["heartbeat_s"]
        self.now = now

    def next_tick_at(self, now: float) -> float | None:
        return self._next_beat

    def break_checksum(self, data: bytes) -> bytes:
        return data[:-1]
