"""Simulated QR scanner: sends ``data`` + suffix every ``every`` seconds after power-on
(``every`` = 0: only when a test calls :meth:`QrScannerSimulator.scan`).

Options: ``data``, ``suffix`` (``cr`` or ``crlf``), ``every`` (1.0), ``unplug_after``
(0.3 s). ``bad_checksum`` puts a control byte into the scan (no checksum in this
format: that is what line noise looks like); ``garbage`` sends invalid UTF-8.
"""

from __future__ import annotations

from hal.model import DeviceKind
from hal.protocols.qr_scanner import encode_scan, suffix_bytes
from hal.sim import register_simulator
from hal.sim.base import Simulator


@register_simulator(DeviceKind.qr_scanner)
class QrScannerSimulator(Simulator):
    option_defaults = {"data": "https://dichvucong.gov.vn/p/demo", "suffix": "cr",
                       "every": 1.0, "unplug_after": 0.3}
    line_settings = {"baudrate": 9600, "bytesize": 8, "parity": "N", "stopbits": 1}

    def reset(self) -> None:
        suffix_bytes(self.options["suffix"])  # validate early
        self._started: float | None = None
        self._next_scan: float | None = None

    def scan(self, text: str) -> None:
        """Someone scans ``text`` now."""
        self.send(encode_scan(text, self.options["suffix"]))

    def tick(self, now: float) -> None:
        if self._started is None:
            self._started = now
            every = self.options["every"]
            self._next_scan = now + every if every > 0 else None
        if self.profile == "unplug" and now - self._started >= self.options["unplug_after"]:
            self.unplug()
            return
        while self._next_scan is not None and self._next_scan <= now:
            due, self._next_scan = self._next_scan, self._next_scan + self.options["every"]
            saved, self.now = self.now, due
            self.scan(self.options["data"])
            self.now = saved

    def next_tick_at(self, now: float) -> float | None:
        if self._started is None:
            return now
        if self.profile == "unplug":
            return self._started + self.options["unplug_after"]
        return self._next_scan

    def garble(self, data: bytes) -> bytes:
        suffix = suffix_bytes(self.options["suffix"])
        return b"\xff" + self.random_bytes(12, exclude=b"\r\n") + suffix

    def break_checksum(self, data: bytes) -> bytes:
        return data[:3] + b"\x07" + data[3:]
