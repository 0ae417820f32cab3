"""Simulated document scanner speaking hal.protocols.document_scanner, with a generated
test page.

A document lies on the glass unless the profile is ``no_document`` (or a test calls
:meth:`DocumentScannerSimulator.remove_document`). SCAN is acknowledged at once and the
PAGE announcement follows after ``scan_s`` seconds; the page is a generated A4-shaped test
page: a baseline grayscale JPEG (:func:`generated_page_jpeg`) or a one-page PDF
(:func:`generated_page_pdf`), different per ``seed``.

Profiles: ``no_document`` (ERROR no document on SCAN), ``paper_jam`` (STATUS says jammed,
SCAN answers ERROR paper jam, until :meth:`clear_jam`); ``unplug`` vanishes on SCAN;
``garbage`` sends random bytes without STX; ``bad_checksum`` flips a CRC bit of every frame.
Options: ``scan_s`` (1.0), ``title`` (text printed on the PDF page), ``qr`` (text of a QR
code printed on the document on the glass — e.g. an e-prescription code for the demo).

Barcode recognition (CODES, protocol 1.1): the scanner reports the codes printed on the
scanned document; a test puts a document with codes on the glass with
``place_document(codes=[Code("qr", b"...")])`` (the generated page image does not draw them).
"""

from __future__ import annotations

import random
import struct

from hal.errors import ProtocolError
from hal.model import DeviceKind
from hal.protocols import document_scanner as ds
from hal.sim import register_simulator
from hal.sim.base import Simulator


