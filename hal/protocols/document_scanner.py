"""Document scanner: our serial protocol for a flatbed scanner that returns a page as JPEG
or PDF bytes. Pure encode/decode, no I/O.

Frame (both directions), 115200 8N1::

    STX 0x02 | TYPE u8 | SEQ u8 | LEN u16 big-endian | PAYLOAD (LEN bytes, ≤ 1040) | CRC u16 big-endian

CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final xor) over TYPE, SEQ,
LEN and PAYLOAD. The scanner echoes the SEQ of the request it answers.

| TYPE | direction | payload |
|---|---|---|
| 01 STATUS | host → scanner | — |
| 02 SCAN | host → scanner | format u8 (1 JPEG, 2 PDF), resolution u16 dpi |
| 03 READ | host → scanner | offset u32, count u16 (1..1024) |
| 04 RELEASE | host → scanner | — (forget the scanned page) |
| 05 CODES | host → scanner | — (the codes the scanner recognised on the scanned page) |
| 81 STATUS | scanner → host | state u8 (see ``STATE_*``) |
| 82 ACK | scanner → host | acknowledged TYPE u8 |
| 83 PAGE | scanner → host | format u8, length u32, CRC-32 u32 of the whole page |
| 84 DATA | scanner → host | offset u32, then the bytes |
| 85 ERROR | scanner → host | code u8 (see ``ERR_*``) |
| 86 CODES | scanner → host | count u8, then per code: symbology u8 (``SYMBOLOGY_*``), length u16, bytes |

CODES (protocol 1.1, for scanners with barcode recognition, as kiosk flatbeds offer): after a
page is ready, the host may ask which QR codes, Data Matrix or Code 128 barcodes the scanner
found on it — e.g. the code of an e-prescription — without decoding the image itself. A
scanner without recognition answers ERROR unknown type; at most 16 codes of ≤ 512 bytes each.

A page is scanned once (SCAN → ACK at once, PAGE after the scan time) and then fetched
in blocks with READ, so no answer is longer than a UART buffer; the host checks the total
length and the CRC-32 (ISO-HDLC, as ``zlib.crc32``) of the reassembled page before use.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

from hal.errors import ProtocolError
from hal.protocols.crc import crc16_ccitt_false  # re-exported for callers

STX = 0x02
HEADER_LENGTH = 5  # STX TYPE SEQ LEN(2)
MAX_BLOCK = 1024
MAX_PAYLOAD = MAX_BLOCK + 16

MSG_STATUS_REQUEST = 0x01
MSG_SCAN = 0x02
MSG_READ = 0x03
MSG_RELEASE = 0x04
MSG_CODES_REQUEST = 0x05
MSG_STATUS = 0x81
MSG_ACK = 0x82
MSG_PAGE = 0x83
MSG_DATA = 0x84
MSG_ERROR = 0x85
MSG_CODES = 0x86
KNOWN_TYPES = frozenset({MSG_STATUS_REQUEST, MSG_SCAN, MSG_READ, MSG_RELEASE, MSG_CODES_REQUEST,
                         MSG_STATUS, MSG_ACK, MSG_PAGE, MSG_DATA, MSG_ERROR, MSG_CODES})

SYMBOLOGY_QR = 1
SYMBOLOGY_DATA_MATRIX = 2
SYMBOLOGY_CODE128 = 3
SYMBOLOGIES = {SYMBOLOGY_QR: "qr", SYMBOLOGY_DATA_MATRIX: "data_matrix", SYMBOLOGY_CODE128: "code128"}
SYMBOLOGY_CODES = {name: code for code, name in SYMBOLOGIES.items()}
MAX_CODES = 16
MAX_CODE_BYTES = 512

STATE_NO_DOCUMENT = 0
STATE_DOCUMENT_READY = 1
STATE_SCANNING = 2
STATE_PAGE_READY = 3
STATE_PAPER_JAM = 4

FORMAT_JPEG = 1
FORMAT_PDF = 2
FORMATS = {FORMAT_JPEG: "jpeg", FORMAT_PDF: "pdf"}
FORMAT_CODES = {name: code for code, name in FORMATS.items()}
MIME_TYPES = {"jpeg": "image/jpeg", "pdf": "application/pdf"}

ERR_BAD_FRAME = 0x01
ERR_UNKNOWN_TYPE = 0x02
ERR_BUSY = 0x03
ERR_BAD_REQUEST = 0x04
ERR_NO_DOCUMENT = 0x10
ERR_PAPER_JAM = 0x11
ERR_NO_PAGE = 0x12




def page_crc32(data: bytes) -> int:
    """The CRC-32 carried in PAGE (ISO-HDLC, as zlib.crc32)."""
    return zlib.crc32(data) & 0xFFFFFFFF


@dataclass(frozen=True)
class Frame:
    """One decoded frame."""

    type: int
    seq: int
    payload: bytes = b""


def encode_frame(msg_type: int, seq: int = 0, payload: bytes = b"") -> bytes:
    """The bytes of one frame."""
    if not 0 <= msg_type <= 0xFF or not 0 <= seq <= 0xFF:
        raise ValueError("type and seq are single bytes")
    if len(payload) > MAX_PAYLOAD:
        raise ValueError(f"payload longer than {MAX_PAYLOAD} bytes")
    body = bytes([msg_type, seq]) + struct.pack(">H", len(payload)) + payload
    return bytes([STX]) + body + struct.pack(">H", crc16_ccitt_false(body))


def take_frame(buffer: bytes) -> tuple[Frame | None, int, int]:
    """Find the first frame in ``buffer``.

    Returns ``(frame, consumed, skipped)``: ``frame`` is None when more bytes are needed;
    ``consumed`` bytes may be dropped from the buffer (``skipped`` of them were garbage
    before an STX). A frame with a bad CRC, unknown type or impossible length raises
    :class:`ProtocolError`; its ``consumed`` attribute says how far to skip.
    """
    start = buffer.find(bytes([STX]))
    if start < 0:
        return None, len(buffer), len(buffer)
    if len(buffer) - start < HEADER_LENGTH:
        return None, start, start
    msg_type, seq, length = buffer[start + 1], buffer[start + 2], struct.unpack_from(">H", buffer, start + 3)[0]
    if msg_type not in KNOWN_TYPES or length > MAX_PAYLOAD:
        raise _frame_error(f"bad frame header (type 0x{msg_type:02X}, length {length})", start + 1)
    end = start + HEADER_LENGTH + length + 2
    if len(buffer) < end:
        return None, start, start
    body = bytes(buffer[start + 1:end - 2])
    (crc,) = struct.unpack_from(">H", buffer, end - 2)
    if crc != crc16_ccitt_false(body):
        raise _frame_error("frame CRC mismatch", end)
    return Frame(msg_type, seq, body[4:]), end, start


def _frame_error(message: str, consumed: int) -> ProtocolError:
    error = ProtocolError(message)
    error.consumed = consumed  # type: ignore[attr-defined]
    return error


# -- payloads ----------------------------------------------------------------------------


def encode_scan(image_format: str, resolution: int = 200) -> bytes:
    """SCAN payload."""
    if image_format not in FORMAT_CODES:
        raise ValueError(f"format must be one of {sorted(FORMAT_CODES)}")
    if not 50 <= resolution <= 1200:
        raise ValueError("resolution must be 50-1200 dpi")
    return bytes([FORMAT_CODES[image_format]]) + struct.pack(">H", resolution)


def decode_scan(payload: bytes) -> tuple[str, int]:
    """(format name, resolution) of a SCAN payload."""
    if len(payload) != 3 or payload[0] not in FORMATS:
        raise ProtocolError("malformed SCAN request")
    return FORMATS[payload[0]], struct.unpack(">H", payload[1:])[0]


def encode_read(offset: int, count: int) -> bytes:
    """READ payload."""
    if not 1 <= count <= MAX_BLOCK or not 0 <= offset <= 0xFFFFFFFF:
        raise ValueError(f"count must be 1-{MAX_BLOCK}, offset a u32")
    return struct.pack(">IH", offset, count)


def decode_read(payload: bytes) -> tuple[int, int]:
    """(offset, count) of a READ payload."""
    if len(payload) != 6:
        raise ProtocolError("malformed READ request")
    offset, count = struct.unpack(">IH", payload)
    if not 1 <= count <= MAX_BLOCK:
        raise ProtocolError("READ count out of range")
    return offset, count


@dataclass(frozen=True)
class PageInfo:
    """What PAGE announces: format name, total length and CRC-32 of the page."""

    format: str
    length: int
    crc32: int


def encode_page_info(info: PageInfo) -> bytes:
    """PAGE payload."""
    return bytes([FORMAT_CODES[info.format]]) + struct.pack(">II", info.length, info.crc32)


def decode_page_info(payload: bytes) -> PageInfo:
    """PageInfo of a PAGE payload."""
    if len(payload) != 9 or payload[0] not in FORMATS:
        raise ProtocolError("malformed PAGE answer")
    length, crc = struct.unpack(">II", payload[1:])
    if length == 0:
        raise ProtocolError("PAGE announces an empty page")
    return PageInfo(FORMATS[payload[0]], length, crc)


def encode_data(offset: int, data: bytes) -> bytes:
    """DATA payload."""
    return struct.pack(">I", offset) + data


def decode_data(payload: bytes) -> tuple[int, bytes]:
    """(offset, bytes) of a DATA payload."""
    if len(payload) < 5:
        raise ProtocolError("malformed DATA answer")
    return struct.unpack(">I", payload[:4])[0], payload[4:]


def check_page(info: PageInfo, data: bytes) -> bytes:
    """``data`` if its length and CRC-32 match ``info``; ProtocolError otherwise."""
    if len(data) != info.length:
        raise ProtocolError(f"page length {len(data)} differs from the announced {info.length}")
    if page_crc32(data) != info.crc32:
        raise ProtocolError("page CRC-32 mismatch")
    return data


@dataclass(frozen=True)
class Code:
    """One code recognised on a page: its symbology name and its bytes."""

    symbology: str
    data: bytes


def encode_codes(codes: list[Code]) -> bytes:
    """CODES payload."""
    if len(codes) > MAX_CODES:
        raise ValueError(f"at most {MAX_CODES} codes")
    out = bytearray([len(codes)])
    for code in codes:
        if code.symbology not in SYMBOLOGY_CODES or len(code.data) > MAX_CODE_BYTES:
            raise ValueError(f"symbology one of {sorted(SYMBOLOGY_CODES)}, at most {MAX_CODE_BYTES} bytes")
        out += bytes([SYMBOLOGY_CODES[code.symbology]]) + struct.pack(">H", len(code.data)) + code.data
    return bytes(out)


def decode_codes(payload: bytes) -> list[Code]:
    """The codes of a CODES payload (ProtocolError when malformed)."""
    if not payload or payload[0] > MAX_CODES:
        raise ProtocolError("malformed CODES answer")
    codes, offset = [], 1
    for _ in range(payload[0]):
        if offset + 3 > len(payload) or payload[offset] not in SYMBOLOGIES:
            raise ProtocolError("malformed CODES answer")
        (length,) = struct.unpack_from(">H", payload, offset + 1)
        if length > MAX_CODE_BYTES or offset + 3 + length > len(payload):
            raise ProtocolError("malformed CODES answer")
        codes.append(Code(SYMBOLOGIES[payload[offset]], bytes(payload[offset + 3:offset + 3 + length])))
        offset += 3 + length
    if offset != len(payload):
        raise ProtocolError("trailing bytes in a CODES answer")
    return codes
