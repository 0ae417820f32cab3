"""A statement as printed lines and as a compact text for a take-away QR code (pure)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from .connector import Statement

QR_TEXT_LIMIT = 1800
"""Characters a QR code at error correction M still scans well from a kiosk screen."""


def _money(amount: int) -> str:
    return f"{amount:,}".replace(",", ".")


def statement_lines(statement: Statement, local: Callable[[float], datetime], bank: str) -> list:
    """Receipt lines: two title lines, the period, balances, then one line per booking."""
    start = local(statement.start).strftime("%d/%m/%Y")
    end = local(statement.end - 1).strftime("%d/%m/%Y")
    lines: list = [bank, "SAO KÊ TÀI KHOẢN / STATEMENT", ("Tài khoản", f"****{statement.account[-4:]}"),
                   ("Từ / From", start), ("Đến / To", end), ("Số dư đầu kỳ", f"{_money(statement.opening_balance)} đ")]
    for booking in statement.bookings:
        sign = "+" if booking.amount > 0 else "-"
        lines.append(f"{local(booking.at).strftime('%d/%m')} {sign}{_money(abs(booking.amount))} {booking.description}"[:48])
    lines.append(("Số dư cuối kỳ", f"{_money(statement.closing_balance)} đ"))
    lines.append("Dữ liệu mô phỏng / simulated data")
    return lines


def statement_qr_text(statement: Statement, local: Callable[[float], datetime]) -> str:
    """Plain text (one booking per line, ``;``-separated) that fits a QR code.

    When the period has more bookings than fit, the newest are kept and the first line says
    how many were left out.
    """
    head = (f"SAO KE ****{statement.account[-4:]} {local(statement.start):%Y-%m-%d}.."
            f"{local(statement.end - 1):%Y-%m-%d} DAU KY {statement.opening_balance} CUOI KY "
            f"{statement.closing_balance} VND")
    rows = [f"{local(b.at):%Y-%m-%d};{b.amount};{_ascii(b.description)[:40]}" for b in statement.bookings]
    kept: list[str] = []
    size = len(head) + 40
    for row in reversed(rows):
        if size + len(row) + 1 > QR_TEXT_LIMIT:
            break
        kept.insert(0, row)
        size += len(row) + 1
    omitted = len(rows) - len(kept)
    if omitted:
        head += f" (BO QUA {omitted} GIAO DICH CU / {omitted} OLDER OMITTED)"
    return "\n".join([head, *kept])


def _ascii(text: str) -> str:
    import unicodedata

    text = text.replace("đ", "d").replace("Đ", "D")
    text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    return "".join(c if 32 <= ord(c) < 127 and c != ";" else " " for c in text)
