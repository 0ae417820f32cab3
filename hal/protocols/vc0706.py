"""VC0706 serial JPEG camera protocol (the kiosk camera). Pure encode/decode, no I/O.

Source: "VC0706 Protocol" (Vimicro, UART interface chapter, the command/answer tables), as
used by the LinkSprite LS-Y201 and PTC06 camera modules built on the chip (their manuals list
the same bytes). 38400 8N1 by default (the UART's power-on rate); no checksum.

Command (host → camera) and answer (camera → host)::

    56 | serial | command | data length | data…
    76 | serial | command | status | data length | data…

``serial`` is the module's number (00). ``status`` 00 is success; otherwise the camera did not
do it (``STATUS_*``). Commands used here:

| Command | Bytes | Answer |
|---|---|---|
| GEN_VERSION 11 | ``56 00 11 00`` | ``76 00 11 00 0B`` + 11 ASCII bytes, e.g. ``VC0703 1.00`` |
| FBUF_CTRL 36, stop current frame (take picture) | ``56 00 36 01 00`` | ``76 00 36 00 00`` |
| FBUF_CTRL 36, resume frame (live view again) | ``56 00 36 01 03`` | ``76 00 36 00 00`` |
| GET_FBUF_LEN 34, current frame | ``56 00 34 01 00`` | ``76 00 34 00 04`` + length u32 big-endian |
| READ_FBUF 32 | ``56 00 32 0C 00 0A`` + address u32 + count u32 + interval u16 | see below |

READ_FBUF: ``00`` reads the current (stopped) frame, ``0A`` is the control mode (data over
the UART, MCU mode); the interval is in units of 0.01 ms (``00 0A`` recommended). The answer
is the data framed by the answer header::

    76 00 32 00 00 | count bytes of JPEG | 76 00 32 00 00

A picture is one JPEG (``FF D8`` … ``FF D9``); the host reads it from address 0 in blocks of
a multiple of 8 bytes, checks the total length and the JPEG markers, and resumes the frame.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from hal.errors import ProtocolError

REQUEST_SIGN = 0x56
ANSWER_SIGN = 0x76
SERIAL = 0x00

CMD_GEN_VERSION = 0x11
CMD_RESET = 0x26
CMD_READ_FBUF = 0x32
CMD_GET_FBUF_LEN = 0x34
CMD_FBUF_CTRL = 0x36
KNOWN_COMMANDS = frozenset({CMD_GEN_VERSION, CMD_RESET, CMD_READ_FBUF, CMD_GET_FBUF_LEN, CMD_FBUF_CTRL})

FBUF_STOP_CURRENT = 0x00  # take a picture: freeze the current frame
FBUF_RESUME = 0x03  # back to live view
FBUF_CURRENT = 0x00
READ_CONTROL_MCU = 0x0A
DEFAULT_INTERVAL = 0x000A  # × 0.01 ms

STATUS_OK = 0x00
STATUS_NOT_RECEIVED = 0x01
STATUS_DATA_LENGTH_ERROR = 0x02
STATUS_DATA_FORMAT_ERROR = 0x03
STATUS_CANNOT_EXECUTE = 0x04
STATUS_EXECUTION_ERROR = 0x05

ANSWER_HEADER = 5  # 76 serial command status length
MAX_ANSWER_DATA = 16  # the answers other than the frame data are short
JPEG_SOI = b"\xff\xd8"
JPEG_EOI = b"\xff\xd9"

TAKE_PICTURE = bytes([REQUEST_SIGN, SERIAL, CMD_FBUF_CTRL, 0x01, FBUF_STOP_CURRENT])
RESUME = bytes([REQUEST_SIGN, SERIAL, CMD_FBUF_CTRL, 0x01, FBUF_RESUME])
GET_LENGTH = bytes([REQUEST_SIGN, SERIAL, CMD_GET_FBUF_LEN, 0x01, FBUF_CURRENT])
GET_VERSION = bytes([REQUEST_SIGN, SERIAL, CMD_GEN_VERSION, 0x00])


@dataclass(frozen=True)
class Command:
    """One decoded host command."""

    serial: int
    command: int
    data: bytes = b""


@dataclass(frozen=True)
class Answer:
    """One decoded camera answer (header and its data; READ_FBUF's JPEG bytes come after it)."""

    serial: int
    command: int
    status: int
    data: bytes = b""


def encode_command(command: int, data: bytes = b"", serial: int = SERIAL) -> bytes:
    """``56 serial command length data``."""
    if len(data) > 0xFF:
        raise ValueError("command data is at most 255 bytes")
    return bytes([REQUEST_SIGN, serial, command, len(data)]) + data


def read_frame(address: int, count: int, interval: int = DEFAULT_INTERVAL) -> bytes:
    """READ_FBUF of ``count`` bytes from ``address`` of the current frame."""
    if not 0 <= address <= 0xFFFFFFFF or not 1 <= count <= 0xFFFFFFFF or not 0 <= interval <= 0xFFFF:
        raise ValueError("address and count are u32 (count ≥ 1), interval a u16")
    return encode_command(CMD_READ_FBUF, bytes([FBUF_CURRENT, READ_CONTROL_MCU])
                          + struct.pack(">IIH", address, count, interval))


def decode_read_frame(data: bytes) -> tuple[int, int]:
    """(address, count) of a READ_FBUF command's data."""
    if len(data) != 12 or data[0] != FBUF_CURRENT:
        raise ProtocolError("malformed READ_FBUF command")
    address, count, _interval = struct.unpack(">IIH", data[2:])
    return address, count


def encode_answer(command: int, status: int = STATUS_OK, data: bytes = b"", serial: int = SERIAL) -> bytes:
    """``76 serial command status length data``."""
    if len(data) > MAX_ANSWER_DATA:
        raise ValueError(f"answer data is at most {MAX_ANSWER_DATA} bytes")
    return bytes([ANSWER_SIGN, serial, command, status, len(data)]) + data


def frame_data_marker() -> bytes:
    """The header that comes before and after READ_FBUF's data: ``76 00 32 00 00``."""
    return encode_answer(CMD_READ_FBUF)


def encode_length(length: int) -> bytes:
    """The answer to GET_FBUF_LEN."""
    return encode_answer(CMD_GET_FBUF_LEN, data=struct.pack(">I", length))


def encode_version(text: str) -> bytes:
    """The answer to GEN_VERSION."""
    return encode_answer(CMD_GEN_VERSION, data=text.encode("ascii")[:MAX_ANSWER_DATA])


def take_command(buffer: bytes) -> tuple[Command | None, int]:
    """The first complete command in ``buffer`` and how many bytes it used (bytes before a
    ``56`` are skipped); ``(None, skipped)`` while more bytes are needed."""
    start = buffer.find(bytes([REQUEST_SIGN]))
    if start < 0:
        return None, len(buffer)
    if len(buffer) - start < 4:
        return None, start
    length = buffer[start + 3]
    end = start + 4 + length
    if len(buffer) < end:
        return None, start
    return Command(buffer[start + 1], buffer[start + 2], bytes(buffer[start + 4:end])), end


def take_answer(buffer: bytes) -> tuple[Answer | None, int, int]:
    """For ``Driver._read_framed``: ``(answer or None, consumed, skipped as garbage)``.

    An answer starts ``76 00`` with a known command and a data length of at most 16; anything
    else before it is garbage (the protocol has no checksum: the header is all there is).
    """
    skipped = 0
    while True:
        start = buffer.find(bytes([ANSWER_SIGN]), skipped)
        if start < 0:
            return None, len(buffer), len(buffer)
        if len(buffer) - start < ANSWER_HEADER:
            return None, start, start
        serial, command, _status, length = buffer[start + 1:start + 5]
        if serial != SERIAL or command not in KNOWN_COMMANDS or length > MAX_ANSWER_DATA:
            skipped = start + 1  # not a header: keep looking after this byte
            continue
        end = start + ANSWER_HEADER + length
        if len(buffer) < end:
            return None, start, start
        return Answer(serial, command, buffer[start + 3], bytes(buffer[start + 5:end])), end, start


def decode_length(answer: Answer) -> int:
    """The frame length of a GET_FBUF_LEN answer (4 bytes big-endian)."""
    if answer.command != CMD_GET_FBUF_LEN or len(answer.data) != 4:
        raise ProtocolError(f"a frame length answer carries 4 bytes, not {len(answer.data)}")
    return struct.unpack(">I", answer.data)[0]


def decode_version(answer: Answer) -> str:
    """The firmware text of a GEN_VERSION answer."""
    try:
        text = answer.data.decode("ascii")
    except UnicodeDecodeError:
        raise ProtocolError("version answer is not ASCII") from None
    if answer.command != CMD_GEN_VERSION or not text.startswith("VC07"):
        raise ProtocolError("not a VC070x version answer")
    return text


def check_jpeg(data: bytes, length: int) -> bytes:
    """``data`` if it is the announced ``length`` and one whole JPEG; ProtocolError otherwise."""
    if len(data) != length:
        raise ProtocolError(f"picture of {len(data)} bytes, the camera announced {length}")
    if not data.startswith(JPEG_SOI):
        raise ProtocolError("picture does not start with a JPEG start-of-image marker")
    if not data.endswith(JPEG_EOI):
        raise ProtocolError("picture does not end with a JPEG end-of-image marker (incomplete)")
    return data