@register_simulator(DeviceKind.document_scanner)
class DocumentScannerSimulator(Simulator):
    profiles = frozenset({"no_document", "paper_jam"})
    option_defaults = {"scan_s": 1.0, "title": "CITIZEN STATION - SIMULATED SCAN", "qr": ""}
    line_settings = {"baudrate": 115200, "bytesize": 8, "parity": "N", "stopbits": 1}

    def __init__(self, *args, **kwargs) -> None:
        self.scans = 0
        super().__init__(*args, **kwargs)

    def reset(self) -> None:
        self._buffer = bytearray()
        self.document = self.profile != "no_document"
        self.codes: list[ds.Code] = [ds.Code("qr", str(self.options["qr"]).encode())] if self.options.get("qr") else []
        self._page_codes: list[ds.Code] = []
        self.jammed = self.profile == "paper_jam"
        self._page: bytes | None = None
        self._ready_at = 0.0

    # -- scripted physical events ---------------------------------------------------------

    def place_document(self, codes: list[ds.Code] | None = None) -> None:
        """Someone puts a page on the glass (with the codes printed on it, if any)."""
        self.document = True
        self.codes = list(codes or [])

    def remove_document(self) -> None:
        """The glass is empty."""
        self.document = False
        self.codes = []

    def clear_jam(self) -> None:
        """Staff removed the jammed paper."""
        self.jammed = False
        if self.profile == "paper_jam":
            self.profile = "ok"

    # -- protocol ---------------------------------------------------------------------------

    def on_bytes(self, data: bytes) -> None:
        self._buffer += data
        while self._buffer:
            try:
                frame, consumed, _ = ds.take_frame(bytes(self._buffer))
            except ProtocolError as exc:
                del self._buffer[:exc.consumed]
                self.send(ds.encode_frame(ds.MSG_ERROR, 0, bytes([ds.ERR_BAD_FRAME])))
                continue
            del self._buffer[:consumed]
            if frame is None:
                return
            self._handle(frame)

    def _state(self) -> int:
        if self.jammed:
            return ds.STATE_PAPER_JAM
        if self._page is not None:
            return ds.STATE_SCANNING if self.now < self._ready_at else ds.STATE_PAGE_READY
        return ds.STATE_DOCUMENT_READY if self.document else ds.STATE_NO_DOCUMENT

    def _handle(self, frame: ds.Frame) -> None:
        seq = frame.seq

        def error(code: int) -> None:
            self.send(ds.encode_frame(ds.MSG_ERROR, seq, bytes([code])))

        if frame.type == ds.MSG_STATUS_REQUEST:
            self.send(ds.encode_frame(ds.MSG_STATUS, seq, bytes([self._state()])))
        elif frame.type == ds.MSG_SCAN:
            try:
                image_format, _ = ds.decode_scan(frame.payload)
            except ProtocolError:
                return error(ds.ERR_BAD_REQUEST)
            if self._state() == ds.STATE_SCANNING:
                return error(ds.ERR_BUSY)
            if self.jammed:
                return error(ds.ERR_PAPER_JAM)
            if not self.document:
                return error(ds.ERR_NO_DOCUMENT)
            if self.vanish_if_unplug_profile():
                return None
            self.scans += 1
            self._page = self.scanned_page(image_format)
            self._page_codes = list(self.codes)
            self._ready_at = self.now + self.options["scan_s"]
            self.send(ds.encode_frame(ds.MSG_ACK, seq, bytes([ds.MSG_SCAN])))
            info = ds.PageInfo(image_format, len(self._page), ds.page_crc32(self._page))
            self.send(ds.encode_frame(ds.MSG_PAGE, seq, ds.encode_page_info(info)), self.options["scan_s"])
        elif frame.type == ds.MSG_READ:
            try:
                offset, count = ds.decode_read(frame.payload)
            except ProtocolError:
                return error(ds.ERR_BAD_REQUEST)
            if self._page is None or self.now < self._ready_at:
                return error(ds.ERR_NO_PAGE)
            if offset >= len(self._page):
                return error(ds.ERR_BAD_REQUEST)
            block = self._page[offset:offset + count]
            self.send(ds.encode_frame(ds.MSG_DATA, seq, ds.encode_data(offset, block)))
        elif frame.type == ds.MSG_CODES_REQUEST:
            if self._page is None or self.now < self._ready_at:
                return error(ds.ERR_NO_PAGE)
            self.send(ds.encode_frame(ds.MSG_CODES, seq, ds.encode_codes(self._page_codes)))
        elif frame.type == ds.MSG_RELEASE:
            self._page = None
            self._page_codes = []
            self.send(ds.encode_frame(ds.MSG_ACK, seq, bytes([ds.MSG_RELEASE])))
        else:
            error(ds.ERR_UNKNOWN_TYPE)
        return None

    def scanned_page(self, image_format: str) -> bytes:
        """The page this scanner produces for scan number ``self.scans`` (deterministic)."""
        seed = self.rng.randrange(1 << 30)
        if image_format == "pdf":
            return generated_page_pdf(self.options["title"], seed)
        return generated_page_jpeg(seed)

    def garble(self, data: bytes) -> bytes:
        return self.random_bytes(max(len(data), 32), exclude=bytes([ds.STX]))

    def break_checksum(self, data: bytes) -> bytes:
        return data[:-1] + bytes([data[-1] ^ 0x01])


# -- generated test pages -------------------------------------------------------------------

PAGE_WIDTH, PAGE_HEIGHT = 400, 560  # pixels, A4-shaped, multiples of 8
_DC_QUANT = 8

# ITU T.81 Annex K.3 luminance DC table: code lengths 1..16 and the categories they code.
_DC_BITS = (0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0)
_DC_VALUES = tuple(range(12))


def _huffman_codes(bits: tuple[int, ...], values: tuple[int, ...]) -> dict[int, tuple[int, int]]:
    """Canonical Huffman codes (T.81 Annex C): value -> (code, length)."""
    codes: dict[int, tuple[int, int]] = {}
    code, index = 0, 0
    for length, count in enumerate(bits, start=1):
        for _ in range(count):
            codes[values[index]] = (code, length)
            code += 1
            index += 1
        code <<= 1
    return codes


