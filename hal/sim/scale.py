"""Simulated A&D-style scale: answers ``Q`` with the current weight line.

The person "steps on" at the first request (or after 1 s without requests): lines are
US (unstable) for ``settle_s`` seconds, then ST. Options: ``weight`` (72.5 kg),
``settle_s`` (0.3), ``unplug_after`` (2: requests answered before the ``unplug`` profile
pulls the cable), ``format`` (``scale``: ``ST,GS,+0072.50kg``; ``balance``: the A&D
balance format in grams, ``ST,+72500.00  g``). Profiles: ``overload`` (OL lines); ``bad_checksum`` damages one
character (the format has no checksum; a parity error looks like this).
"""

from __future__ import annotations

from hal.model import DeviceKind
from hal.protocols.scale import TERMINATOR, format_balance_line, format_weight_line
from hal.sim import register_simulator
from hal.sim.base import Simulator

IDLE_RESET_S = 1.0


@register_simulator(DeviceKind.scale)
class ScaleSimulator(Simulator):
    profiles = frozenset({"overload"})
    option_defaults = {"weight": 72.5, "settle_s": 0.3, "unplug_after": 2, "format": "scale"}
    formats = frozenset({"scale", "balance"})
    line_settings = {"baudrate": 9600, "bytesize": 7, "parity": "E", "stopbits": 1}

    def reset(self) -> None:
        if self.options["format"] not in self.formats:
            raise ValueError(f"scale format must be one of {', '.join(sorted(self.formats))}")
        self._buffer = bytearray()
        self._answers = 0
        self._stepped_on: float | None = None
        self._last_request = -1e9

    def on_bytes(self, data: bytes) -> None:
        self._buffer += data
        while (end := self._buffer.find(TERMINATOR)) >= 0:
            command = bytes(self._buffer[:end]).strip()
            del self._buffer[:end + len(TERMINATOR)]
            if command == b"Q":
                self._answer()
            else:
                self.send(b"EC,E01" + TERMINATOR)
        if len(self._buffer) > 64:
            self._buffer.clear()

    def _answer(self) -> None:
        if self.profile == "unplug" and self._answers >= self.options["unplug_after"]:
            self.unplug()
            return
        self._answers += 1
        if self._stepped_on is None or self.now - self._last_request > IDLE_RESET_S:
            self._stepped_on = self.now
        self._last_request = self.now
        self.send(self.line_at(self.now - self._stepped_on))

    def line_at(self, elapsed: float) -> bytes:
        """The line sent ``elapsed`` seconds after the person stepped on."""
        weight = self.options["weight"]
        line = format_weight_line if self.options["format"] == "scale" else self._balance_line
        if self.profile == "overload":
            return line("OL", 9999.99)
        settle = self.options["settle_s"]
        if elapsed < settle:
            return line("US", weight * (0.5 + 0.5 * elapsed / settle) + 0.37)
        return line("ST", weight)

    @staticmethod
    def _balance_line(header: str, kg: float) -> bytes:
        return format_balance_line(header, kg * 1000)

    def break_checksum(self, data: bytes) -> bytes:
        return data[:8] + b"?" + data[9:]
