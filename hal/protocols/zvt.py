"""ZVT (ECR interface to card payment terminals) — pure encode/decode, no I/O.

Wire format (ZVT protocol, "Kassenschnittstelle"):

* APDU: ``CLASS INSTR LEN DATA`` where LEN is one byte, or ``FF`` followed by a
  two-byte little-endian length for data longer than 254 bytes.
* Serial transport wraps each APDU in a frame ``10 02 <APDU, every 10 doubled> 10 03 CRC``.
  The CRC is CRC-CCITT reflected (poly 0x8408, init 0x0000, i.e. CRC-16/KERMIT) over the
  *unstuffed* APDU plus the ``03`` byte, sent low byte first; the CRC bytes themselves are
  not stuffed. The receiver answers a frame with one byte: ``06`` ACK or ``15`` NAK.
* TCP transport (port 20007 by default) sends the bare APDUs, no framing, no ACK/NAK.

Amounts: bitmap ``04`` is a 6-byte BCD number in the smallest unit of the currency named
by bitmap ``49`` (ISO 4217 numeric). VND has ISO 4217 exponent 0, so for a terminal set
up for VND the field holds whole dong. Terminals configured with two decimals ("xu") are
handled by ``amount_exponent``: ``vnd_to_amount_field(15000, exponent=2) == 1500000``.

Numbering: the *terminal* assigns the trace number (bitmap ``0B``) and the receipt number
(``87``) of every transaction; the cash register (ECR) sends none in an authorisation
``06 01``. The answer to an authorisation is the status information (``04 0F``) that
arrives inside that exchange. A lost answer is looked up with Repeat Receipt ``06 20``:
the terminal sends the status information of its *last* transaction (or aborts with
``RESULT_NO_SUCH_TRANSACTION`` when it has none), and the ECR matches it by trace number
and amount against what it already knows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from hal.errors import ProtocolError

DLE = 0x10
STX = 0x02
ETX = 0x03
ACK = 0x06
NAK = 0x15

DEFAULT_TCP_PORT = 20007
CURRENCY_VND = 704
MAX_AMOUNT_FIELD = 999_999_999_999  # 12 BCD digits

# Commands as (CLASS, INSTR).
CMD_REGISTRATION = (0x06, 0x00)
CMD_AUTHORISATION = (0x06, 0x01)
CMD_COMPLETION = (0x06, 0x0F)
CMD_ABORT = (0x06, 0x1E)
CMD_STATUS_ENQUIRY = (0x05, 0x01)
CMD_REPEAT_RECEIPT = (0x06, 0x20)
CMD_INTERMEDIATE_STATUS = (0x04, 0xFF)
CMD_STATUS_INFORMATION = (0x04, 0x0F)
CMD_POSITIVE_ACK = (0x80, 0x00)
NEGATIVE_ACK_CLASS = 0x84

# Result codes (bitmap 27 and abort data).
RESULT_SUCCESS = 0x00
RESULT_DECLINED = 0x05  # "do not honour" from the authorisation host
RESULT_ABORTED = 0x6C  # abort via timeout or abort key
RESULT_CREDIT_NOT_SUFFICIENT = 0x71
RESULT_CARD_EXPIRED = 0x78
RESULT_NO_SUCH_TRANSACTION = 0x83  # "function not possible": e.g. no transaction to repeat
RESULT_PROTOCOL_ERROR = 0x9A
RESULT_SYSTEM_ERROR = 0xFF

RESULT_TEXTS = {
    RESULT_SUCCESS: "approved",
    RESULT_DECLINED: "declined by the card issuer",
    RESULT_ABORTED: "cancelled at the terminal or timed out",
    RESULT_CREDIT_NOT_SUFFICIENT: "insufficient funds",
    RESULT_CARD_EXPIRED: "card expired",
    RESULT_NO_SUCH_TRANSACTION: "no such transaction",
    RESULT_PROTOCOL_ERROR: "terminal reported a protocol error",
    RESULT_SYSTEM_ERROR: "terminal system error",
}

# Intermediate status codes (04 FF).
INTERMEDIATE_INSERT_CARD = 0x0A
INTERMEDIATE_ENTER_PIN = 0x0E
INTERMEDIATE_PLEASE_WAIT = 0x17
INTERMEDIATE_REMOVE_CARD = 0x1F


def describe_result(code: int) -> str:
    """A short human text for a ZVT result code."""
    return RESULT_TEXTS.get(code, f"terminal result code 0x{code:02X}")


# --------------------------------------------------------------------------- CRC, BCD


def crc_ccitt_reflected(data: bytes, crc: int = 0x0000) -> int:
    """CRC-CCITT, reflected (poly 0x8408), init 0x0000 — a.k.a. CRC-16/KERMIT."""
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc


def encode_bcd(value: int, length: int) -> bytes:
    """``value`` as packed BCD, right-aligned in ``length`` bytes."""
    if value < 0 or value >= 10 ** (2 * length):
        raise ValueError(f"{value} does not fit in {length} BCD bytes")
    return bytes.fromhex(f"{value:0{2 * length}d}")


def decode_bcd(data: bytes) -> int:
    """Packed BCD to int; a nibble above 9 is a :class:`ProtocolError`."""
    digits = data.hex()
    if not digits.isdigit():
        raise ProtocolError(f"invalid BCD digits: {digits!r}")
    return int(digits) if digits else 0


def vnd_to_amount_field(amount_vnd: int, exponent: int = 0) -> int:
    """Integer VND to the value of ZVT amount field 04 for a terminal with ``exponent`` decimals."""
    if amount_vnd <= 0:
        raise ValueError("amount must be a positive number of VND")
    value = amount_vnd * 10**exponent
    if value > MAX_AMOUNT_FIELD:
        raise ValueError("amount too large for the ZVT amount field")
    return value


def amount_field_to_vnd(value: int, exponent: int = 0) -> int:
    """Inverse of :func:`vnd_to_amount_field` (fractions of a dong are truncated)."""
    return value // 10**exponent


# --------------------------------------------------------------------------- APDU


@dataclass(frozen=True)
class Apdu:
    """One ZVT application protocol data unit."""

    cls: int
    instr: int
    data: bytes = b""

    @property
    def command(self) -> tuple[int, int]:
        return (self.cls, self.instr)

    def __bytes__(self) -> bytes:
        return encode_apdu(self)


def encode_apdu(apdu: Apdu) -> bytes:
    """``CLASS INSTR LEN DATA`` with the extended length form above 254 bytes."""
    size = len(apdu.data)
    if size < 0xFF:
        length = bytes([size])
    elif size <= 0xFFFF:
        length = b"\xff" + size.to_bytes(2, "little")
    else:
        raise ValueError("APDU data longer than 65535 bytes")
    return bytes([apdu.cls, apdu.instr]) + length + apdu.data


def split_apdu(buffer: bytes) -> tuple[Apdu, bytes] | None:
    """Take one APDU off the front of ``buffer``; ``None`` if it is not complete yet."""
    if len(buffer) < 3:
        return None
    if buffer[2] == 0xFF:
        if len(buffer) < 5:
            return None
        size, start = int.from_bytes(buffer[3:5], "little"), 5
    else:
        size, start = buffer[2], 3
    end = start + size
    if len(buffer) < end:
        return None
    return Apdu(buffer[0], buffer[1], bytes(buffer[start:end])), bytes(buffer[end:])


def decode_apdu(data: bytes) -> Apdu:
    """Exactly one APDU; truncated or trailing bytes are a :class:`ProtocolError`."""
    split = split_apdu(data)
    if split is None:
        raise ProtocolError("truncated ZVT APDU")
    apdu, rest = split
    if rest:
        raise ProtocolError("ZVT APDU length does not match the data")
    return apdu


# --------------------------------------------------------------------------- serial frames


def encode_frame(apdu_bytes: bytes) -> bytes:
    """Serial frame ``10 02 <stuffed APDU> 10 03 CRC-lo CRC-hi``."""
    crc = crc_ccitt_reflected(apdu_bytes + bytes([ETX]))
    stuffed = apdu_bytes.replace(bytes([DLE]), bytes([DLE, DLE]))
    return bytes([DLE, STX]) + stuffed + bytes([DLE, ETX]) + crc.to_bytes(2, "little")


def decode_frame(frame: bytes) -> bytes:
    """The APDU bytes inside exactly one serial frame; any defect is a :class:`ProtocolError`."""
    reader = FrameReader()
    events = reader.feed(frame)
    if reader.pending or len(events) != 1:
        raise ProtocolError("not exactly one ZVT frame")
    event = events[0]
    if event.kind == "error":
        raise ProtocolError(event.error)
    if event.kind != "frame":
        raise ProtocolError("not a ZVT frame")
    return event.apdu


@dataclass(frozen=True)
class LinkEvent:
    """One thing seen on the serial line: ``ack``, ``nak``, ``frame`` (with apdu) or ``error``."""

    kind: str
    apdu: bytes = b""
    error: str = ""


@dataclass
class FrameReader:
    """Incremental serial-line parser: feed it bytes, get :class:`LinkEvent`s.

    Never raises: broken frames become ``error`` events so the link layer can NAK them.
    """

    _state: str = "idle"
    _body: bytearray = field(default_factory=bytearray)
    _crc: bytearray = field(default_factory=bytearray)

    @property
    def pending(self) -> bool:
        """True while a frame has started but not finished."""
        return self._state != "idle"

    def feed(self, data: Iterable[int]) -> list[LinkEvent]:
        events: list[LinkEvent] = []
        for byte in data:
            event = self._step(byte)
            if event is not None:
                events.append(event)
        return events

    def _step(self, byte: int) -> LinkEvent | None:
        state = self._state
        if state == "idle":
            if byte == ACK:
                return LinkEvent("ack")
            if byte == NAK:
                return LinkEvent("nak")
            if byte == DLE:
                self._state = "start"
                return None
            return LinkEvent("error", error="unexpected byte outside a frame")
        if state == "start":
            if byte == STX:
                self._state, self._body = "body", bytearray()
                return None
            self._state = "idle"
            return LinkEvent("error", error="frame start without STX")
        if state == "body":
            if byte == DLE:
                self._state = "escape"
            else:
                self._body.append(byte)
            return None
        if state == "escape":
            if byte == DLE:
                self._body.append(DLE)
                self._state = "body"
                return None
            if byte == ETX:
                self._state, self._crc = "crc", bytearray()
                return None
            self._state = "idle"
            return LinkEvent("error", error="lone DLE inside a frame")
        # state == "crc"
        self._crc.append(byte)
        if len(self._crc) < 2:
            return None
        self._state = "idle"
        body = bytes(self._body)
        expected = crc_ccitt_reflected(body + bytes([ETX]))
        if int.from_bytes(self._crc, "little") != expected:
            return LinkEvent("error", error="bad frame checksum")
        return LinkEvent("frame", apdu=body)


# --------------------------------------------------------------------------- bitmaps

# Bitmap number -> fixed length in bytes, or "LL"/"LLL" (F0..F9 length digits), or "TLV".
BITMAP_FORMATS: dict[int, int | str] = {
    0x01: 1,  # timeout
    0x02: 1,  # max. status infos
    0x03: 1,  # service byte
    0x04: 6,  # amount, BCD
    0x05: 1,  # pump number
    0x06: "TLV",  # TLV container
    0x0B: 3,  # trace number, BCD
    0x0C: 3,  # time HHMMSS, BCD
    0x0D: 2,  # date MMDD, BCD
    0x0E: 2,  # card expiry YYMM, BCD
    0x17: 2,  # card sequence number, BCD
    0x19: 1,  # payment type / status byte
    0x22: "LL",  # PAN, BCD
    0x23: "LL",  # track 2
    0x24: "LLL",  # track 3
    0x27: 1,  # result code
    0x29: 4,  # terminal id, BCD
    0x2A: 15,  # VU number, ASCII
    0x2D: "LL",  # track 1
    0x37: 3,  # trace number of original transaction, BCD
    0x3A: 2,  # CVV
    0x3B: 8,  # AID
    0x3C: "LLL",  # additional text
    0x3D: 3,  # password, BCD
    0x49: 2,  # currency code, BCD
    0x87: 2,  # receipt number, BCD
    0x88: 3,  # turnover number, BCD
    0x8A: 1,  # card type
    0x8B: "LL",  # card name, ASCII
    0x8C: 1,  # card type id
    0xA0: 1,  # result code AS
    0xBA: 5,  # AID parameter
}


def _encode_var_length(size: int, digits: int) -> bytes:
    text = f"{size:0{digits}d}"
    if len(text) != digits:
        raise ValueError("bitmap value too long")
    return bytes(0xF0 | int(d) for d in text)


def _encode_ber_length(size: int) -> bytes:
    if size < 0x80:
        return bytes([size])
    if size <= 0xFF:
        return bytes([0x81, size])
    return bytes([0x82]) + size.to_bytes(2, "big")


def encode_bitmaps(fields: Iterable[tuple[int, bytes]]) -> bytes:
    """Serialise ``(bitmap, value bytes)`` pairs; variable lengths get their prefixes."""
    out = bytearray()
    for number, value in fields:
        fmt = BITMAP_FORMATS.get(number)
        if fmt is None:
            raise ValueError(f"unknown bitmap 0x{number:02X}")
        out.append(number)
        if fmt == "LL":
            out += _encode_var_length(len(value), 2)
        elif fmt == "LLL":
            out += _encode_var_length(len(value), 3)
        elif fmt == "TLV":
            out += _encode_ber_length(len(value))
        elif len(value) != fmt:
            raise ValueError(f"bitmap 0x{number:02X} needs {fmt} bytes")
        out += value
    return bytes(out)


def decode_bitmaps(data: bytes) -> list[tuple[int, bytes]]:
    """Parse a bitmap sequence; an unknown bitmap or a short value is a :class:`ProtocolError`."""
    fields: list[tuple[int, bytes]] = []
    pos = 0
    while pos < len(data):
        number = data[pos]
        pos += 1
        fmt = BITMAP_FORMATS.get(number)
        if fmt is None:
            raise ProtocolError(f"unknown ZVT bitmap 0x{number:02X}")
        if fmt in ("LL", "LLL"):
            digits = 2 if fmt == "LL" else 3
            prefix = data[pos : pos + digits]
            if len(prefix) < digits or any(b & 0xF0 != 0xF0 or b & 0x0F > 9 for b in prefix):
                raise ProtocolError(f"bad length prefix in bitmap 0x{number:02X}")
            size = int("".join(str(b & 0x0F) for b in prefix))
            pos += digits
        elif fmt == "TLV":
            size, pos = _decode_ber_length(data, pos)
        else:
            size = int(fmt)
        value = data[pos : pos + size]
        if len(value) < size:
            raise ProtocolError(f"bitmap 0x{number:02X} is truncated")
        fields.append((number, bytes(value)))
        pos += size
    return fields


def _decode_ber_length(data: bytes, pos: int) -> tuple[int, int]:
    if pos >= len(data):
        raise ProtocolError("missing TLV container length")
    first = data[pos]
    if first < 0x80:
        return first, pos + 1
    count = first & 0x7F
    if count not in (1, 2) or pos + 1 + count > len(data):
        raise ProtocolError("bad TLV container length")
    return int.from_bytes(data[pos + 1 : pos + 1 + count], "big"), pos + 1 + count


def _bitmap_dict(apdu: Apdu) -> dict[int, bytes]:
    return dict(decode_bitmaps(apdu.data))


def _expect(apdu: Apdu, command: tuple[int, int], name: str) -> None:
    if apdu.command != command:
        raise ProtocolError(f"expected {name}, got {apdu.cls:02X} {apdu.instr:02X}")


# --------------------------------------------------------------------------- messages


# Registration config byte (ZVT 06 00).
CONFIG_ECR_PRINTS_PAYMENT_RECEIPT = 0x02
CONFIG_ECR_PRINTS_ADMIN_RECEIPT = 0x04
CONFIG_INTERMEDIATE_STATUS = 0x08   # the ECR wants intermediate status information (04 FF)
CONFIG_ECR_CONTROLS_PAYMENT = 0x10
CONFIG_ECR_CONTROLS_ADMIN = 0x20
CONFIG_ECR_PRINT_TYPE = 0x80        # receipts as text blocks (06 D3)
DEFAULT_CONFIG = (CONFIG_ECR_PRINTS_PAYMENT_RECEIPT | CONFIG_ECR_PRINTS_ADMIN_RECEIPT
                  | CONFIG_INTERMEDIATE_STATUS | CONFIG_ECR_PRINT_TYPE)   # 0x8E


@dataclass(frozen=True)
class Registration:
    """Registration ``06 00``: password, config byte, currency."""

    password: int = 0
    config: int = DEFAULT_CONFIG  # ECR prints receipts, ECR wants intermediate status
    currency: int = CURRENCY_VND


def encode_registration(reg: Registration) -> Apdu:
    data = encode_bcd(reg.password, 3) + bytes([reg.config]) + encode_bcd(reg.currency, 2)
    return Apdu(*CMD_REGISTRATION, data)


def decode_registration(apdu: Apdu) -> Registration:
    _expect(apdu, CMD_REGISTRATION, "registration")
    if len(apdu.data) < 4:
        raise ProtocolError("registration is too short")
    currency = decode_bcd(apdu.data[4:6]) if len(apdu.data) >= 6 else CURRENCY_VND
    return Registration(decode_bcd(apdu.data[:3]), apdu.data[3], currency)


@dataclass(frozen=True)
class Authorisation:
    """Authorisation ``06 01``: amount field value and currency.

    No trace number: the terminal numbers its transactions itself (bitmap ``0B`` of its
    status information). An ECR that put its own reference into ``0B`` here would be
    writing into the terminal's trace-number field.
    """

    amount: int
    currency: int = CURRENCY_VND


def encode_authorisation(auth: Authorisation) -> Apdu:
    fields = [(0x04, encode_bcd(auth.amount, 6)), (0x49, encode_bcd(auth.currency, 2))]
    return Apdu(*CMD_AUTHORISATION, encode_bitmaps(fields))


def decode_authorisation(apdu: Apdu) -> Authorisation:
    _expect(apdu, CMD_AUTHORISATION, "authorisation")
    fields = _bitmap_dict(apdu)
    if 0x04 not in fields:
        raise ProtocolError("authorisation without an amount")
    return Authorisation(
        amount=decode_bcd(fields[0x04]),
        currency=decode_bcd(fields[0x49]) if 0x49 in fields else CURRENCY_VND,
    )


def encode_repeat_receipt(password: int = 0) -> Apdu:
    """Repeat Receipt ``06 20``: the terminal reports its last transaction again."""
    return Apdu(*CMD_REPEAT_RECEIPT, encode_bcd(password, 3))


def decode_repeat_receipt(apdu: Apdu) -> int:
    """The password of a Repeat Receipt ``06 20``."""
    _expect(apdu, CMD_REPEAT_RECEIPT, "repeat receipt")
    if len(apdu.data) < 3:
        raise ProtocolError("repeat receipt is too short")
    return decode_bcd(apdu.data[:3])


@dataclass(frozen=True)
class StatusEnquiry:
    """Status enquiry ``05 01``: password (``reference`` is a legacy project-profile bitmap).

    The station no longer uses it to find a payment; see :func:`encode_repeat_receipt`.
    """

    password: int = 0
    reference: int | None = None


def encode_status_enquiry(enq: StatusEnquiry) -> Apdu:
    data = encode_bcd(enq.password, 3)
    if enq.reference is not None:
        data += encode_bitmaps([(0x0B, encode_bcd(enq.reference, 3))])
    return Apdu(*CMD_STATUS_ENQUIRY, data)


def decode_status_enquiry(apdu: Apdu) -> StatusEnquiry:
    _expect(apdu, CMD_STATUS_ENQUIRY, "status enquiry")
    if len(apdu.data) < 3:
        raise ProtocolError("status enquiry is too short")
    fields = dict(decode_bitmaps(apdu.data[3:]))
    reference = decode_bcd(fields[0x0B]) if 0x0B in fields else None
    return StatusEnquiry(decode_bcd(apdu.data[:3]), reference)


def encode_intermediate_status(code: int, timeout_s: int | None = None) -> Apdu:
    data = bytes([code]) + (bytes([timeout_s]) if timeout_s is not None else b"")
    return Apdu(*CMD_INTERMEDIATE_STATUS, data)


def decode_intermediate_status(apdu: Apdu) -> int:
    _expect(apdu, CMD_INTERMEDIATE_STATUS, "intermediate status")
    if not apdu.data:
        raise ProtocolError("intermediate status without a code")
    return apdu.data[0]


@dataclass(frozen=True)
class StatusInformation:
    """Status information ``04 0F``: the outcome of a transaction."""

    result_code: int
    amount: int | None = None
    currency: int | None = None
    trace_number: int | None = None
    receipt_number: int | None = None
    terminal_id: int | None = None
    card_name: str | None = None
    time: str | None = None  # HHMMSS
    date: str | None = None  # MMDD

    @property
    def approved(self) -> bool:
        return self.result_code == RESULT_SUCCESS


def encode_status_information(info: StatusInformation) -> Apdu:
    fields: list[tuple[int, bytes]] = [(0x27, bytes([info.result_code]))]
    if info.amount is not None:
        fields.append((0x04, encode_bcd(info.amount, 6)))
    if info.currency is not None:
        fields.append((0x49, encode_bcd(info.currency, 2)))
    if info.trace_number is not None:
        fields.append((0x0B, encode_bcd(info.trace_number, 3)))
    if info.time is not None:
        fields.append((0x0C, bytes.fromhex(info.time)))
    if info.date is not None:
        fields.append((0x0D, bytes.fromhex(info.date)))
    if info.receipt_number is not None:
        fields.append((0x87, encode_bcd(info.receipt_number, 2)))
    if info.terminal_id is not None:
        fields.append((0x29, encode_bcd(info.terminal_id, 4)))
    if info.card_name is not None:
        fields.append((0x8B, info.card_name.encode("ascii")))
    return Apdu(*CMD_STATUS_INFORMATION, encode_bitmaps(fields))


def decode_status_information(apdu: Apdu) -> StatusInformation:
    _expect(apdu, CMD_STATUS_INFORMATION, "status information")
    fields = _bitmap_dict(apdu)
    if 0x27 not in fields:
        raise ProtocolError("status information without a result code")

    def bcd(number: int) -> int | None:
        return decode_bcd(fields[number]) if number in fields else None

    def bcd_text(number: int) -> str | None:
        if number not in fields:
            return None
        decode_bcd(fields[number])  # validates the digits
        return fields[number].hex()

    card_name = fields.get(0x8B)
    return StatusInformation(
        result_code=fields[0x27][0],
        amount=bcd(0x04),
        currency=bcd(0x49),
        trace_number=bcd(0x0B),
        receipt_number=bcd(0x87),
        terminal_id=bcd(0x29),
        card_name=card_name.decode("ascii", "replace") if card_name is not None else None,
        time=bcd_text(0x0C),
        date=bcd_text(0x0D),
    )


def encode_completion(status_byte: int | None = None) -> Apdu:
    data = encode_bitmaps([(0x19, bytes([status_byte]))]) if status_byte is not None else b""
    return Apdu(*CMD_COMPLETION, data)


def encode_abort(result_code: int) -> Apdu:
    return Apdu(*CMD_ABORT, bytes([result_code]))


def decode_abort(apdu: Apdu) -> int:
    """The result code carried by an abort ``06 1E`` (``RESULT_SYSTEM_ERROR`` if absent)."""
    _expect(apdu, CMD_ABORT, "abort")
    return apdu.data[0] if apdu.data else RESULT_SYSTEM_ERROR


def positive_ack() -> Apdu:
    """``80 00 00`` — the receiver understood the APDU."""
    return Apdu(*CMD_POSITIVE_ACK)


def negative_ack(code: int = RESULT_PROTOCOL_ERROR) -> Apdu:
    """``84 xx 00`` — the receiver refuses the APDU with error ``xx``."""
    return Apdu(NEGATIVE_ACK_CLASS, code)
