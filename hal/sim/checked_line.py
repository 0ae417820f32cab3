"""Shared simulator base for our checked-line devices (height rod, thermometer)."""

from __future__ import annotations

from hal.errors import ProtocolError
from hal.protocols.checked_line import TERMINATOR, decode_line, encode_line
from hal.sim.base import Simulator


class CheckedLineSimulator(Simulator):
    """Answers ``$STAT`` at once and ``measure_command`` after ``measure_s`` seconds."""

    measure_command = "MEAS"
    line_settings = {"baudrate": 9600, "bytesize": 8, "parity": "N", "stopbits": 1}

    def reset(self) -> None:
        self._buffer = bytearray()

    def on_bytes(self, data: bytes) -> None:
        self._buffer += data
        while (end := self._buffer.find(TERMINATOR)) >= 0:
            line = bytes(self._buffer[:end + len(TERMINATOR)])
            del self._buffer[:end + len(TERMINATOR)]
            try:
                fields = decode_line(line)
            except ProtocolError:
                self.send(encode_line("ERR", "BADCMD"))
                continue
            if fields == ["STAT"]:
                self.send(encode_line("STAT", "OK"))
            elif fields == [self.measure_command]:
                if not self.vanish_if_unplug_profile():
                    self.send(self.measurement(), self.options["measure_s"])
            else:
                self.send(encode_line("ERR", "BADCMD"))
        if len(self._buffer) > 256:
            self._buffer.clear()

    def measurement(self) -> bytes:
        """The complete answer line to a measure command."""
        raise NotImplementedError

    def break_checksum(self, data: bytes) -> bytes:
        star = data.rfind(b"*")
        digits = data[star + 1:star + 3]
        wrong = f"{(int(digits, 16) ^ 0x21):02X}".encode()
        return data[:star + 1] + wrong + data[star + 3:]
