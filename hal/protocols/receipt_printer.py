"""ESC/POS subset for receipt printers: a receipt builder (host side), a command parser
(device side) and the real-time status bytes.

Commands used (hex):

    1B 40            ESC @       initialise
    1B 74 n          ESC t n     character code table; n = 52 is WPC1258 (Vietnamese)
    1B 45 n          ESC E n     bold on (n & 1) / off
    1B 61 n          ESC a n     align: 0 left, 1 centre, 2 right (or ASCII '0'..'2')
    1B 64 n          ESC d n     print and feed n lines
    1D 21 n          GS ! n      character size (accepted, not interpreted)
    0A               LF          print the line buffer and feed
    1D 56 m [n]      GS V        cut: m = 0/48 full, 1/49 partial; m = 65/66 feed n then cut
    1D 28 6B pL pH 31 fn ...     GS ( k  QR code (cn = 49), length pL + 256 * pH counts
                                 from cn: fn 65 model (n1 n2), 67 module size (n),
                                 69 error correction (48-51 = L M Q H), 80 store data
                                 (m = 48, data), 81 print the stored symbol (m = 48)
    1D 76 30 m xL xH yL yH d...  GS v 0  raster bit image: x = xL + 256 xH bytes per row,
                                 y = yL + 256 yH rows, then x * y bytes (MSB leftmost,
                                 1 = black); m = 0 normal (1-3 double width/height)
    1D 72 01         GS r 1      paper sensor status, answered *in order* (after the data
                                 before it has been processed): bits 0-1 near end (11),
                                 bits 2-3 paper out (11), bits 4 and 7 always 0
    10 04 n          DLE EOT n   real-time status, answered at once, one byte with bits 1
                                 and 4 set and bits 0 and 7 clear:
                                 n=1 printer: bit 3 offline
                                 n=2 offline cause: bit 2 cover open, bit 5 stopped by
                                     paper end, bit 6 error
                                 n=3 error cause: bit 3 autocutter error
                                 n=4 roll paper: bits 2-3 near end, bits 5-6 paper out

Vietnamese text is sent in WPC1258 (Windows-1258): letters with a circumflex, breve or
horn have their own byte, the five tone marks are combining bytes after the letter (e.g.
"ổ" = F4 D2). :func:`encode_text` and :func:`decode_text` do this conversion. A printer
without that code table gets its text lines as ``GS v 0`` raster images instead
(:meth:`Receipt.to_raster_bytes`, drawn by :mod:`hal.protocols.raster_text`); QR codes, feeds
and cuts stay commands.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hal.errors import ProtocolError

ESC, GS, DLE, LF = 0x1B, 0x1D, 0x10, 0x0A
INIT = b"\x1b\x40"
CODE_PAGE_WPC1258 = 52
#: Code tables this subset understands, by ESC t number, with their Python codec.
CODE_PAGES = {0: "cp437", 2: "cp850", 16: "cp1252", 52: "cp1258"}
ALIGNMENTS = {"left": 0, "center": 1, "right": 2}
QR_ECC = {"L": 48, "M": 49, "Q": 50, "H": 51}
_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")

# -- text ------------------------------------------------------------------------------


def encode_text(text: str, code_page: int = CODE_PAGE_WPC1258) -> bytes:
    """``text`` in the printer's code table; unencodable characters become ``?``."""
    codec = CODE_PAGES[code_page]
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode(codec)
            continue
        except UnicodeEncodeError:
            pass
        if codec == "cp1258":
            # Base letter (with circumflex/breve/horn) precomposed, tone mark combining.
            decomposed = unicodedata.normalize("NFD", char)
            tones = [c for c in decomposed if c in _TONE_MARKS]
            base = unicodedata.normalize("NFC", "".join(c for c in decomposed
                                                        if c not in _TONE_MARKS))
            try:
                out += (base + "".join(tones)).encode(codec)
                continue
            except UnicodeEncodeError:
                pass
        out += b"?"
    return bytes(out)


