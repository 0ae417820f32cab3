"""pyserial URL handler for ``sim://<kind>?profile=<name>&option=value``.

Importing :mod:`hal` appends ``"hal.sim"`` to ``serial.protocol_handler_packages``, so
``serial.serial_for_url("sim://scale?profile=overload")`` returns a :class:`Serial` that
talks to an in-process simulator. Timeouts are honoured like a real port: ``read`` blocks
until enough bytes arrived or the timeout elapsed, waiting (not polling) for the
simulator's next output or for a write/unplug to wake it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from serial import SerialBase, SerialException
from serial.serialutil import PortNotOpenError

from hal.sim import control

#: Like a UART driver's receive buffer: bytes beyond it are lost (overrun).
RX_BUFFER_SIZE = 4096
_LINE_KEYS = ("baudrate", "bytesize", "parity", "stopbits")


class Serial(SerialBase):
    """A serial port whose far end is a simulator (see :mod:`hal.sim.control`)."""

    def __init__(self, *args, clock: Callable[[], float] = time.monotonic, **kwargs) -> None:
        self._clock = clock
        self._sim = None
        self._generation = -1
        self._rx = bytearray()
        super().__init__(*args, **kwargs)

    # -- lifecycle ------------------------------------------------------------------------

    def open(self) -> None:
        if self.is_open:
            raise SerialException("Port is already open.")
        if self._port is None:
            raise SerialException("Port must be configured before it can be used.")
        try:
            sim = control.simulator(self._port)
        except ValueError as exc:
            raise SerialException(f"could not open port {self._port}: {exc}") from None
        if not sim.plugged:
            raise SerialException(f"could not open port {self._port}: no such device (unplugged)")
        self._sim = sim
        self._generation = sim.generation
        self._rx = bytearray()
        sim.on_open(self._clock())
        self.is_open = True

    def close(self) -> None:
        self.is_open = False
        self._sim = None

    def _reconfigure_port(self) -> None:
        """Line settings are only compared with the simulator's (see :meth:`_line_ok`)."""

    def _update_rts_state(self) -> None:
        pass

    def _update_dtr_state(self) -> None:
        pass

    def _update_break_state(self) -> None:
        pass

    @property
    def cts(self) -> bool:
        return True

    @property
    def dsr(self) -> bool:
        return True

    @property
    def ri(self) -> bool:
        return False

    @property
    def cd(self) -> bool:
        return True

    # -- data -----------------------------------------------------------------------------

    @property
    def in_waiting(self) -> int:
        self._check_alive("read")
        self._pull()
        return len(self._rx)

    def read(self, size: int = 1) -> bytes:
        self._check_alive("read")
        sim = self._sim
        deadline = None if self._timeout is None else self._clock() + self._timeout
        while True:
            self._pull()
            if len(self._rx) >= size:
                break
            now = self._clock()
            if deadline is not None and now >= deadline:
                break
            next_at = sim.next_emit_at(now)
            wait_until = min(t for t in (deadline, next_at) if t is not None) if (
                deadline is not None or next_at is not None) else None
            with sim.changed:
                sim.changed.wait(None if wait_until is None else max(0.0, wait_until - now))
            self._check_alive("read")
        data = bytes(self._rx[:size])
        del self._rx[:size]
        return data

    def write(self, data: bytes) -> int:
        self._check_alive("write")
        payload = bytes(data)
        if self._line_ok():
            self._sim.receive(payload, self._clock())
        return len(payload)

    def flush(self) -> None:
        self._check_alive("write")

    def reset_input_buffer(self) -> None:
        self._check_alive("read")
        self._pull()
        self._rx.clear()

    def reset_output_buffer(self) -> None:
        if not self.is_open:
            raise PortNotOpenError()

    # -- internals ------------------------------------------------------------------------

    def _check_alive(self, what: str) -> None:
        if not self.is_open or self._sim is None:
            raise PortNotOpenError()
        if not self._sim.plugged or self._sim.generation != self._generation:
            raise SerialException(f"{what} failed: device disconnected ({self._port})")

    def _pull(self) -> None:
        data = self._sim.emit(self._clock())
        if not data:
            return
        if not self._line_ok():
            # Wrong baud rate or framing: the host sees noise, never the device's bytes.
            data = bytes((b ^ 0xA5) | 0x80 for b in data)
        room = RX_BUFFER_SIZE - len(self._rx)
        self._rx += data[:max(0, room)]

    def _line_ok(self) -> bool:
        expected = self._sim.line_settings
        if not expected:
            return True
        actual = {"baudrate": self._baudrate, "bytesize": self._bytesize,
                  "parity": self._parity, "stopbits": self._stopbits}
        return all(actual[k] == expected[k] for k in _LINE_KEYS if k in expected)
