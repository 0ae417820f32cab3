"""Printing a receipt on the station's receipt printer (ESC/POS, Vietnamese code page).

    from sdk.printing import print_receipt

    print_receipt(["SAO KÊ TÀI KHOẢN", ("Số dư", "1.234.567 ₫")], qr="https://...", title_lines=1)

Each item is a line of text or a ``(label, value)`` pair printed as ``label: value``. Raises
:class:`sdk.devices.DeviceUnavailable` (``missing``, ``paper_out``, ``not_ready``, ...) when
nothing (or not all) was printed — the caller tells the citizen and may offer the QR instead.
"""

from __future__ import annotations

from collections.abc import Iterable

from core.i18n import pick
from sdk.devices import DeviceUnavailable, device, use_device

Line = str | tuple[str, str]


def print_receipt(lines: Iterable[Line], qr: str | None = None, title_lines: int = 0) -> None:
    """Print ``lines`` (the first ``title_lines`` bold and centred), an optional QR code, cut."""
    from hal.protocols.receipt_printer import Receipt

    if device("receipt_printer") is None:
        raise DeviceUnavailable(pick("Trạm này không có máy in biên nhận.", "This station has no receipt printer."),
                                "missing", retry=False)
    receipt = Receipt()
    for index, line in enumerate(lines):
        text = f"{line[0]}: {line[1]}" if isinstance(line, tuple) else str(line)
        title = index < title_lines
        receipt.line(text, bold=title, align="center" if title else "left")
    if qr:
        receipt.feed(1).qr(qr)
    receipt.feed(3).cut()
    use_device("receipt_printer", lambda printer: printer.print_receipt(receipt),
               pick("Máy in đang bận, vui lòng chờ.", "The printer is busy; please wait."))


__all__ = ["print_receipt"]
