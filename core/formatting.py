"""Locale formatting of money, numbers and dates (Vietnamese first)."""

from __future__ import annotations

from datetime import date, datetime


def format_number(value: int | float, lang: str = "vi", decimals: int = 0) -> str:
    """``1234567`` → ``1.234.567`` (vi) or ``1,234,567`` (en)."""
    text = f"{value:,.{decimals}f}"
    if lang == "vi":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def format_vnd(amount: int, lang: str = "vi") -> str:
    """Integer VND: ``1.234.567 ₫`` (vi) or ``1,234,567 ₫`` (en)."""
    return f"{format_number(int(amount), lang)} ₫"


def format_date(value: date | datetime, lang: str = "vi") -> str:
    """``29/11/2026`` (vi, also the usual en-VN form) or ``29 Nov 2026`` (en)."""
    if lang == "en":
        return value.strftime("%d %b %Y").lstrip("0")
    return value.strftime("%d/%m/%Y")


def format_datetime(value: datetime, lang: str = "vi") -> str:
    """Date and time to the minute."""
    return f"{format_date(value, lang)} {value.strftime('%H:%M')}"
