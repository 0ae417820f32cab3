"""The serial link between the station and its chip card reader — pure encode/decode.

Real contactless readers speak CCID over USB; over a serial line this project uses a small
CCID-like framing (documented in docs/hal.md, "Chip ID card reader")::

    02 | TYPE | SEQ | LEN (2 bytes, big endian) | PAYLOAD (LEN bytes) | CRC (2 bytes, big endian)

CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) over TYPE … PAYLOAD. The host numbers its
requests (SEQ 0–255, wrapping); the reader echoes SEQ in its answer so a late answer to an
earlier request is recognised and dropped. PAYLOAD is at most 1024 bytes.

Host → reader                           Reader → host
  62 POWER_ON        (no payload)          80 DATA         ATR / response APDU
  63 POWER_OFF       (no payload)          81 SLOT_STATUS  1 byte: 00 card active,
  65 GET_SLOT_STATUS (no payload)                          01 card present, 02 no card
  6F XFR_BLOCK       command APDU          82 ERROR        1 byte error code (below)
  70 SCAN_MRZ        (no payload)          83 MRZ          the MRZ text, lines joined by LF
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hal.errors import ProtocolError
from hal.protocols.crc import crc16_ccitt_false  # re-exported for callers

STX = 0x02
MAX_PAYLOAD = 1024

POWER_ON = 0x62
POWER_OFF = 0x63
GET_SLOT_STATUS = 0x65
XFR_BLOCK = 0x6F
SCAN_MRZ = 0x70
HOST_TYPES = frozenset({POWER_ON, POWER_OFF, GET_SLOT_STATUS, XFR_BLOCK, SCAN_MRZ})

DATA = 0x80
SLOT_STATUS = 0x81
ERROR = 0x82
MRZ = 0x83
READER_TYPES = frozenset({DATA, SLOT_STATUS, ERROR, MRZ})

SLOT_ACTIVE = 0x00
SLOT_PRESENT = 0x01
SLOT_EMPTY = 0x02

ERROR_BAD_FRAME = 0x01  # the reader could not read the host's frame (bad CRC, bad type)
ERROR_NO_DOCUMENT = 0xFC  # nothing on the MRZ scanner window
ERROR_NO_CARD = 0xFD  # no card in the field
ERROR_CARD_REMOVED = 0xFE  # the card left the field / stopped answering mid-exchange




@dataclass(frozen=True)
class ReaderFrame:
    """One frame of the host ↔ reader link."""

    type: int
    seq: int
    payload: bytes = b""


def encode_frame(frame: ReaderFrame) -> bytes:
    if len(frame.payload) > MAX_PAYLOAD:
        raise ValueError("reader frame payload too long")
    body = bytes([frame.type, frame.seq & 0xFF]) + len(frame.payload).to_bytes(2, "big")
    body += frame.payload
    return bytes([STX]) + body + crc16_ccitt_false(body).to_bytes(2, "big")


@dataclass
class FrameReader:
    """Incremental decoder: :meth:`feed` bytes, get complete frames.

    Raises :class:`ProtocolError` as soon as the stream cannot be a valid frame (a byte
    other than STX where a frame must start, an oversized length, a bad CRC); the bytes
    already consumed are dropped.
    """

    _buffer: bytearray = field(default_factory=bytearray)

    @property
    def pending(self) -> bool:
        return bool(self._buffer)

    def feed(self, data: bytes) -> list[ReaderFrame]:
        self._buffer += data
        frames: list[ReaderFrame] = []
        while self._buffer:
            if self._buffer[0] != STX:
                self._buffer.clear()
                raise ProtocolError("reader sent bytes outside a frame (garbage)")
            if len(self._buffer) < 5:
                break
            size = int.from_bytes(self._buffer[3:5], "big")
            if size > MAX_PAYLOAD:
                self._buffer.clear()
                raise ProtocolError("reader frame length out of range")
            end = 5 + size + 2
            if len(self._buffer) < end:
                break
            body = bytes(self._buffer[1 : 5 + size])
            crc = int.from_bytes(self._buffer[5 + size : end], "big")
            del self._buffer[:end]
            if crc != crc16_ccitt_false(body):
                raise ProtocolError("reader frame checksum does not match")
            frames.append(ReaderFrame(body[0], body[1], body[4:]))
        return frames


def decode_frame(data: bytes) -> ReaderFrame:
    """Exactly one frame; anything else is a :class:`ProtocolError`."""
    reader = FrameReader()
    frames = reader.feed(data)
    if len(frames) != 1 or reader.pending:
        raise ProtocolError("not exactly one reader frame")
    return frames[0]