def decode_text(data: bytes, code_page: int) -> str:
    """Printed bytes back to text (NFC), as a reader of the paper would see them."""
    codec = CODE_PAGES.get(code_page)
    if codec is None:
        raise ProtocolError(f"unsupported code table {code_page}")
    return unicodedata.normalize("NFC", data.decode(codec, errors="replace"))


# -- host side: receipts -----------------------------------------------------------------


class Receipt:
    """A small receipt builder: lines (bold, aligned), QR codes, feeds and a cut.

        receipt = Receipt().line("UBND PHƯỜNG", bold=True, align="center")
        receipt.line("Tổng cộng: 50.000 đ").qr("https://...").cut()
        printer.print_receipt(receipt)
    """

    def __init__(self, code_page: int = CODE_PAGE_WPC1258) -> None:
        if code_page not in CODE_PAGES:
            raise ValueError(f"unsupported code table {code_page}")
        self.code_page = code_page
        self._items: list[tuple[str, Any]] = []   # ("line", (text, bold, align)) or ("raw", bytes)

    @property
    def _body(self) -> bytes:
        return b"".join(self._line_bytes(*value) if kind == "line" else value for kind, value in self._items)

    def _line_bytes(self, text: str, bold: bool, align: str) -> bytes:
        return (bytes([ESC, 0x61, ALIGNMENTS[align], ESC, 0x45, int(bold)])
                + encode_text(text, self.code_page) + bytes([LF]))

    def line(self, text: str = "", *, bold: bool = False, align: str = "left") -> Receipt:
        """One line of text."""
        if align not in ALIGNMENTS:
            raise ValueError(f"align must be one of {sorted(ALIGNMENTS)}")
        if any(ord(ch) < 0x20 for ch in text):
            raise ValueError("receipt text must not contain control characters")
        self._items.append(("line", (text, bold, align)))
        return self

    def qr(self, data: str, *, size: int = 6, ecc: str = "M", align: str = "center") -> Receipt:
        """A QR code (model 2) of ``data`` (UTF-8)."""
        payload = data.encode("utf-8")
        if not 1 <= size <= 16 or ecc not in QR_ECC or not 1 <= len(payload) <= 7089:
            raise ValueError("QR size 1-16, ecc L/M/Q/H, data 1-7089 bytes")
        self._items.append(("raw", bytes([ESC, 0x61, ALIGNMENTS[align]])
                            + qr_function(65, bytes([50, 0]))          # model 2
                            + qr_function(67, bytes([size]))
                            + qr_function(69, bytes([QR_ECC[ecc]]))
                            + qr_function(80, b"\x30" + payload)       # store
                            + qr_function(81, b"\x30")                 # print
                            + bytes([LF])))
        return self

    def feed(self, lines: int = 1) -> Receipt:
        """Feed ``lines`` blank lines."""
        self._items.append(("raw", bytes([ESC, 0x64, max(0, min(lines, 255))])))
        return self

    def cut(self, partial: bool = False) -> Receipt:
        """Feed to the cutter and cut."""
        self._items.append(("raw", bytes([GS, 0x56, 66 if partial else 65, 3])))
        return self

    def to_bytes(self) -> bytes:
        """The complete job: initialise, select the code table, the body."""
        return INIT + bytes([ESC, 0x74, self.code_page]) + bytes(self._body)

    def to_raster_bytes(self, width: int = 384,
                        render: Callable[..., Any] | None = None) -> bytes:
        """The job for a printer without the code table: each text line as a ``GS v 0`` image
        ``width`` dots wide (``render(text, width=, bold=, align=)`` → bitmap with
        ``width_bytes``, ``height``, ``data``; default :func:`hal.protocols.raster_text.render_line`)."""
        if render is None:
            from hal.protocols.raster_text import render_line as render
        out = bytearray(INIT)
        for kind, value in self._items:
            if kind == "raw":
                out += value
                continue
            text, bold, align = value
            bitmap = render(text, width=width, bold=bold, align=align)
            out += bytes([ESC, 0x61, 0]) + raster_image(bitmap.width_bytes, bitmap.height, bitmap.data)
        return bytes(out)


