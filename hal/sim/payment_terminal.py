"""Simulated card payment terminal speaking ZVT (see :mod:`hal.protocols.zvt`).

Serial (``sim://payment_terminal``, or ``python -m hal.sim payment_terminal`` on a pty)
with the ``10 02 … 10 03 CRC`` framing and ACK/NAK, or TCP with bare APDUs
(:class:`ZvtTcpServer`, ``python -m hal.sim.payment_terminal --port 20007``).

The terminal accepts a registration, authorises an amount (sending intermediate status,
status information and completion) and, like a real terminal, numbers every transaction
itself: an increasing trace number (from option ``first_trace``) and receipt number. A
Repeat Receipt ``06 20`` reports its last transaction again; that is how the station looks
up a payment whose answer was lost. It keeps a :attr:`ledger` of every authorisation it
charged or declined, which survives replugs (it stands for the bank's books), so tests
can prove a payment was charged exactly once.

Options: ``transport`` (``serial`` or ``tcp``), ``password`` (registration password,
default 0), ``terminal_id`` (default 29001234), ``card_name`` (default ``VISA``).

Fault profiles beyond the common ones:

- ``decline`` — every authorisation is declined (result code 05).
- ``silent_after_auth`` — the terminal charges the card but never sends the result; a
  later Repeat Receipt (last transaction) reveals it.

``unplug`` pulls the terminal right after it has charged the card. ``bad_checksum``
corrupts the CRC of every frame (over TCP, where there is no CRC, the length byte).
``garbage`` replaces everything the terminal sends by random bytes.
"""

from __future__ import annotations

import argparse
import contextlib
import select
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

from hal.errors import ProtocolError
from hal.model import DeviceKind
from hal.protocols import zvt
from hal.sim import register_simulator
from hal.sim.base import Simulator

ANSWER_DELAY = 0.003
MAX_RETRANSMITS = 3


@dataclass(frozen=True)
class LedgerEntry:
    """One authorisation the terminal processed, under the numbers the terminal gave it."""

    amount: int
    currency: int
    approved: bool
    result_code: int
    receipt_number: int
    trace_number: int


