"""Card payment terminal driver: ZVT over serial (framed, ACK/NAK) or TCP (bare APDUs).

The one rule that matters: **a payment whose answer was lost is "outcome unknown", never
"declined"**. Once the authorisation may have reached the terminal, every failure —
timeout, garbage, unplug — raises :class:`PaymentOutcomeUnknown`; the payment service then
asks the terminal for its last transaction (:meth:`PaymentTerminalDriver.last_transaction`,
ZVT Repeat Receipt ``06 20``) instead of charging again.

The terminal numbers its transactions itself: the authorisation carries no trace number
from the station, and the answer to it is the status information that arrives inside that
exchange. Its trace and receipt numbers are returned on :class:`PaymentResult`.
Only an explicit answer from the terminal (abort ``06 1E`` or a negative result code) is
reported as :class:`PaymentDeclined`.

Transport: a ``socket://host:port`` URL (pyserial's TCP handler; ZVT's port is 20007)
selects the TCP framing, anything else the serial framing; override with the descriptor
option ``transport`` (``serial``/``tcp``). Other options: ``password`` (registration
password, default 0), ``amount_exponent`` (decimals the terminal expects for VND, default
0 — ISO 4217), ``ack_timeout`` (seconds, default 5 — ZVT T3), ``result_timeout`` (seconds
to wait for the outcome after the card holder was asked, default 180).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import serial

from hal.drivers import register_driver
from hal.drivers.base import Driver
from hal.errors import DeviceFault, DeviceTimeout, HalError, ProtocolError
from hal.model import DeviceKind, Status
from hal.protocols import zvt

MAX_NAK_RETRIES = 3


@dataclass(frozen=True)
class PaymentResult:
    """What the terminal said about one payment.

    ``outcome`` is ``approved``, ``declined`` or ``not_found`` (the terminal has no
    transaction to report). ``reference`` is the station's local tag for the attempt (never
    sent to the terminal; None for a :meth:`~PaymentTerminalDriver.last_transaction` answer);
    ``trace_number`` and ``receipt_number`` are the terminal's own numbers.
    """

    outcome: str
    reference: int | None
    amount_vnd: int | None = None
    result_code: int | None = None
    trace_number: int | None = None     # the terminal's own numbers, as it assigned them
    receipt_number: int | None = None
    terminal_id: int | None = None
    card_name: str | None = None
    message: str = ""

    @property
    def approved(self) -> bool:
        return self.outcome == "approved"


class PaymentDeclined(DeviceFault):
    """The terminal answered: not paid (declined, cancelled, insufficient funds...)."""

    def __init__(self, result: PaymentResult) -> None:
        super().__init__("declined", f"Payment not completed: {result.message}.")
        self.result = result


class PaymentOutcomeUnknown(DeviceFault):
    """The terminal may or may not have charged the card: ask it with ``last_transaction()``.

    Never charge again on this error; resolve it with the terminal's own data.
    """

    def __init__(self, reference: int, why: str, status_after: Status) -> None:
        super().__init__(
            "outcome_unknown",
            f"The payment terminal's answer was lost ({why}). The card may have been "
            f"charged; the payment will be checked with the terminal before any retry.",
            status_after=status_after,
        )
        self.reference = reference


class _SerialLink:
    """ZVT serial framing: frames, ACK/NAK, retransmission on NAK."""

    def __init__(self, driver: PaymentTerminalDriver, port: Any) -> None:
        self.driver, self.port = driver, port
        self.reader = zvt.FrameReader()
        self.events: list[zvt.LinkEvent] = []
        self.held: list[zvt.LinkEvent] = []

    def send(self, apdu: zvt.Apdu, ack_timeout: float) -> None:
        frame = zvt.encode_frame(zvt.encode_apdu(apdu))
        for _ in range(1 + MAX_NAK_RETRIES):
            self.port.write(frame)
            deadline = self.driver._deadline(ack_timeout)
            while True:
                event = self._next_event(deadline, "an acknowledgement")
                if event.kind == "ack":
                    return
                if event.kind == "nak":
                    break
                if event.kind == "error":
                    raise ProtocolError("payment terminal sent garbage instead of an ACK")
                self.held.append(event)  # a frame before the ACK: keep it for receive()
        raise ProtocolError("payment terminal rejected the frame repeatedly (NAK)")

    def receive(self, deadline: float) -> zvt.Apdu:
        bad = 0
        while True:
            event = self.held.pop(0) if self.held else self._next_event(deadline, "a message")
            if event.kind == "frame":
                self.port.write(bytes([zvt.ACK]))
                return zvt.decode_apdu(event.apdu)
            if event.kind == "error":
                bad += 1
                if bad > MAX_NAK_RETRIES:
                    raise ProtocolError("payment terminal keeps sending broken frames")
                self.port.write(bytes([zvt.NAK]))

    def _next_event(self, deadline: float, what: str) -> zvt.LinkEvent:
        while not self.events:
            chunk = self.driver._read_some(self.port, deadline)
            if not chunk:
                raise DeviceTimeout(f"payment terminal did not send {what} in time")
            events = self.reader.feed(chunk)
            errors = [e for e in events if e.kind == "error"]
            # A burst of noise counts once, so the NAK budget is spent per broken message.
            self.events.extend([e for e in events if e.kind != "error"] + errors[:1])
        return self.events.pop(0)


class _TcpLink:
    """ZVT over TCP: bare APDUs, no link-level acknowledgement."""

    def __init__(self, driver: PaymentTerminalDriver, port: Any) -> None:
        self.driver, self.port = driver, port
        self.buffer = b""

    def send(self, apdu: zvt.Apdu, ack_timeout: float) -> None:
        self.port.write(zvt.encode_apdu(apdu))

    def receive(self, deadline: float) -> zvt.Apdu:
        while True:
            split = zvt.split_apdu(self.buffer)
            if split is not None:
                apdu, self.buffer = split
                return apdu
            chunk = self.driver._read_some(self.port, deadline)
            if not chunk:
                raise DeviceTimeout("payment terminal did not send a message in time")
            self.buffer += chunk


@register_driver(DeviceKind.payment_terminal)
class PaymentTerminalDriver(Driver):
    """ZVT payment terminal (ECR side)."""

    default_capabilities = frozenset({"zvt", "card_payment", "status_enquiry"})
    option_defaults: ClassVar[dict[str, Any]] = {
        "transport": "auto",
        "password": 0,
        "amount_exponent": 0,
        "ack_timeout": 5.0,
        "result_timeout": 180.0,
    }

    # -- public API -------------------------------------------------------------------------

    def authorise(self, amount_vnd: int, reference: int,
                  on_progress: Callable[[int], None] | None = None) -> PaymentResult:
        """Charge ``amount_vnd`` (integer VND) to the card the citizen presents.

        ``reference`` (0–999999) is the station's local tag for this attempt (carried on the
        result and errors; the terminal assigns its own trace number). ``on_progress(code)`` receives intermediate status codes (insert
        card, enter PIN...). Returns the approved :class:`PaymentResult`; raises
        :class:`PaymentDeclined`, :class:`PaymentOutcomeUnknown`, or — when the terminal
        certainly did not get the request — DeviceNotReady / DeviceTimeout / ProtocolError.
        """
        if not 0 <= reference <= 999_999:
            raise ValueError("reference must be a number from 0 to 999999")
        exponent = int(self.options["amount_exponent"])
        amount = zvt.vnd_to_amount_field(amount_vnd, exponent)
        request = zvt.encode_authorisation(
            zvt.Authorisation(amount=amount, currency=zvt.CURRENCY_VND)
        )
        with self._session() as port:
            link = self._link(port)
            self._register(link)
            try:
                link.send(request, float(self.options["ack_timeout"]))
            except ProtocolError:
                raise  # the terminal refused the frame (NAK) or said nothing we understood
            except (DeviceTimeout, serial.SerialException, OSError) as exc:
                raise self._unknown(reference, exc) from None
            try:
                return self._await_outcome(link, reference, on_progress)
            except (PaymentDeclined, PaymentOutcomeUnknown):
                raise
            except (HalError, serial.SerialException, OSError, ValueError) as exc:
                raise self._unknown(reference, exc) from None

    def last_transaction(self) -> PaymentResult:
        """The terminal's last transaction (ZVT Repeat Receipt ``06 20``), with its numbers.

        Returns ``approved`` or ``declined`` with the terminal's trace and receipt numbers
        and the amount, or ``not_found`` when the terminal has no transaction to report. The
        caller decides whether it is the payment it looks for (trace number, amount). Raises
        DeviceTimeout / DeviceNotReady / ProtocolError if the terminal cannot be asked now.
        """
        with self._session() as port:
            link = self._link(port)
            self._register(link)
            link.send(zvt.encode_repeat_receipt(int(self.options["password"])),
                      float(self.options["ack_timeout"]))
            self._expect_positive_ack(link)
            deadline = self._deadline(float(self.options["result_timeout"]))
            info: zvt.StatusInformation | None = None
            while True:
                apdu = self._receive_message(link, deadline)
                if apdu.command == zvt.CMD_STATUS_INFORMATION:
                    info = zvt.decode_status_information(apdu)
                elif apdu.command == zvt.CMD_ABORT:
                    code = zvt.decode_abort(apdu)
                    if code == zvt.RESULT_NO_SUCH_TRANSACTION:
                        return PaymentResult("not_found", None, result_code=code,
                                             message=zvt.describe_result(code))
                    raise ProtocolError(f"terminal refused to repeat its last transaction "
                                        f"({zvt.describe_result(code)})")
                elif apdu.command == zvt.CMD_COMPLETION:
                    if info is None:
                        raise ProtocolError("terminal completed without a transaction status")
                    return self._result(info, None)

    # -- steps ------------------------------------------------------------------------------

    def _link(self, port: Any) -> _SerialLink | _TcpLink:
        transport = self.options["transport"]
        if transport == "auto":
            transport = "tcp" if self.descriptor.url.startswith("socket://") else "serial"
        return _TcpLink(self, port) if transport == "tcp" else _SerialLink(self, port)

    def _register(self, link: _SerialLink | _TcpLink) -> None:
        link.send(zvt.encode_registration(zvt.Registration(int(self.options["password"]))),
                  float(self.options["ack_timeout"]))
        self._expect_positive_ack(link)
        deadline = self._deadline(float(self.options["ack_timeout"]))
        while True:
            apdu = self._receive_message(link, deadline)
            if apdu.command == zvt.CMD_COMPLETION:
                return
            if apdu.command == zvt.CMD_ABORT:
                raise DeviceFault("registration_refused",
                                  "The payment terminal refused the cash register "
                                  f"({zvt.describe_result(zvt.decode_abort(apdu))}).",
                                  status_after=Status.ERROR)

    def _expect_positive_ack(self, link: _SerialLink | _TcpLink) -> None:
        apdu = link.receive(self._deadline(float(self.options["ack_timeout"])))
        if apdu.cls == zvt.NEGATIVE_ACK_CLASS:
            raise DeviceFault("refused", "The payment terminal refused the request "
                              f"({zvt.describe_result(apdu.instr)}). Check its password "
                              "and setup.", status_after=Status.ERROR)
        if apdu.command != zvt.CMD_POSITIVE_ACK:
            raise ProtocolError("payment terminal did not acknowledge the request")

    def _receive_message(self, link: _SerialLink | _TcpLink, deadline: float) -> zvt.Apdu:
        """Next message from the terminal, acknowledged with ``80 00 00``."""
        apdu = link.receive(deadline)
        link.send(zvt.positive_ack(), float(self.options["ack_timeout"]))
        return apdu

    def _await_outcome(self, link: _SerialLink | _TcpLink, reference: int,
                       on_progress: Callable[[int], None] | None) -> PaymentResult:
        apdu = link.receive(self._deadline(float(self.options["ack_timeout"])))
        if apdu.cls == zvt.NEGATIVE_ACK_CLASS:
            # The terminal refused the command outright: nothing was charged.
            result = PaymentResult("declined", reference, result_code=apdu.instr,
                                   message=zvt.describe_result(apdu.instr))
            raise PaymentDeclined(result)
        if apdu.command != zvt.CMD_POSITIVE_ACK:
            raise ProtocolError("payment terminal did not acknowledge the authorisation")
        deadline = self._deadline(float(self.options["result_timeout"]))
        info: zvt.StatusInformation | None = None
        while True:
            apdu = self._receive_message(link, deadline)
            if apdu.command == zvt.CMD_INTERMEDIATE_STATUS:
                if on_progress is not None:
                    on_progress(zvt.decode_intermediate_status(apdu))
            elif apdu.command == zvt.CMD_STATUS_INFORMATION:
                # The status information inside this exchange is this authorisation's: the
                # terminal assigns its own trace and receipt numbers, which are kept.
                info = zvt.decode_status_information(apdu)
            elif apdu.command == zvt.CMD_ABORT:
                code = zvt.decode_abort(apdu)
                result = self._result(info, reference) if info is not None else PaymentResult(
                    "declined", reference, result_code=code, message=zvt.describe_result(code))
                if result.approved:  # an abort after an approval would be contradictory
                    raise ProtocolError("terminal aborted an approved payment")
                raise PaymentDeclined(result)
            elif apdu.command == zvt.CMD_COMPLETION:
                if info is None:
                    raise ProtocolError("terminal completed without a payment status")
                result = self._result(info, reference)
                if not result.approved:
                    raise PaymentDeclined(result)
                return result

    def _result(self, info: zvt.StatusInformation, reference: int | None) -> PaymentResult:
        exponent = int(self.options["amount_exponent"])
        return PaymentResult(
            outcome="approved" if info.approved else "declined",
            reference=reference,
            amount_vnd=zvt.amount_field_to_vnd(info.amount, exponent) if info.amount else None,
            result_code=info.result_code,
            trace_number=info.trace_number,
            receipt_number=info.receipt_number,
            terminal_id=info.terminal_id,
            card_name=info.card_name,
            message=zvt.describe_result(info.result_code),
        )

    def _unknown(self, reference: int, exc: BaseException) -> PaymentOutcomeUnknown:
        if isinstance(exc, (serial.SerialException, OSError)):
            self._close_port()
            return PaymentOutcomeUnknown(reference, "terminal disconnected", Status.NOT_READY)
        if isinstance(exc, DeviceTimeout):
            self._close_port()
            return PaymentOutcomeUnknown(reference, "no answer in time", Status.NOT_READY)
        self._discard_input()
        return PaymentOutcomeUnknown(reference, "garbled answer", Status.ERROR)

    def _probe(self, port: Any) -> str | None:
        self._register(self._link(port))
        return None
