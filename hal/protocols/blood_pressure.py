"""Blood pressure: the Bluetooth GATT Blood Pressure Measurement (0x2A35) value, carried
on a serial line in our own frame.

Measurement value (all little-endian)::

    flags u8      bit0 unit kPa (else mmHg) | bit1 timestamp | bit2 pulse rate |
                  bit3 user id | bit4 measurement status
    systolic      SFLOAT
    diastolic     SFLOAT
    mean arterial SFLOAT
    [timestamp]   year u16, month u8, day u8, hours u8, minutes u8, seconds u8
    [pulse rate]  SFLOAT (/min)
    [user id]     u8
    [status]      u16: bit0 body movement | bit1 cuff too loose | bit2 irregular pulse |
                  bits3-4 pulse rate range | bit5 improper measurement position

SFLOAT (IEEE 11073-20601): 16 bits, 4-bit signed exponent (high nibble) and 12-bit signed
mantissa, value = mantissa * 10**exponent. Reserved mantissas (exponent 0): NaN 0x07FF,
NRes 0x0800, +INF 0x07FE, -INF 0x0802, reserved 0x0801.

Serial frame (ours)::

    STX 0x02 | LEN u8 = len(TYPE + PAYLOAD) | TYPE u8 | PAYLOAD | CRC u16 big-endian

CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final xor; check value
0x29B1 for "123456789") over LEN, TYPE and PAYLOAD.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from datetime import datetime

from hal.errors import ProtocolError
from hal.protocols.crc import crc16_ccitt_false  # re-exported for callers

# -- SFLOAT -----------------------------------------------------------------------------

SFLOAT_NAN = 0x07FF
SFLOAT_NRES = 0x0800
SFLOAT_POS_INF = 0x07FE
SFLOAT_NEG_INF = 0x0802
SFLOAT_RESERVED = 0x0801
_MANTISSA_MAX = 2045  # 2046/2047 and -2046..-2048 are reserved specials


class NotAResolution(float):
    """Decoded NRes ("not at this resolution"): a float NaN that remembers its origin."""

    def __new__(cls) -> NotAResolution:
        return super().__new__(cls, math.nan)


def decode_sfloat(raw: int) -> float:
    """The value of a 16-bit SFLOAT (NaN for NaN/NRes/reserved, +-inf for the infinities)."""
    raw &= 0xFFFF
    mantissa = raw & 0x0FFF
    exponent = raw >> 12
    if exponent == 0:
        if mantissa == SFLOAT_NAN or mantissa == SFLOAT_RESERVED:
            return math.nan
        if mantissa == SFLOAT_NRES:
            return NotAResolution()
        if mantissa == SFLOAT_POS_INF:
            return math.inf
        if mantissa == SFLOAT_NEG_INF:
            return -math.inf
    if mantissa >= 0x0800:
        mantissa -= 0x1000
    if exponent >= 0x8:
        exponent -= 0x10
    value = mantissa * 10.0**exponent
    return round(value, -exponent) if exponent < 0 else value


def encode_sfloat(value: float, exponent: int | None = None) -> int:
    """The 16-bit SFLOAT of ``value``.

    Without ``exponent``: the exact representation with exponent 0 if there is one (128 ->
    ``0x0080``), else the first exact one going to finer (-1, -2, ...) then coarser
    exponents; if none is exact, the finest exponent whose mantissa fits.
    """
    if math.isnan(value):
        return SFLOAT_NRES if isinstance(value, NotAResolution) else SFLOAT_NAN
    if math.isinf(value):
        return SFLOAT_POS_INF if value > 0 else SFLOAT_NEG_INF
    exponents = [exponent] if exponent is not None else [0, *range(-1, -9, -1), *range(1, 8)]
    for exp in exponents:
        mantissa = round(value / 10.0**exp)
        if -_MANTISSA_MAX <= mantissa <= _MANTISSA_MAX and (
                exponent is not None or math.isclose(mantissa * 10.0**exp, value,
                                                     rel_tol=1e-9, abs_tol=1e-9)):
            return ((exp & 0xF) << 12) | (mantissa & 0x0FFF)
    if exponent is None:
        for exp in range(-8, 8):  # no exact fit: round at the finest exponent that fits
            mantissa = round(value / 10.0**exp)
            if -_MANTISSA_MAX <= mantissa <= _MANTISSA_MAX:
                return ((exp & 0xF) << 12) | (mantissa & 0x0FFF)
    raise ValueError(f"{value!r} does not fit an SFLOAT")


def sfloat_bytes(value: float, exponent: int | None = None) -> bytes:
    """SFLOAT as the two little-endian bytes on the wire."""
    return struct.pack("<H", encode_sfloat(value, exponent))


# -- Blood Pressure Measurement (0x2A35) -------------------------------------------------

FLAG_KPA = 0x01
FLAG_TIMESTAMP = 0x02
FLAG_PULSE = 0x04
FLAG_USER_ID = 0x08
FLAG_STATUS = 0x10
FLAG_RESERVED = 0xE0

STATUS_BODY_MOVEMENT = 0x0001
STATUS_CUFF_TOO_LOOSE = 0x0002
STATUS_IRREGULAR_PULSE = 0x0004
STATUS_PULSE_RANGE_MASK = 0x0018
STATUS_IMPROPER_POSITION = 0x0020

KPA_TO_MMHG = 7.500615758


@dataclass(frozen=True)
class BloodPressureMeasurement:
    """A decoded 0x2A35 value, in the unit the device sent (``unit`` is "mmHg" or "kPa")."""

    systolic: float
    diastolic: float
    mean_arterial: float
    unit: str = "mmHg"
    timestamp: datetime | None = None
    pulse: float | None = None
    user_id: int | None = None
    status: int | None = None

    def in_mmhg(self) -> tuple[float, float, float]:
        """(systolic, diastolic, mean arterial) converted to mmHg."""
        factor = KPA_TO_MMHG if self.unit == "kPa" else 1.0
        return (self.systolic * factor, self.diastolic * factor, self.mean_arterial * factor)


def encode_timestamp(moment: datetime) -> bytes:
    """The 7-byte GATT Date Time of ``moment`` (no timezone on the wire)."""
    return struct.pack("<HBBBBB", moment.year, moment.month, moment.day,
                       moment.hour, moment.minute, moment.second)


def decode_timestamp(data: bytes) -> datetime:
    """A 7-byte GATT Date Time; ProtocolError if it is not a valid calendar time."""
    if len(data) != 7:
        raise ProtocolError(f"timestamp must be 7 bytes, got {len(data)}")
    year, month, day, hour, minute, second = struct.unpack("<HBBBBB", data)
    try:
        return datetime(year, month, day, hour, minute, second)
    except ValueError:
        raise ProtocolError("timestamp is not a valid date and time") from None


def encode_measurement(m: BloodPressureMeasurement) -> bytes:
    """The 0x2A35 value of a measurement."""
    flags = (FLAG_KPA if m.unit == "kPa" else 0) | (FLAG_TIMESTAMP if m.timestamp else 0) \
        | (FLAG_PULSE if m.pulse is not None else 0) \
        | (FLAG_USER_ID if m.user_id is not None else 0) \
        | (FLAG_STATUS if m.status is not None else 0)
    out = bytearray([flags])
    for value in (m.systolic, m.diastolic, m.mean_arterial):
        out += sfloat_bytes(value)
    if m.timestamp:
        out += encode_timestamp(m.timestamp)
    if m.pulse is not None:
        out += sfloat_bytes(m.pulse)
    if m.user_id is not None:
        out.append(m.user_id)
    if m.status is not None:
        out += struct.pack("<H", m.status)
    return bytes(out)


def decode_measurement(data: bytes) -> BloodPressureMeasurement:
    """Decode a 0x2A35 value; ProtocolError on wrong length or invalid fields."""
    if len(data) < 7:
        raise ProtocolError(f"blood pressure measurement too short ({len(data)} bytes)")
    flags = data[0]
    # Bits 5-7 are reserved for future use: a receiver ignores them (Bluetooth Blood Pressure
    # Service); the fields a later revision announces with them follow the known ones, so
    # with a reserved bit set, octets after the known fields are ignored too.
    future = bool(flags & FLAG_RESERVED)
    expected = 7 + (7 if flags & FLAG_TIMESTAMP else 0) + (2 if flags & FLAG_PULSE else 0) \
        + (1 if flags & FLAG_USER_ID else 0) + (2 if flags & FLAG_STATUS else 0)
    if len(data) < expected or (len(data) > expected and not future):
        raise ProtocolError(
            f"blood pressure measurement is {len(data)} bytes, flags say {expected}")
    systolic, diastolic, mean = (decode_sfloat(v) for v in struct.unpack_from("<HHH", data, 1))
    offset = 7
    timestamp = pulse = user_id = status = None
    if flags & FLAG_TIMESTAMP:
        timestamp = decode_timestamp(data[offset:offset + 7])
        offset += 7
    if flags & FLAG_PULSE:
        pulse = decode_sfloat(struct.unpack_from("<H", data, offset)[0])
        offset += 2
    if flags & FLAG_USER_ID:
        user_id = data[offset]
        offset += 1
    if flags & FLAG_STATUS:
        status = struct.unpack_from("<H", data, offset)[0]
    return BloodPressureMeasurement(systolic, diastolic, mean,
                                    "kPa" if flags & FLAG_KPA else "mmHg",
                                    timestamp, pulse, user_id, status)


# -- serial framing ----------------------------------------------------------------------

STX = 0x02
MSG_STATUS_REQUEST = 0x01   # host -> device, no payload
MSG_START = 0x02            # host -> device, no payload: inflate and measure
MSG_ABORT = 0x03            # host -> device, no payload: deflate, stop
MSG_STATUS = 0x81           # device -> host, payload: state u8 (0 idle, 1 measuring)
MSG_ACK = 0x82              # device -> host, payload: acknowledged TYPE u8
MSG_MEASUREMENT = 0x83      # device -> host, payload: 0x2A35 value
MSG_NAK = 0x85              # device -> host, payload: reason u8 (1 bad CRC, 2 unknown, 3 busy)

STATE_IDLE = 0
STATE_MEASURING = 1
NAK_BAD_CRC = 1
NAK_UNKNOWN = 2
NAK_BUSY = 3




@dataclass(frozen=True)
class Frame:
    type: int
    payload: bytes = b""


def encode_frame(msg_type: int, payload: bytes = b"") -> bytes:
    """One serial frame."""
    if len(payload) > 254:
        raise ValueError("payload too long for one frame")
    body = bytes([len(payload) + 1, msg_type]) + payload
    return bytes([STX]) + body + struct.pack(">H", crc16_ccitt_false(body))


def take_frame(buffer: bytes) -> tuple[Frame | None, int, int]:
    """Find the first frame in ``buffer``.

    Returns (frame or None if incomplete, bytes consumed, garbage bytes skipped before it).
    ProtocolError for a frame with a zero length or a bad CRC; the caller should then drop
    ``consumed`` bytes (reported in the exception's ``consumed`` attribute).
    """
    start = buffer.find(bytes([STX]))
    if start < 0:
        return None, len(buffer), len(buffer)
    rest = buffer[start:]
    if len(rest) < 2:
        return None, start, start
    length = rest[1]
    if length == 0:
        raise _frame_error("frame with zero length", start + 2)
    total = 1 + 1 + length + 2
    if len(rest) < total:
        return None, start, start
    body = rest[1:2 + length]
    (crc,) = struct.unpack(">H", rest[2 + length:total])
    if crc != crc16_ccitt_false(body):
        raise _frame_error("frame with a bad checksum", start + total)
    return Frame(body[1], bytes(body[2:])), start + total, start


def _frame_error(message: str, consumed: int) -> ProtocolError:
    error = ProtocolError(message)
    error.consumed = consumed  # type: ignore[attr-defined]
    return error