class _BitWriter:
    def __init__(self) -> None:
        self.out = bytearray()
        self._acc = 0
        self._count = 0

    def write(self, value: int, length: int) -> None:
        for shift in range(length - 1, -1, -1):
            self._acc = (self._acc << 1) | ((value >> shift) & 1)
            self._count += 1
            if self._count == 8:
                self.out.append(self._acc)
                if self._acc == 0xFF:
                    self.out.append(0x00)  # byte stuffing
                self._acc, self._count = 0, 0

    def flush(self) -> bytes:
        if self._count:
            self.write((1 << (8 - self._count)) - 1, 8 - self._count)  # pad with 1-bits
        return bytes(self.out)


def _page_blocks(seed: int) -> list[list[int]]:
    """Gray level (0-255) of every 8x8 block of the test page: margins, a heading, text
    lines of varying length, a photo box and a signature stroke."""
    rng = random.Random(seed)
    cols, rows = PAGE_WIDTH // 8, PAGE_HEIGHT // 8
    page = [[250] * cols for _ in range(rows)]
    for x in range(cols):
        page[0][x] = page[rows - 1][x] = 40
    for y in range(rows):
        page[y][0] = page[y][cols - 1] = 40
    for x in range(12, cols - 12):
        page[4][x] = 20  # heading
    y = 9
    while y < rows - 14:
        length = rng.randrange(cols // 3, cols - 10)
        for x in range(4, 4 + length):
            page[y][x] = 70 + rng.randrange(40)
        y += 3
    for yy in range(9, 21):  # photo box, top right
        for xx in range(cols - 13, cols - 4):
            page[yy][xx] = 130 if (yy in (9, 20) or xx in (cols - 13, cols - 5)) else 200
    for x in range(cols - 20, cols - 6):
        page[rows - 8 + (x % 3) - 1][x] = 30  # signature
    return page


def generated_page_jpeg(seed: int = 0) -> bytes:
    """A baseline grayscale JFIF JPEG of the test page (flat 8x8 blocks: DC-only coding)."""
    dc_codes = _huffman_codes(_DC_BITS, _DC_VALUES)
    writer = _BitWriter()
    previous = 0
    for row in _page_blocks(seed):
        for level in row:
            dc = round(8 * (level - 128) / _DC_QUANT)
            diff, previous = dc - previous, dc
            size = abs(diff).bit_length()
            code, length = dc_codes[size]
            writer.write(code, length)
            if size:
                writer.write(diff if diff > 0 else diff + (1 << size) - 1, size)
            writer.write(0, 1)  # end of block: the only AC code, "0"
    scan = writer.flush()

    def segment(marker: int, body: bytes) -> bytes:
        return struct.pack(">HH", 0xFF00 | marker, len(body) + 2) + body

    jfif = b"JFIF\x00\x01\x01\x01\x00\xc8\x00\xc8\x00\x00"  # 200 dpi
    quant = bytes([0]) + bytes([_DC_QUANT] + [1] * 63)
    frame = struct.pack(">BHHB", 8, PAGE_HEIGHT, PAGE_WIDTH, 1) + bytes([1, 0x11, 0])
    dc_table = bytes([0x00]) + bytes(_DC_BITS) + bytes(_DC_VALUES)
    ac_table = bytes([0x10]) + bytes([1] + [0] * 15) + bytes([0x00])
    start_of_scan = bytes([1, 1, 0x00, 0, 63, 0])
    return (b"\xff\xd8" + segment(0xE0, jfif) + segment(0xDB, quant) + segment(0xC0, frame)
            + segment(0xC4, dc_table) + segment(0xC4, ac_table) + segment(0xDA, start_of_scan)
            + scan + b"\xff\xd9")


def generated_page_pdf(title: str = "CITIZEN STATION - SIMULATED SCAN", seed: int = 0) -> bytes:
    """A one-page PDF 1.4 (A4) test page: a title and text-like bars."""
    rng = random.Random(seed)
    safe_title = "".join(c for c in title if 32 <= ord(c) < 127 and c not in "()\\")
    bars = "".join(f"72 {700 - 24 * i} {rng.randrange(150, 450)} 8 re f\n" for i in range(20))
    content = (f"BT /F1 18 Tf 72 770 Td ({safe_title}) Tj ET\n0.4 g\n{bars}").encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
