"""VietQR (EMVCo merchant-presented QR for NAPAS 247) for plugins: build, read and draw.

    from sdk.vietqr import encode_vietqr, qr_svg

    payload = encode_vietqr("970436", "0011001234567", amount=150000, purpose="Tien nha")
    svg = qr_svg(payload)          # an inline <svg class="vietqr"> for the kiosk screen

The format and its rules are in docs/vietqr.md; errors are ``VietQRError`` (a
``UserInputError``) naming the tag and the rule broken.
"""

from __future__ import annotations

from core.payments.qr_render import QRRenderError, qr_png, qr_svg
from core.payments.vietqr import (
    SERVICE_TO_ACCOUNT,
    SERVICE_TO_CARD,
    VietQR,
    VietQRError,
    decode_vietqr,
    encode_vietqr,
)

__all__ = ["SERVICE_TO_ACCOUNT", "SERVICE_TO_CARD", "QRRenderError", "VietQR", "VietQRError",
           "decode_vietqr", "encode_vietqr", "qr_png", "qr_svg"]