def raster_image(width_bytes: int, height: int, data: bytes, mode: int = 0) -> bytes:
    """``GS v 0``: a raster bit image of ``height`` rows of ``width_bytes`` bytes."""
    if not (1 <= width_bytes <= 0xFFFF and 1 <= height <= 0xFFFF) or len(data) != width_bytes * height:
        raise ValueError("raster image size does not match its data")
    return (bytes([GS, 0x76, 0x30, mode]) + width_bytes.to_bytes(2, "little") + height.to_bytes(2, "little")
            + data)


def qr_function(fn: int, params: bytes) -> bytes:
    """``GS ( k`` for the QR symbol (cn = 49)."""
    length = len(params) + 2
    return bytes([GS, 0x28, 0x6B, length & 0xFF, length >> 8, 49, fn]) + params


# -- status ----------------------------------------------------------------------------

PAPER_STATUS_REQUEST = b"\x1d\x72\x01"  # GS r 1, answered in order


def realtime_status_request(n: int) -> bytes:
    """``DLE EOT n``."""
    if n not in (1, 2, 3, 4):
        raise ValueError("real-time status n must be 1-4")
    return bytes([DLE, 0x04, n])


def is_realtime_status_byte(byte: int) -> bool:
    """True for a DLE EOT answer (fixed bits 1 and 4 set, 0 and 7 clear)."""
    return byte & 0x93 == 0x12


@dataclass(frozen=True)
class PaperState:
    near_end: bool
    out: bool

    @property
    def name(self) -> str:
        return "out" if self.out else "near_end" if self.near_end else "ok"


def decode_printer_status(byte: int) -> bool:
    """DLE EOT 1 answer; returns True if the printer is online."""
    _check_realtime(byte)
    return not byte & 0x08


def decode_offline_cause(byte: int) -> tuple[bool, bool]:
    """DLE EOT 2 answer; returns (stopped by paper end, cover open)."""
    _check_realtime(byte)
    return bool(byte & 0x20), bool(byte & 0x04)


def decode_roll_paper_status(byte: int) -> PaperState:
    """DLE EOT 4 answer."""
    _check_realtime(byte)
    return PaperState(near_end=byte & 0x0C == 0x0C, out=byte & 0x60 == 0x60)


def decode_paper_sensor_status(byte: int) -> PaperState:
    """GS r 1 answer."""
    if byte & 0x90:
        raise ProtocolError(f"invalid paper sensor status byte 0x{byte:02X}")
    return PaperState(near_end=byte & 0x03 == 0x03, out=byte & 0x0C == 0x0C)


def encode_realtime_status(n: int, *, offline: bool = False, near_end: bool = False,
                           paper_out: bool = False) -> int:
    """The byte a printer answers to DLE EOT n (device side)."""
    value = 0x12
    if n == 1 and offline:
        value |= 0x08
    elif n == 2 and paper_out:
        value |= 0x20
    elif n == 4:
        value |= (0x0C if near_end else 0) | (0x60 if paper_out else 0)
    return value


def encode_paper_sensor_status(*, near_end: bool = False, paper_out: bool = False) -> int:
    """The byte a printer answers to GS r 1 (device side)."""
    return (0x03 if near_end else 0) | (0x0C if paper_out else 0)


def _check_realtime(byte: int) -> None:
    if not is_realtime_status_byte(byte):
        raise ProtocolError(f"invalid real-time status byte 0x{byte:02X}")


# -- device side: parsing the command stream -------------------------------------------


@dataclass(frozen=True)
class Command:
    """One parsed command: ``name`` plus arguments (``data`` for text and QR data)."""

    name: str
    args: tuple[int, ...] = ()
    data: bytes = b""