@register_simulator(DeviceKind.payment_terminal)
class PaymentTerminalSimulator(Simulator):
    """A ZVT payment terminal (see the module docstring)."""

    profiles = frozenset({"decline", "silent_after_auth"})
    option_defaults: dict[str, Any] = {
        "transport": "serial", "password": 0, "terminal_id": 29001234, "card_name": "VISA",
        "first_trace": 1001,
    }

    def __init__(self, profile: str = "ok", options: dict[str, Any] | None = None) -> None:
        self.ledger: list[LedgerEntry] = []
        self._next_receipt = 1
        self._next_trace: int | None = None
        super().__init__(profile, options)
        if self.options["transport"] not in ("serial", "tcp"):
            raise ValueError("transport must be serial or tcp")

    @property
    def serial_framing(self) -> bool:
        return self.options["transport"] == "serial"

    def reset(self) -> None:
        self._frames = zvt.FrameReader()
        self._tcp_buffer = b""
        self._messages: list[zvt.Apdu] = []  # APDUs that wait for the host's 80 00
        self._awaiting_reply = False
        self._link_queue: list[bytes] = []  # frames waiting for the host's ACK, in order
        self._link_busy = False
        self._retransmits = 0
        self.registered = False
        self.config = 0

    def approved_charges(self, trace_number: int | None = None) -> list[LedgerEntry]:
        """Approved ledger entries (optionally only the one with ``trace_number``)."""
        return [e for e in self.ledger
                if e.approved and (trace_number is None or e.trace_number == trace_number)]

    # -- link layer ---------------------------------------------------------------------

    def on_bytes(self, data: bytes) -> None:
        if not self.serial_framing:
            self._tcp_buffer += data
            while True:
                split = zvt.split_apdu(self._tcp_buffer)
                if split is None:
                    return
                apdu, self._tcp_buffer = split
                self._on_apdu(apdu)
        for event in self._frames.feed(data):
            if event.kind == "frame":
                self.send(bytes([zvt.ACK]), delay=ANSWER_DELAY)
                self._on_apdu(zvt.decode_apdu(event.apdu) if _complete(event.apdu) else None)
            elif event.kind == "error":
                self.send(bytes([zvt.NAK]), delay=ANSWER_DELAY)
            elif event.kind == "ack" and self._link_busy:
                self._link_queue.pop(0)
                self._link_busy = False
                self._send_next_frame()
            elif event.kind == "nak" and self._link_busy:
                if self._retransmits < MAX_RETRANSMITS:
                    self._retransmits += 1
                    self.send(self._link_queue[0], delay=ANSWER_DELAY)
                else:  # give up on this frame, as a terminal does after three NAKs
                    self._link_queue.pop(0)
                    self._link_busy = False
                    self._send_next_frame()

    def _transmit(self, apdu: zvt.Apdu, delay: float = ANSWER_DELAY) -> None:
        raw = zvt.encode_apdu(apdu)
        if not self.serial_framing:
            self.send(raw, delay=delay)
            return
        self._link_queue.append(zvt.encode_frame(raw))
        self._send_next_frame(delay)

    def _send_next_frame(self, delay: float = ANSWER_DELAY) -> None:
        """Serial: one frame at a time; the next goes only after the host's ACK."""
        if self._link_queue and not self._link_busy:
            self._link_busy = True
            self._retransmits = 0
            self.send(self._link_queue[0], delay=delay)

    def _queue_messages(self, *apdus: zvt.Apdu) -> None:
        self._messages.extend(apdus)
        self._send_next_message()

    def _send_next_message(self) -> None:
        if self._messages and not self._awaiting_reply:
            self._awaiting_reply = True
            self._transmit(self._messages[0], delay=ANSWER_DELAY * 2)

    # -- application layer --------------------------------------------------------------

    def _on_apdu(self, apdu: zvt.Apdu | None) -> None:
        if apdu is None:
            self._transmit(zvt.negative_ack(zvt.RESULT_PROTOCOL_ERROR))
            return
        if apdu.command == zvt.CMD_POSITIVE_ACK or apdu.cls == zvt.NEGATIVE_ACK_CLASS:
            if self._awaiting_reply:
                self._messages.pop(0)
                self._awaiting_reply = False
                self._send_next_message()
            return
        handlers = {
            zvt.CMD_REGISTRATION: self._registration,
            zvt.CMD_AUTHORISATION: self._authorisation,
            zvt.CMD_REPEAT_RECEIPT: self._repeat_receipt,
        }
        handler = handlers.get(apdu.command)
        if handler is None:
            self._transmit(zvt.negative_ack(0x83))
            return
        try:
            handler(apdu)
        except ProtocolError:
            self._transmit(zvt.negative_ack(zvt.RESULT_PROTOCOL_ERROR))

    def _registration(self, apdu: zvt.Apdu) -> None:
        registration = zvt.decode_registration(apdu)
        if registration.password != self.options["password"]:
            self._transmit(zvt.negative_ack(0x83))
            return
        self.registered = True
        self.config = registration.config
        self._messages.clear()
        self._awaiting_reply = False
        self._transmit(zvt.positive_ack())
        self._queue_messages(zvt.encode_completion(status_byte=0x00))

    def _authorisation(self, apdu: zvt.Apdu) -> None:
        auth = zvt.decode_authorisation(apdu)
        if not self.registered:
            self._transmit(zvt.negative_ack(0x6B))  # function deactivated: not registered
            return
        approved = self.profile != "decline"
        code = zvt.RESULT_SUCCESS if approved else zvt.RESULT_DECLINED
        if self._next_trace is None:
            self._next_trace = int(self.options["first_trace"])
        # Like a real terminal, it numbers its transactions itself (trace and receipt numbers).
        entry = LedgerEntry(auth.amount, auth.currency, approved, code,
                            self._next_receipt, self._next_trace % 1_000_000)
        self._next_receipt = self._next_receipt % 9999 + 1
        self._next_trace += 1
        self.ledger.append(entry)
        self._transmit(zvt.positive_ack())
        if self.vanish_if_unplug_profile():
            return
        # Intermediate status only for an ECR that asked for it at registration (config bit 3).
        wants_status = bool(self.config & zvt.CONFIG_INTERMEDIATE_STATUS)
        if self.profile == "silent_after_auth":
            if wants_status:
                self._queue_messages(zvt.encode_intermediate_status(zvt.INTERMEDIATE_PLEASE_WAIT))
            return
        info = zvt.encode_status_information(self._status_information(entry))
        ending = zvt.encode_completion() if approved else zvt.encode_abort(code)
        progress = [zvt.encode_intermediate_status(zvt.INTERMEDIATE_INSERT_CARD),
                    zvt.encode_intermediate_status(zvt.INTERMEDIATE_PLEASE_WAIT)] if wants_status else []
        self._queue_messages(*progress, info, ending)

    def _repeat_receipt(self, apdu: zvt.Apdu) -> None:
        if zvt.decode_repeat_receipt(apdu) != self.options["password"]:
            self._transmit(zvt.negative_ack(0x83))
            return
        self._transmit(zvt.positive_ack())
        if not self.ledger:
            self._queue_messages(zvt.encode_abort(zvt.RESULT_NO_SUCH_TRANSACTION))
            return
        self._queue_messages(
            zvt.encode_status_information(self._status_information(self.ledger[-1])),
            zvt.encode_completion(),
        )

    def _status_information(self, entry: LedgerEntry) -> zvt.StatusInformation:
        return zvt.StatusInformation(
            result_code=entry.result_code,
            amount=entry.amount,
            currency=entry.currency,
            trace_number=entry.trace_number,
            receipt_number=entry.receipt_number,
            terminal_id=self.options["terminal_id"],
            card_name=self.options["card_name"] if entry.approved else None,
        )

    # -- fault shapes ---------------------------------------------------------------------

    def break_checksum(self, data: bytes) -> bytes:
        if self.serial_framing:
            if data[:2] != bytes([zvt.DLE, zvt.STX]):
                return data  # ACK/NAK bytes carry no checksum
            return data[:-2] + bytes([data[-2] ^ 0xFF, data[-1]])
        return data[:2] + bytes([max(0, data[2] - 1)]) + data[3:] if len(data) > 2 else data

    def garble(self, data: bytes) -> bytes:
        return self.random_bytes(max(len(data), 4), exclude=bytes([zvt.ACK, zvt.NAK, zvt.DLE]))


