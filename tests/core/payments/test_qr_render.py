"""QR rendering: the symbol read back to the payload, its version and level, SVG and PNG output.

The reader below is a small, independent ISO/IEC 18004 decoder for perfect matrices (no image
processing and no error correction needed): it finds format information, removes the mask,
reads the codewords in zig-zag order, de-interleaves the level-M blocks and parses the
numeric, alphanumeric and byte segments. It covers versions 1 to 10, enough for any VietQR.
"""

import struct
import xml.etree.ElementTree as ET
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.payments.qr_render import (
    QUIET_ZONE_MODULES,
    QRRenderError,
    make_symbol,
    qr_png,
    qr_svg,
)
from core.payments.vietqr import MAX_AMOUNT, encode_vietqr

# A static code with only digits and capitals (alphanumeric mode) and a dynamic one with a
# lower-case purpose (byte mode), both published (see test_vietqr.py for the sources).
UPPER_CASE_PAYLOAD = ("00020101021138540010A00000072701240006970423011000999999990208QRIBFTTA"
                      "53037045802VN6304CBB4")
MIXED_CASE_PAYLOAD = ("00020101021238570010A00000072701270006970403011300110123456780208QRIBFTTA"
                      "530370454061800005802VN62340107NPS68690819thanh toan don hang63042E2E")

# ISO/IEC 18004:2015 table 1 (alignment pattern centres), table 7 (capacities at level M) and
# table 9 (level M: error-correction codewords per block, data codewords of each block).
ALIGNMENT_CENTRES = {1: [], 2: [6, 18], 3: [6, 22], 4: [6, 26], 5: [6, 30], 6: [6, 34],
                     7: [6, 22, 38], 8: [6, 24, 42], 9: [6, 26, 46], 10: [6, 28, 50]}
BYTE_CAPACITY_M = {1: 14, 2: 26, 3: 42, 4: 62, 5: 84, 6: 106, 7: 122, 8: 152, 9: 180, 10: 213}
ALPHANUMERIC_CAPACITY_M = {1: 20, 2: 38, 3: 61, 4: 90, 5: 122, 6: 154, 7: 178, 8: 221,
                           9: 262, 10: 311}
BLOCKS_M = {1: (10, [16]), 2: (16, [28]), 3: (26, [44]), 4: (18, [32] * 2), 5: (24, [43] * 2),
            6: (16, [27] * 4), 7: (18, [31] * 4), 8: (22, [38, 38, 39, 39]),
            9: (22, [36, 36, 36, 37, 37]), 10: (26, [43, 43, 43, 43, 44])}
