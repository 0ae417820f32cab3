"""Draw a payment payload as a QR code: inline SVG for the kiosk screen, PNG for files and print.

Pure functions (text in, SVG text or PNG bytes out) over ``segno``. Every symbol is a regular
(not Micro) QR code at error-correction level M, the smallest version that holds the payload,
with the level not boosted, so the same payload always gives the same symbol; the quiet zone
is the 4 modules ISO/IEC 18004 asks for unless the caller draws one of its own.
"""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING

from core.errors import UserInputError

if TYPE_CHECKING:
    import segno

ERROR_CORRECTION = "M"
QUIET_ZONE_MODULES = 4


class QRRenderError(UserInputError):
    """The payload cannot be drawn: empty, or more than a QR code at level M holds."""


def make_symbol(payload: str) -> segno.QRCode:
    """The QR symbol for ``payload``: level M, smallest version, never Micro QR."""
    import segno  # imported on first use: only payment and login pages draw QR codes (cold start)

    if not isinstance(payload, str) or not payload:
        raise QRRenderError("nothing to draw: the QR payload is empty")
    try:
        return segno.make_qr(payload, error=ERROR_CORRECTION, boost_error=False)
    except segno.DataOverflowError:
        raise QRRenderError(
            f"a payload of {len(payload)} characters does not fit in a QR code at level "
            f"{ERROR_CORRECTION}") from None


def _check_drawing(scale: int, border: int) -> None:
    if isinstance(scale, bool) or not isinstance(scale, int) or scale < 1:
        raise QRRenderError("scale must be a whole number of pixels per module, at least 1")
    if isinstance(border, bool) or not isinstance(border, int) or border < 0:
        raise QRRenderError("border must be a whole number of modules, 0 or more")


def qr_svg(payload: str, scale: int = 8, border: int = QUIET_ZONE_MODULES) -> str:
    """An ``<svg>`` element (no XML declaration, with its namespace) to place in a page.

    ``scale`` is the size of one module in CSS pixels; ``border`` the quiet zone in modules.
    The element has the class ``vietqr`` for the kiosk's stylesheet.
    """
    _check_drawing(scale, border)
    out = io.BytesIO()
    make_symbol(payload).save(out, kind="svg", scale=scale, border=border, xmldecl=False,
                              svgns=True, nl=False, svgclass="vietqr", lineclass=None)
    svg = out.getvalue().decode("utf-8")
    # a viewBox, so a stylesheet that sizes the code (``.qr svg { width: 20rem }``) scales the
    # drawing with it instead of leaving a small code in a large empty box
    size = re.search(r'<svg[^>]*?\swidth="(\d+)"\s+height="(\d+)"', svg)
    if size and "viewBox" not in svg:
        svg = svg.replace("<svg ", f'<svg viewBox="0 0 {size.group(1)} {size.group(2)}" ', 1)
    return svg


def qr_png(payload: str, scale: int = 8, border: int = QUIET_ZONE_MODULES) -> bytes:
    """A black-on-white PNG of the symbol, ``scale`` pixels per module."""
    _check_drawing(scale, border)
    out = io.BytesIO()
    make_symbol(payload).save(out, kind="png", scale=scale, border=border)
    return out.getvalue()