def _complete(apdu_bytes: bytes) -> bool:
    split = zvt.split_apdu(apdu_bytes)
    return split is not None and not split[1]


class ZvtTcpServer:
    """Serve a :class:`PaymentTerminalSimulator` (TCP transport) on a TCP port.

    One connection at a time, like a real terminal. ``port=0`` picks a free port (see
    :attr:`port`). Use as a context manager, or call :meth:`start` / :meth:`stop`.
    """

    def __init__(self, simulator: PaymentTerminalSimulator | None = None,
                 host: str = "127.0.0.1", port: int = 0) -> None:
        self.simulator = simulator or PaymentTerminalSimulator("ok", {"transport": "tcp"})
        if self.simulator.serial_framing:
            raise ValueError("the TCP server needs a simulator with transport=tcp")
        self._listener = socket.create_server((host, port))
        self._listener.settimeout(0.05)
        self.host, self.port = self._listener.getsockname()[:2]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="zvt-sim-tcp", daemon=True)

    @property
    def url(self) -> str:
        """The pyserial URL a driver opens to reach this terminal."""
        return f"socket://{self.host}:{self.port}"

    def start(self) -> ZvtTcpServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._listener.close()

    def __enter__(self) -> ZvtTcpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            with conn:
                if self.simulator.plugged:
                    self._serve_connection(conn)

    def _serve_connection(self, conn: socket.socket) -> None:
        sim = self.simulator
        # A new TCP connection starts clean: answers queued for a connection that is gone
        # (its host was killed mid-exchange) must not reach the next host.
        sim.discard_output()
        sim.reset()
        generation = sim.generation
        while not self._stop.is_set():
            if not sim.plugged or sim.generation != generation:
                return  # the cable was pulled: drop the connection
            now = time.monotonic()
            data = sim.emit(now)
            if data:
                with contextlib.suppress(OSError):
                    conn.sendall(data)
            next_at = sim.next_emit_at(now)
            wait = 0.05 if next_at is None else min(0.05, max(0.0, next_at - now))
            readable, _, _ = select.select([conn], [], [], wait)
            if readable:
                try:
                    chunk = conn.recv(4096)
                except OSError:
                    return
                if not chunk:
                    return
                sim.receive(chunk, time.monotonic())


def main(argv: list[str] | None = None) -> int:
    """``python -m hal.sim.payment_terminal``: serve the terminal over TCP."""
    parser = argparse.ArgumentParser(prog="python -m hal.sim.payment_terminal",
                                     description="Serve a simulated ZVT terminal over TCP.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=zvt.DEFAULT_TCP_PORT)
    parser.add_argument("--profile", default="ok")
    args = parser.parse_args(argv)
    sim = PaymentTerminalSimulator(args.profile, {"transport": "tcp"})
    with ZvtTcpServer(sim, args.host, args.port) as server:
        print(server.url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
