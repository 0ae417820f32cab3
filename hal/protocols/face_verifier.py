"""Face verifier: the serial protocol of a kiosk face-verification module (ours) — pure
encode/decode, no I/O.

The host loads a *reference* portrait (the JPEG of the chip card's DG2), then asks the
module to capture the face in front of its camera and compare the two. The module answers
a match score 0-100 and whether the capture passed its liveness (anti-spoofing) check. The
module never sends an image back.

Frame (both directions), 115200 baud 8N1::

    STX 0x02 | TYPE u8 | LEN u16 big-endian | PAYLOAD (LEN <= 1024) | CRC u16 big-endian

CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final xor; check value
0x29B1 for "123456789") over TYPE, LEN and PAYLOAD.

Host -> module                                  Module -> host
  01 STATUS        —                              81 STATUS  state u8 (0 idle, 1 reference
  02 REF_BEGIN     total u32, crc32 u32 (of the                loaded, 2 capturing)
                   whole image, IEEE 802.3)       82 ACK     acknowledged TYPE u8
  03 REF_CHUNK     offset u32, image bytes        84 RESULT  outcome u8 (0 compared,
                   (at most 1020)                            1 no face, 2 no reference),
  04 REF_END       —                                         score u8 (0-100),
  05 VERIFY        capture window u8 (seconds)               liveness u8 (1 passed, 0 failed)
  06 ABORT         —                              85 NAK     code u8 (below)

A reference is sent as REF_BEGIN, REF_CHUNKs in order (each acknowledged before the next:
stop-and-wait keeps a small UART buffer from overflowing) and REF_END; the module checks the
length, the CRC-32 and that the bytes look like a JPEG (SOI ``FF D8`` ... EOI ``FF D9``)
before acknowledging REF_END. VERIFY is acknowledged at once; RESULT follows after the
capture. NAK codes: 1 bad frame CRC, 2 unknown type, 3 busy (capturing), 4 out of sequence
(chunk at the wrong offset, or no REF_BEGIN), 5 reference rejected (length, CRC-32 or not a
JPEG), 6 reference too large (over 65 536 bytes).
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

from hal.errors import ProtocolError
from hal.protocols.crc import crc16_ccitt_false  # re-exported for callers

STX = 0x02
HEADER_SIZE = 4  # STX, TYPE, LEN
MAX_PAYLOAD = 1024
MAX_CHUNK = MAX_PAYLOAD - 4
MAX_REFERENCE = 65536

MSG_STATUS_REQUEST = 0x01
MSG_REF_BEGIN = 0x02
MSG_REF_CHUNK = 0x03
MSG_REF_END = 0x04
MSG_VERIFY = 0x05
MSG_ABORT = 0x06
HOST_TYPES = frozenset({MSG_STATUS_REQUEST, MSG_REF_BEGIN, MSG_REF_CHUNK, MSG_REF_END,
                        MSG_VERIFY, MSG_ABORT})

MSG_STATUS = 0x81
MSG_ACK = 0x82
MSG_RESULT = 0x84
MSG_NAK = 0x85
DEVICE_TYPES = frozenset({MSG_STATUS, MSG_ACK, MSG_RESULT, MSG_NAK})

STATE_IDLE = 0
STATE_REFERENCE_LOADED = 1
STATE_CAPTURING = 2

OUTCOME_COMPARED = 0
OUTCOME_NO_FACE = 1
OUTCOME_NO_REFERENCE = 2

NAK_BAD_CRC = 1
NAK_UNKNOWN_TYPE = 2
NAK_BUSY = 3
NAK_OUT_OF_SEQUENCE = 4
NAK_REFERENCE_REJECTED = 5
NAK_REFERENCE_TOO_LARGE = 6

JPEG_SOI = b"\xff\xd8"
JPEG_EOI = b"\xff\xd9"




def crc32(data: bytes) -> int:
    """CRC-32 (IEEE 802.3, as in zlib / PNG) of a whole reference image."""
    return zlib.crc32(data) & 0xFFFFFFFF


@dataclass(frozen=True)
class Frame:
    """One frame of the link: its TYPE and PAYLOAD."""

    type: int
    payload: bytes = b""


def encode_frame(msg_type: int, payload: bytes = b"") -> bytes:
    """The bytes on the wire for one frame."""
    if not 0 <= msg_type <= 0xFF:
        raise ValueError("frame type must be one byte")
    if len(payload) > MAX_PAYLOAD:
        raise ValueError(f"frame payload is limited to {MAX_PAYLOAD} bytes")
    body = bytes([msg_type]) + struct.pack(">H", len(payload)) + payload
    return bytes([STX]) + body + struct.pack(">H", crc16_ccitt_false(body))


class BadFrame(ProtocolError):
    """A frame that cannot be used; ``consumed`` bytes of the input are spent on it."""

    def __init__(self, message: str, consumed: int) -> None:
        super().__init__(message)
        self.consumed = consumed


def take_frame(data: bytes) -> tuple[Frame | None, int, int]:
    """The first frame in ``data``: ``(frame or None, bytes consumed, bytes skipped)``.

    Bytes before an STX are skipped (line noise). ``None`` with ``consumed == skipped`` means
    more bytes are needed. A frame with a bad CRC or an impossible length raises
    :class:`BadFrame` whose ``consumed`` tells how much of ``data`` to drop.
    """
    start = data.find(bytes([STX]))
    if start < 0:
        return None, len(data), len(data)
    if len(data) - start < HEADER_SIZE:
        return None, start, start
    length = struct.unpack(">H", data[start + 2:start + 4])[0]
    if length > MAX_PAYLOAD:
        raise BadFrame("face verifier frame length out of range", start + 1)
    end = start + HEADER_SIZE + length + 2
    if len(data) < end:
        return None, start, start
    body = data[start + 1:start + HEADER_SIZE + length]
    crc = struct.unpack(">H", data[end - 2:end])[0]
    if crc != crc16_ccitt_false(body):
        raise BadFrame("face verifier frame checksum does not match", end)
    return Frame(body[0], body[3:]), end, start


# -- payloads ----------------------------------------------------------------------------


def encode_ref_begin(total: int, image_crc32: int) -> bytes:
    return struct.pack(">II", total, image_crc32)


def decode_ref_begin(payload: bytes) -> tuple[int, int]:
    """``(total length, CRC-32)`` of a REF_BEGIN payload."""
    if len(payload) != 8:
        raise ProtocolError("REF_BEGIN payload must be 8 bytes")
    total, image_crc = struct.unpack(">II", payload)
    return total, image_crc


def encode_ref_chunk(offset: int, data: bytes) -> bytes:
    if len(data) > MAX_CHUNK:
        raise ValueError(f"a reference chunk holds at most {MAX_CHUNK} bytes")
    return struct.pack(">I", offset) + data


def decode_ref_chunk(payload: bytes) -> tuple[int, bytes]:
    """``(offset, image bytes)`` of a REF_CHUNK payload."""
    if len(payload) < 4:
        raise ProtocolError("REF_CHUNK payload must start with a 4-byte offset")
    return struct.unpack(">I", payload[:4])[0], payload[4:]


def reference_chunks(image: bytes) -> list[bytes]:
    """The REF_CHUNK payloads carrying ``image``, in order."""
    return [encode_ref_chunk(offset, image[offset:offset + MAX_CHUNK])
            for offset in range(0, len(image), MAX_CHUNK)]


def looks_like_jpeg(image: bytes) -> bool:
    """Starts with the JPEG SOI marker and ends with EOI."""
    return len(image) >= 4 and image.startswith(JPEG_SOI) and image.endswith(JPEG_EOI)


@dataclass(frozen=True)
class VerifyResult:
    """What the module reports after a capture."""

    outcome: int
    score: int
    live: bool


def encode_result(result: VerifyResult) -> bytes:
    return bytes([result.outcome, result.score, 1 if result.live else 0])


def decode_result(payload: bytes) -> VerifyResult:
    """A RESULT payload; a score above 100 or an unknown outcome is a :class:`ProtocolError`."""
    if len(payload) != 3:
        raise ProtocolError("RESULT payload must be 3 bytes")
    outcome, score, live = payload
    if outcome not in (OUTCOME_COMPARED, OUTCOME_NO_FACE, OUTCOME_NO_REFERENCE):
        raise ProtocolError(f"unknown face verifier outcome {outcome}")
    if score > 100:
        raise ProtocolError("face match score above 100")
    if live not in (0, 1):
        raise ProtocolError("liveness flag must be 0 or 1")
    return VerifyResult(outcome, score, bool(live))


def encode_verify(capture_window_s: int) -> bytes:
    return bytes([max(1, min(255, int(capture_window_s)))])
