"""Text → 1-bit raster rows for ESC/POS ``GS v 0``: Vietnamese on printers without WPC1258.

Many cheap receipt printers have no Vietnamese code table (WPC1258, ``ESC t 52``); what
they all print is a raster image. This module draws a receipt line with Pillow (already a
dependency of the station; drawing anti-aliased TrueType text and thresholding it is what
Pillow is for, and not worth hand-writing) in the bundled DejaVu Sans Mono font, which
covers every Vietnamese letter (the font Pillow embeds does not), and packs it into the
bytes ``GS v 0`` expects: rows of ``ceil(width / 8)`` bytes, most significant bit leftmost,
1 = black.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT_PATH = Path(__file__).resolve().parent.parent / "data" / "fonts" / "DejaVuSansMono.ttf"
DEFAULT_WIDTH = 384   # dots across a 58 mm printer (576 for 80 mm)
DEFAULT_SIZE = 24     # pixel size of the font: 26 characters across 384 dots
ALIGNMENTS = ("left", "center", "right")


@dataclass(frozen=True)
class Bitmap:
    """A 1-bit image: ``rows`` of ``width_bytes`` bytes each (MSB leftmost, 1 = black)."""

    width_bytes: int
    height: int
    data: bytes

    def pixel(self, x: int, y: int) -> bool:
        """True where the dot is black."""
        return bool(self.data[y * self.width_bytes + x // 8] & (0x80 >> (x % 8)))

    def ink(self) -> int:
        """How many dots are black."""
        return sum(bin(b).count("1") for b in self.data)


@lru_cache(maxsize=8)
def _font(size: int, path: str) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


def wrap(text: str, width: int, size: int = DEFAULT_SIZE, font_path: Path = FONT_PATH) -> list[str]:
    """Break ``text`` at spaces (or anywhere, for a too long word) into lines that fit ``width`` dots."""
    font = _font(size, str(font_path))
    words, lines, current = text.split(" "), [], ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if font.getlength(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = word
        while font.getlength(current) > width and len(current) > 1:
            cut = len(current)
            while cut > 1 and font.getlength(current[:cut]) > width:
                cut -= 1
            lines.append(current[:cut])
            current = current[cut:]
    lines.append(current)
    return lines


def render_line(text: str, *, width: int = DEFAULT_WIDTH, bold: bool = False, align: str = "left",
                size: int = DEFAULT_SIZE, font_path: Path = FONT_PATH) -> Bitmap:
    """One receipt line (wrapped to ``width`` dots if needed) as a bitmap ``width`` dots wide."""
    if align not in ALIGNMENTS:
        raise ValueError(f"align must be one of {ALIGNMENTS}")
    font = _font(size, str(font_path))
    text = unicodedata.normalize("NFC", text)
    lines = wrap(text, width, size, font_path)
    ascent, descent = font.getmetrics()
    line_height = ascent + descent + 2
    image = Image.new("L", (width, line_height * len(lines)), 255)
    draw = ImageDraw.Draw(image)
    for n, line in enumerate(lines):
        length = font.getlength(line)
        x = {"left": 0, "center": (width - length) / 2, "right": width - length}[align]
        draw.text((max(0, x), n * line_height), line, font=font, fill=0,
                  stroke_width=1 if bold else 0, stroke_fill=0)
    packed = image.point(lambda v: 255 if v < 128 else 0, mode="1")  # black ink → bit 1
    return Bitmap((width + 7) // 8, image.height, packed.tobytes())
