"""The driver base class: transport, status machine, events, exclusivity.

A driver = a protocol (pure functions in :mod:`hal.protocols`) + a transport (a pyserial
port opened from the descriptor's URL) + this status machine:

    CONNECTING --open ok, probe ok--> READY <--reading done-- BUSY <--reading-- READY
    any --port vanished / no answer--> NOT_READY (reason) --heartbeat finds it--> READY
    any --protocol garbage / device error--> ERROR (reason) --heartbeat probe ok--> READY

Subclasses set ``kind``, ``channels``, ``serial_settings`` and implement :meth:`_probe`
(a cheap "are you there" exchange) plus their reading operation, run inside
:meth:`_session`, which guarantees one operation at a time (a second caller gets
:class:`~hal.errors.DeviceBusy`) and maps transport failures to statuses.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, ClassVar

import serial

from hal.errors import DeviceBusy, DeviceFault, DeviceNotReady, DeviceTimeout, ProtocolError
from hal.model import (
    Channel,
    DeviceDescriptor,
    DeviceEvent,
    DeviceKind,
    Reading,
    Status,
    utc_now,
)

log = logging.getLogger(__name__)

Clock = Callable[[], float]
OpenSerial = Callable[..., Any]
Subscriber = Callable[[DeviceEvent], None]

#: Serial line options a descriptor may override through ``options``.
LINE_OPTION_KEYS = ("baudrate", "bytesize", "parity", "stopbits")


class Driver:
    """Base of all device drivers. Thread-safe; one operation at a time."""

    kind: ClassVar[DeviceKind]
    #: What the device measures, with fixed units.
    channels: ClassVar[tuple[Channel, ...]] = ()
    #: Capabilities assumed when the inventory does not list any.
    default_capabilities: ClassVar[frozenset[str]] = frozenset()
    #: Line settings of the device. XON/XOFF is never enabled (binary protocols).
    serial_settings: ClassVar[dict[str, Any]] = {
        "baudrate": 9600, "bytesize": 8, "parity": "N", "stopbits": 1,
    }
    #: Granularity of blocking reads: a read waits at most this long before re-checking.
    read_poll: ClassVar[float] = 0.1
    #: How long a request/response exchange may take before the device counts as silent
    #: (descriptor option ``answer_timeout`` overrides it).
    answer_timeout: ClassVar[float] = 1.0
    #: Suggested period between heartbeats of an idle station (seconds).
    heartbeat_period: ClassVar[float] = 5.0
    #: Option names (descriptor ``options``) with defaults; subclasses extend.
    option_defaults: ClassVar[dict[str, Any]] = {}

    def __init__(
        self,
        descriptor: DeviceDescriptor,
        *,
        clock: Clock = time.monotonic,
        open_serial: OpenSerial | None = None,
        utcnow: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if descriptor.kind != self.kind:
            raise ValueError(
                f"{type(self).__name__} drives {self.kind.value}, not {descriptor.kind.value}"
            )
        self.descriptor = descriptor
        self._clock = clock
        self._open_serial = open_serial or serial.serial_for_url
        self._utcnow = utcnow
        self._sleep = sleep
        self._port: Any = None
        self._lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._status = Status.CONNECTING
        self._reason = "not opened yet"
        self._subscribers: list[Subscriber] = []
        self._pending = bytearray()  # bytes read past the end of the last answer
        self.options = {**self.option_defaults, **{
            k: v for k, v in descriptor.options.items() if k not in LINE_OPTION_KEYS
        }}
        if "answer_timeout" in self.options:
            self.answer_timeout = float(self.options["answer_timeout"])

    # -- public API -----------------------------------------------------------------------

    @property
    def device_id(self) -> str:
        return self.descriptor.id

    @property
    def status(self) -> Status:
        return self._status

    @property
    def status_reason(self) -> str:
        return self._reason

    @property
    def capabilities(self) -> frozenset[str]:
        """The descriptor's capabilities, or the kind's defaults when none are listed."""
        return self.descriptor.capabilities or self.default_capabilities

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback(event)`` on every status change; returns the unsubscribe function."""
        with self._state_lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._state_lock, contextlib.suppress(ValueError):
                self._subscribers.remove(callback)

        return unsubscribe

    def open(self) -> Status:
        """Connect and probe the device. Never raises for device problems: see the status."""
        self._set_status(Status.CONNECTING, "connecting")
        return self.heartbeat()

    def close(self) -> None:
        """Release the port. The driver can be opened again."""
        with self._lock:
            self._close_port()
        self._set_status(Status.NOT_READY, "closed")

    def heartbeat(self) -> Status:
        """Probe the device and update the status; reopens the port after an unplug.

        Skipped (status unchanged) while an operation holds the device. Never raises for
        device problems.
        """
        if not self._lock.acquire(blocking=False):
            return self._status
        try:
            port = self._ensure_port()
            note = self._probe(port)
            self._set_status(Status.READY, note or "")
        except DeviceNotReady:
            pass  # status already set by _ensure_port
        except Exception as exc:  # mapped to a status, never raised
            self._status_from_error(exc)
        finally:
            self._lock.release()
        return self._status

    def read(self, timeout: float | None = None) -> Reading:
        """Take one reading. Raises a :class:`~hal.errors.HalError` subclass on failure."""
        raise NotImplementedError(f"{self.kind.value} devices have no read operation")

    # -- for subclasses -------------------------------------------------------------------

    def _probe(self, port: Any) -> str | None:
        """A cheap exchange proving the device answers; returns an optional READY note."""
        raise NotImplementedError

    @contextlib.contextmanager
    def _session(self) -> Iterator[Any]:
        """Hold the device for one operation; yields the open port.

        A second concurrent caller gets DeviceBusy. Failures become statuses and are
        re-raised as HAL errors; success leaves the device READY.
        """
        if not self._lock.acquire(blocking=False):
            raise DeviceBusy(f"device {self.device_id} is busy with another operation")
        try:
            port = self._ensure_port()
            self._set_status(Status.BUSY, "operation in progress")
            try:
                yield port
            except Exception as exc:
                mapped = self._status_from_error(exc)
                if mapped is exc:
                    raise
                raise mapped from exc
            if self._status == Status.BUSY:
                self._set_status(Status.READY, "")
        finally:
            self._lock.release()

    def _reading(self, values: dict[str, Any]) -> Reading:
        """A :class:`Reading` of ``values`` with this driver's channel units."""
        units = {channel.name: channel.unit for channel in self.channels if channel.name in values}
        return Reading(self.device_id, values, units, self._utcnow())

    def _deadline(self, timeout: float) -> float:
        return self._clock() + timeout

    def _read_framed(self, port: Any, deadline: float,
                     take_frame: Callable[[bytes], tuple[Any, int, int]]) -> Any:
        """The next frame of a binary protocol, using ``take_frame(bytes) -> (frame or None,
        bytes consumed, bytes skipped as garbage)``. Bytes after the frame are kept for the next
        call. Too much garbage is a ProtocolError; silence past ``deadline`` a DeviceTimeout."""
        buffer = bytearray(self._pending)
        self._pending = bytearray()
        garbage = 0
        while True:
            frame, consumed, skipped = take_frame(bytes(buffer))
            if frame is not None:
                self._pending = buffer[consumed:]
                return frame
            garbage += skipped
            del buffer[:consumed]
            if garbage > self.options.get("garbage_limit", 64):
                raise ProtocolError("no valid frame: garbage on the line")
            chunk = self._read_some(port, deadline)
            if not chunk:
                if garbage:
                    raise ProtocolError("no valid frame: garbage on the line")
                raise DeviceTimeout(f"device {self.device_id} did not answer in time")
            buffer += chunk

    def _read_some(self, port: Any, deadline: float) -> bytes:
        """Whatever arrives next (at least one byte), or b"" once ``deadline`` passed."""
        if self._pending:
            data, self._pending = bytes(self._pending), bytearray()
            return data
        while self._clock() < deadline:
            data = port.read(1)
            if data:
                waiting = port.in_waiting
                return data + (port.read(waiting) if waiting else b"")
        return b""

    def _read_until(self, port: Any, terminator: bytes, deadline: float,
                    max_length: int = 256, what: str = "an answer") -> bytes:
        """Bytes up to and including ``terminator``; DeviceTimeout / ProtocolError otherwise."""
        buffer = bytearray()
        while True:
            index = buffer.find(terminator)
            if index >= 0:
                self._pending = buffer[index + len(terminator):] + self._pending
                return bytes(buffer[:index + len(terminator)])
            if len(buffer) > max_length:
                raise ProtocolError(f"device {self.device_id} sent an over-long line (garbage)")
            chunk = self._read_some(port, deadline)
            if not chunk:
                raise DeviceTimeout(f"device {self.device_id} did not send {what} in time")
            buffer += chunk

    def _set_status(self, status: Status, reason: str) -> None:
        with self._state_lock:
            if (status, reason) == (self._status, self._reason):
                return
            self._status, self._reason = status, reason
            subscribers = list(self._subscribers)
        event = DeviceEvent(self.device_id, "status", status, reason, self._utcnow())
        for callback in subscribers:
            try:
                callback(event)
            except Exception:  # a broken subscriber must not break the driver
                log.exception("device event subscriber failed for %s", self.device_id)

    # -- internals ------------------------------------------------------------------------

    def _ensure_port(self) -> Any:
        if self._port is not None:
            return self._port
        settings = {**self.serial_settings, **{
            k: self.descriptor.options[k] for k in LINE_OPTION_KEYS if k in self.descriptor.options
        }}
        try:
            self._port = self._open_serial(
                self.descriptor.url, timeout=self.read_poll, xonxoff=False, rtscts=False,
                **settings,
            )
        except (serial.SerialException, OSError, ValueError) as exc:
            self._set_status(Status.NOT_READY, f"unplugged: cannot open port ({_short(exc)})")
            raise DeviceNotReady(
                f"device {self.device_id} is NOT_READY: unplugged (cannot open port)"
            ) from None
        return self._port

    def _close_port(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            with contextlib.suppress(Exception):
                port.close()

    def _status_from_error(self, exc: BaseException) -> BaseException:
        """Set the status an error implies; return the HAL error to raise for it."""
        if isinstance(exc, (DeviceBusy, DeviceNotReady)):
            return exc
        if isinstance(exc, (serial.SerialException, OSError)):
            self._close_port()
            self._set_status(Status.NOT_READY, "unplugged: device disconnected")
            return DeviceNotReady(f"device {self.device_id} is NOT_READY: unplugged (disconnected)")
        if isinstance(exc, DeviceTimeout):
            # Close so the next heartbeat reopens: a re-enumerated device gets a new port.
            self._close_port()
            self._set_status(Status.NOT_READY, "not answering")
            return exc
        if isinstance(exc, ProtocolError):
            self._discard_input()
            self._set_status(Status.ERROR, f"protocol error: {exc}")
            return exc
        if isinstance(exc, DeviceFault):
            self._set_status(exc.status_after, exc.reason if exc.status_after != Status.READY
                             else "")
            return exc
        self._set_status(Status.ERROR, f"driver error: {type(exc).__name__}")
        return exc

    def _discard_input(self) -> None:
        self._pending = bytearray()
        if self._port is not None:
            try:
                self._port.reset_input_buffer()
            except Exception:
                self._close_port()


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."