LEVEL_BITS = {"L": 1, "M": 0, "Q": 3, "H": 2}
ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
MASKS = [
    lambda r, c: (r + c) % 2 == 0,
    lambda r, c: r % 2 == 0,
    lambda r, c: c % 3 == 0,
    lambda r, c: (r + c) % 3 == 0,
    lambda r, c: (r // 2 + c // 3) % 2 == 0,
    lambda r, c: (r * c) % 2 + (r * c) % 3 == 0,
    lambda r, c: ((r * c) % 2 + (r * c) % 3) % 2 == 0,
    lambda r, c: ((r + c) % 2 + (r * c) % 3) % 2 == 0,
]


def function_modules(version):
    """Which modules are finder, separator, timing, alignment, format or version patterns."""
    size = 17 + 4 * version
    taken = [[False] * size for _ in range(size)]

    def mark(row, col, height, width):
        for r in range(max(row, 0), min(row + height, size)):
            for c in range(max(col, 0), min(col + width, size)):
                taken[r][c] = True

    mark(0, 0, 9, 9)
    mark(0, size - 8, 9, 8)
    mark(size - 8, 0, 8, 9)
    mark(6, 0, 1, size)
    mark(0, 6, size, 1)
    centres = ALIGNMENT_CENTRES[version]
    for r in centres:
        for c in centres:
            if (r, c) not in ((6, 6), (6, centres[-1]), (centres[-1], 6)):
                mark(r - 2, c - 2, 5, 5)
    if version >= 7:
        mark(0, size - 11, 6, 3)
        mark(size - 11, 0, 3, 6)
    return taken


def format_word(level, mask):
    data = LEVEL_BITS[level] << 3 | mask
    remainder = data
    for _ in range(10):
        remainder = (remainder << 1) ^ ((remainder >> 9) * 0x537)
    return (data << 10 | remainder) ^ 0x5412


def read_format(matrix):
    size = len(matrix)
    first = ([(i, 8) for i in range(6)] + [(7, 8), (8, 8), (8, 7)]
             + [(8, 14 - i) for i in range(9, 15)])
    second = [(8, size - 1 - i) for i in range(8)] + [(size - 15 + i, 8) for i in range(8, 15)]
    words = [sum(matrix[r][c] << i for i, (r, c) in enumerate(cells)) for cells in (first, second)]
    assert words[0] == words[1], "the two copies of the format information differ"
    for level in LEVEL_BITS:
        for mask in range(8):
            if format_word(level, mask) == words[0]:
                return level, mask
    raise AssertionError("no valid format information")


def read_matrix(matrix):
    """Decode a perfect level-M matrix: (text, version, level, mask)."""
    size = len(matrix)
    version = (size - 17) // 4
    level, mask = read_format(matrix)
    assert level == "M"
    taken = function_modules(version)
    bits = []
    right = size - 1
    while right >= 1:
        if right == 6:
            right = 5
        upward = ((right + 1) & 2) == 0
        for vertical in range(size):
            row = size - 1 - vertical if upward else vertical
            for col in (right, right - 1):
                if not taken[row][col]:
                    bits.append(matrix[row][col] ^ MASKS[mask](row, col))
        right -= 2
    ec_per_block, data_lengths = BLOCKS_M[version]
    codewords = [int("".join(map(str, bits[i:i + 8])), 2) for i in range(0, len(bits) - 7, 8)]
    assert len(codewords) >= sum(data_lengths) + ec_per_block * len(data_lengths)
    blocks = [[] for _ in data_lengths]
    index = 0
    for k in range(max(data_lengths)):
        for block, length in zip(blocks, data_lengths, strict=True):
            if k < length:
                block.append(codewords[index])
                index += 1
    stream = "".join(f"{cw:08b}" for block in blocks for cw in block)
    return parse_segments(stream, version), version, level, mask


def parse_segments(stream, version):
    position = 0

    def take(n):
        nonlocal position
        value = int(stream[position:position + n], 2)
        position += n
        return value

    small = version < 10
    text = []
    while position + 4 <= len(stream):
        mode = take(4)
        if mode == 0:
            break
        if mode == 0b0100:
            text.append(bytes(take(8) for _ in range(take(8 if small else 16))).decode("latin-1"))
        elif mode == 0b0010:
            count = take(9 if small else 11)
            for _ in range(count // 2):
                pair = take(11)
                text.append(ALPHANUMERIC[pair // 45] + ALPHANUMERIC[pair % 45])
            if count % 2:
                text.append(ALPHANUMERIC[take(6)])
        elif mode == 0b0001:
            count = take(10 if small else 12)
            for _ in range(count // 3):
                text.append(f"{take(10):03d}")
            if count % 3:
                text.append(f"{take(7 if count % 3 == 2 else 4):0{count % 3}d}")
        else:
            raise AssertionError(f"unexpected segment mode {mode:04b}")
    return "".join(text)


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def unfilter(kind, line, previous):
    """Undo one PNG row filter (RFC 2083 section 6) for one byte per pixel group."""
    out = bytearray()
    for i, x in enumerate(line):
        a = out[i - 1] if i else 0
        b = previous[i]
        c = previous[i - 1] if i else 0
        predictor = [0, a, b, (a + b) // 2, paeth(a, b, c)][kind]
        out.append((x + predictor) & 0xFF)
    return bytes(out)


def png_modules(png, scale, border):
    """The dark (1) / light (0) modules of a 1-bit greyscale PNG drawn by qr_png."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    position, idat, header = 8, b"", None
    while position < len(png):
        (length,) = struct.unpack(">I", png[position:position + 4])
        kind = png[position + 4:position + 8]
        body = png[position + 8:position + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        position += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert (depth, colour, interlace) == (1, 0, 0) and width == height
    raw = zlib.decompress(idat)
    stride = (width + 7) // 8 + 1
    rows, previous = [], bytes(stride - 1)
    for y in range(height):
        line = unfilter(raw[y * stride], raw[y * stride + 1:(y + 1) * stride], previous)
        rows.append(b"\0" + line)
        previous = line

    def dark(x, y):
        return 1 - ((rows[y][1 + x // 8] >> (7 - x % 8)) & 1)

    modules = width // scale - 2 * border
    centre = scale // 2
    return [[dark((border + c) * scale + centre, (border + r) * scale + centre)
             for c in range(modules)] for r in range(modules)], width


def expected_version(payload):
    capacity = (ALPHANUMERIC_CAPACITY_M if all(ch in ALPHANUMERIC for ch in payload)
                else BYTE_CAPACITY_M)
    return min(v for v, fits in capacity.items() if len(payload) <= fits)


def matrix_of(payload):
    return [list(row) for row in make_symbol(payload).matrix]


# --------------------------------------------------------------------------- the symbol


@pytest.mark.parametrize("payload", [UPPER_CASE_PAYLOAD, MIXED_CASE_PAYLOAD])
def test_symbol_reads_back_to_the_payload(payload):
    text, version, level, _ = read_matrix(matrix_of(payload))
    assert (text, level) == (payload, "M")
    assert version == expected_version(payload)


def test_upper_case_payload_uses_alphanumeric_mode_and_a_smaller_symbol():
    assert make_symbol(UPPER_CASE_PAYLOAD).designator == "5-M"  # 91 characters > 90 of 4-M
    assert make_symbol(MIXED_CASE_PAYLOAD).designator == "8-M"  # 135 bytes > 122 of 7-M
    assert make_symbol(MIXED_CASE_PAYLOAD).mode == "byte"


def test_mask_found_by_the_reader_is_the_one_segno_chose():
    symbol = make_symbol(MIXED_CASE_PAYLOAD)
    assert read_matrix(matrix_of(MIXED_CASE_PAYLOAD))[3] == symbol.mask
    assert not symbol.is_micro and symbol.error == "M"


@settings(max_examples=60, deadline=None)
@given(bin=st.text("0123456789", min_size=6, max_size=6),
       account=st.text("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                       min_size=1, max_size=19),
       amount=st.none() | st.integers(1, MAX_AMOUNT),
       purpose=st.none() | st.text("abcdefghijklmnopqrstuvwxyz ABCXYZ0123456789-.", min_size=1,
                                   max_size=25),
       dynamic=st.booleans())
def test_any_vietqr_payload_reads_back_at_the_smallest_level_m_version(bin, account, amount,
                                                                       purpose, dynamic):
    payload = encode_vietqr(bin, account, amount=amount, purpose=purpose, dynamic=dynamic)
    text, version, _, _ = read_matrix(matrix_of(payload))
    assert text == payload
    assert version == expected_version(payload)


# --------------------------------------------------------------------------- SVG and PNG


def test_svg_is_well_formed_svg_sized_by_scale_and_quiet_zone():
    svg = qr_svg(MIXED_CASE_PAYLOAD, scale=5)
    root = ET.fromstring(svg)
    side = (49 + 2 * QUIET_ZONE_MODULES) * 5  # version 8 is 49 modules wide
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert (root.get("width"), root.get("height")) == (str(side), str(side))
    assert root.get("class") == "vietqr"
    assert not svg.startswith("<?xml")


def test_svg_is_the_same_for_the_same_payload_and_differs_for_another():
    assert qr_svg(MIXED_CASE_PAYLOAD) == qr_svg(MIXED_CASE_PAYLOAD)
    assert qr_svg(MIXED_CASE_PAYLOAD) != qr_svg(UPPER_CASE_PAYLOAD)


def test_png_pixels_read_back_to_the_payload():
    png = qr_png(MIXED_CASE_PAYLOAD, scale=3)
    modules, width = png_modules(png, scale=3, border=QUIET_ZONE_MODULES)
    assert width == (49 + 2 * QUIET_ZONE_MODULES) * 3
    assert modules == matrix_of(MIXED_CASE_PAYLOAD)
    assert read_matrix(modules)[0] == MIXED_CASE_PAYLOAD


def test_png_quiet_zone_is_light():
    png = qr_png(UPPER_CASE_PAYLOAD, scale=1, border=4)
    modules, width = png_modules(png, scale=1, border=0)
    assert width == 37 + 8
    assert not any(modules[0]) and not any(row[0] for row in modules)


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize("payload", ["", None])
def test_empty_payload_cannot_be_drawn(payload):
    with pytest.raises(QRRenderError, match="empty"):
        qr_svg(payload)


def test_payload_too_long_for_any_version_is_refused_with_its_length():
    with pytest.raises(QRRenderError, match="3000 characters does not fit"):
        qr_png("x" * 3000)


@pytest.mark.parametrize("scale, border", [(0, 4), (2.5, 4), (True, 4), (4, -1)])
def test_scale_and_border_must_be_whole_and_sensible(scale, border):
    with pytest.raises(QRRenderError):
        qr_svg(UPPER_CASE_PAYLOAD, scale=scale, border=border)
