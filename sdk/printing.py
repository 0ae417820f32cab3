"""Printing a receipt on the station's receipt printer (ESC/POS, Vietnamese code page).

    from sdk.printing import print_receipt

    print_receipt(["SAO KÊ TÀI KHOẢN", ("Số dư", "1.234.567 ₫")], qr="https://...", title_lines=1)

Each item is a line of text or a ``(label, value)`` pair printed as ``label: value``. Raises
:class:`sdk.devices.DeviceUnavailable` when nothing (or not all) was printed: ``state``
``absent`` (no printer), ``not_ready`` (``reason_code`` ``paper_out``, ``unplugged``, ...),
``busy`` or ``failed`` — the caller tells the citizen (``str(exc)``) and may offer the QR instead.
"""

from __future__ import annotations

from collections.abc import Iterable

from sdk.devices import use_device

Line = str | tuple[str, str]


def print_receipt(lines: Iterable[Line], qr: str | None = None, title_lines: int = 0) -> None:
    """Print ``lines`` (the first ``title_lines`` bold and centred), an optional QR code, cut."""
    from hal.protocols.receipt_printer import Receipt

    receipt = Receipt()
    for index, line in enumerate(lines):
        text = f"{line[0]}: {line[1]}" if isinstance(line, tuple) else str(line)
        title = index < title_lines
        receipt.line(text, bold=title, align="center" if title else "left")
    if qr:
        receipt.feed(1).qr(qr)
    receipt.feed(3).cut()
    use_device("receipt_printer", lambda printer: printer.print_receipt(receipt))


__all__ = ["print_receipt"]
