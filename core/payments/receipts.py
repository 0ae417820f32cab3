"""Receipts: one document, three forms — the kiosk screen, the ESC/POS printer and a PNG.

:func:`receipt_document` gathers what a receipt says (pure: records in, a frozen value out);
:func:`receipt_lines` is its text in Vietnamese (the printer's language) or English;
:func:`escpos_receipt` builds the printer job (Vietnamese, WPC1258, with a QR code that opens
the audit entry's inclusion proof); :func:`receipt_png` draws the take-away image. No I/O
here: printing and storing live in :mod:`core.payments.service`.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

from core.formatting import DEFAULT_ZONE, format_datetime, format_vnd
from hal.protocols.receipt_printer import Receipt

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/Library/Fonts/Arial Unicode.ttf",
    "C:/Windows/Fonts/arial.ttf",
)
METHOD_NAMES = {"card": {"vi": "Thẻ ngân hàng (máy POS)", "en": "Bank card (terminal)"},
                "vietqr": {"vi": "Chuyển khoản VietQR (NAPAS 247)", "en": "VietQR transfer (NAPAS 247)"}}


_MACHINE_PREFIX = re.compile(r"^[a-z][a-z_]*:(?=.)")


@dataclass(frozen=True)
class ReceiptDocument:
    """Everything a receipt shows; no personal data (no names, no ID numbers)."""

    site_name: dict[str, str]
    site_address: str
    number: str
    issued_at: float
    description: dict[str, str]
    amount_vnd: int
    method: str
    payment_id: int
    reference: str
    provider_ref: str | None
    rows: tuple[tuple[str, str], ...]
    audit_index: int
    verify_url: str
    simulated: bool
    zone: str = DEFAULT_ZONE  # the station's ``[site] timezone``: every time on the receipt is in it

    @property
    def shown_reference(self) -> str:
        """The reference as a citizen reads it: ``fine:VP250314001`` → ``VP250314001``
        (the ``kind:`` prefix is the station's bookkeeping, not something to read)."""
        return _MACHINE_PREFIX.sub("", self.reference, count=1) or self.reference


def verify_url_for(base_url: str, audit_index: int) -> str:
    """The public page that proves the receipt's audit entry is in the station's log."""
    return f"{base_url.rstrip('/')}/audit/proof/{audit_index}"


def local_time_text(epoch: float, zone: str = DEFAULT_ZONE, lang: str = "vi") -> str:
    """``dd/mm/yyyy HH:mm`` in the station's time zone ``zone`` (the one formatting helper)."""
    return format_datetime(float(epoch), lang, zone)


def receipt_lines(doc: ReceiptDocument, lang: str = "vi") -> list[tuple[str, str]]:
    """The receipt as ``(style, text)`` lines; style is ``title``, ``bold``, ``center`` or ``text``."""
    vi = lang != "en"

    def t(vi_text: str, en_text: str) -> str:
        return vi_text if vi else en_text

    lines: list[tuple[str, str]] = [
        ("title", doc.site_name["vi" if vi else "en"]),
        ("center", doc.site_address),
        ("bold", t("BIÊN LAI THANH TOÁN", "PAYMENT RECEIPT")),
        ("text", f"{t('Số biên lai', 'Receipt no.')}: {doc.number}"),
        ("text", f"{t('Thời gian', 'Time')}: {local_time_text(doc.issued_at, doc.zone, 'vi' if vi else 'en')}"),
        ("text", f"{t('Nội dung', 'For')}: {doc.description['vi' if vi else 'en']}"),
    ]
    lines += [("text", f"{label}: {value}") for label, value in doc.rows]
    lines += [
        ("text", f"{t('Mã tham chiếu', 'Reference')}: {doc.shown_reference}"),
        ("text", f"{t('Phương thức', 'Method')}: {METHOD_NAMES.get(doc.method, {}).get('vi' if vi else 'en', doc.method)}"),
    ]
    if doc.provider_ref:
        lines.append(("text", f"{t('Mã giao dịch', 'Transaction')}: {doc.provider_ref}"))
    lines += [
        ("bold", f"{t('Số tiền', 'Amount')}: {format_vnd(doc.amount_vnd, 'vi' if vi else 'en')}"),
        ("text", f"{t('Mục nhật ký kiểm toán số', 'Audit log entry no.')}: {doc.audit_index}"),
        ("text", t("Quét mã QR để kiểm tra biên lai trong nhật ký:", "Scan the QR code to check it in the log:")),
    ]
    if doc.simulated:
        lines.append(("center", t("MÔ PHỎNG — không có giá trị thanh toán thật",
                                  "SIMULATION — not a real payment")))
    return lines


def escpos_receipt(doc: ReceiptDocument) -> Receipt:
    """The printer job: Vietnamese text, the audit entry's verification QR code, a cut."""
    job = Receipt()
    for style, text in receipt_lines(doc, "vi"):
        if style == "title":
            job.line(text, bold=True, align="center")
        elif style == "center":
            job.line(text, align="center")
        else:
            job.line(text, bold=style == "bold")
    job.qr(doc.verify_url, size=6, ecc="M")
    job.line(doc.verify_url, align="center")
    return job.feed(2).cut()


def find_font(configured: str | None = None) -> str | None:
    """A TrueType font with Vietnamese letters: the configured one, else a common system font."""
    for candidate in ((configured,) if configured else ()) + FONT_CANDIDATES:
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def receipt_png(doc: ReceiptDocument, lang: str = "vi", font_path: str | None = None) -> bytes:
    """The receipt as a PNG (576 px wide, like an 80 mm roll), with the verification QR code.

    Needs Pillow. Without a TrueType font with Vietnamese letters, Pillow's built-in font is
    used (some diacritics may then be missing; set ``[connectors.bank] receipt_font``).
    """
    from PIL import Image, ImageDraw, ImageFont

    from core.payments.qr_render import qr_png

    width, margin = 576, 24
    path = find_font(font_path)

    bold_path = path.replace(".ttf", "-Bold.ttf") if path else None
    if bold_path and not Path(bold_path).is_file():
        bold_path = path

    def font(size: int, bold: bool = False):  # type: ignore[no-untyped-def]
        chosen = bold_path if bold else path
        return ImageFont.truetype(chosen, size) if chosen else ImageFont.load_default(size=size)

    fonts = {"title": font(26, True), "bold": font(24, True), "center": font(20), "text": font(20)}
    scratch = ImageDraw.Draw(Image.new("L", (1, 1)))
    laid_out: list[tuple[str, str]] = []
    for style, text in receipt_lines(doc, lang):
        for piece in _wrap(text, lambda s, f=fonts[style]: scratch.textlength(s, font=f), width - 2 * margin):
            laid_out.append((style, piece))
    qr = Image.open(io.BytesIO(qr_png(doc.verify_url, scale=6, border=4))).convert("L")
    line_height = 34
    height = margin * 2 + line_height * len(laid_out) + qr.height + 40
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    y = margin
    for style, text in laid_out:
        f = fonts[style]
        length = draw.textlength(text, font=f)
        x = (width - length) / 2 if style in ("title", "center") else margin
        draw.text((x, y), text, font=f, fill=0)
        y += line_height
    image.paste(qr, ((width - qr.width) // 2, y + 10))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _wrap(text: str, measure, limit: float) -> list[str]:  # type: ignore[no-untyped-def]
    words, lines, current = text.split(" "), [], ""
    for word in words:
        candidate = f"{current} {word}".strip()
        if current and measure(candidate) > limit:
            lines.append(current)
            current = word
        else:
            current = candidate
    lines.append(current)
    return lines