@dataclass
class EscPosParser:
    """Incremental parser of the subset above. ``feed`` returns complete commands and
    keeps an incomplete trailing command for the next call; ProtocolError (and the
    buffer is dropped) on a command outside the subset."""

    _buffer: bytearray = field(default_factory=bytearray)

    def feed(self, data: bytes) -> list[Command]:
        self._buffer += data
        commands: list[Command] = []
        while self._buffer:
            try:
                parsed = _parse_one(self._buffer)
            except ProtocolError:
                self._buffer.clear()
                raise
            if parsed is None:
                break
            command, used = parsed
            del self._buffer[:used]
            commands.append(command)
        return commands


def _parse_one(buf: bytearray) -> tuple[Command, int] | None:
    first = buf[0]
    if first >= 0x20:
        end = 1
        while end < len(buf) and buf[end] >= 0x20:
            end += 1
        return Command("text", data=bytes(buf[:end])), end
    if first == LF:
        return Command("lf"), 1
    if first == 0x0D:
        return Command("cr"), 1
    if first == DLE:
        if len(buf) < 3:
            return None
        if buf[1] != 0x04 or buf[2] not in (1, 2, 3, 4):
            raise ProtocolError("unsupported DLE command")
        return Command("realtime_status", (buf[2],)), 3
    if first == ESC:
        return _parse_esc(buf)
    if first == GS:
        return _parse_gs(buf)
    raise ProtocolError(f"unsupported control byte 0x{first:02X}")


def _parse_esc(buf: bytearray) -> tuple[Command, int] | None:
    if len(buf) < 2:
        return None
    op = buf[1]
    if op == 0x40:
        return Command("init"), 2
    names = {0x74: "code_page", 0x45: "bold", 0x61: "align", 0x64: "feed"}
    if op not in names:
        raise ProtocolError(f"unsupported command ESC 0x{op:02X}")
    if len(buf) < 3:
        return None
    return Command(names[op], (buf[2],)), 3


def _parse_gs(buf: bytearray) -> tuple[Command, int] | None:
    if len(buf) < 2:
        return None
    op = buf[1]
    if op == 0x21:
        return (Command("size", (buf[2],)), 3) if len(buf) >= 3 else None
    if op == 0x76:
        if len(buf) < 8:
            return None
        if buf[2] not in (0x30, 0x00) or buf[3] not in (0, 1, 2, 3, 48, 49, 50, 51):
            raise ProtocolError("unsupported GS v raster function")
        width_bytes, height = buf[4] | (buf[5] << 8), buf[6] | (buf[7] << 8)
        if not width_bytes or not height:
            raise ProtocolError("GS v 0 with an empty image")
        end = 8 + width_bytes * height
        if len(buf) < end:
            return None
        return Command("raster", (buf[3] & 0x03, width_bytes, height), bytes(buf[8:end])), end
    if op == 0x72:
        if len(buf) < 3:
            return None
        if buf[2] not in (1, 49):
            raise ProtocolError("unsupported GS r request")
        return Command("paper_sensor_status"), 3
    if op == 0x56:
        if len(buf) < 3:
            return None
        mode = buf[2]
        if mode in (0, 1, 48, 49):
            return Command("cut", (mode,)), 3
        if mode in (65, 66):
            return (Command("cut", (mode, buf[3])), 4) if len(buf) >= 4 else None
        raise ProtocolError("unsupported cut mode")
    if op == 0x28:
        if len(buf) < 5:
            return None
        if buf[2] != 0x6B:
            raise ProtocolError("unsupported GS ( function")
        length = buf[3] | (buf[4] << 8)
        if length < 2:
            raise ProtocolError("GS ( k with a too short length")
        if len(buf) < 5 + length:
            return None
        body = bytes(buf[5:5 + length])
        if body[0] != 49:
            raise ProtocolError("only QR code symbols (cn = 49) are supported")
        return Command("qr", (body[1],), body[2:]), 5 + length
    raise ProtocolError(f"unsupported command GS 0x{op:02X}")
