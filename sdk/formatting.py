"""Numbers, money and dates the way the station shows them (for receipts and text a plugin builds).

    from sdk.formatting import format_vnd, format_date, format_datetime

    format_vnd(1500000)            # "1.500.000 ₫" (Vietnamese separators), "1,500,000 ₫" in English
    format_datetime(epoch_seconds) # "05/12/2026 14:30" in the site's time zone

Templates have the same as filters (``|vnd``, ``|number``, ``|date``, ``|datetime``). Without a
``lang`` the current page language is used; without a ``zone`` the site's time zone.
"""

from __future__ import annotations

from datetime import date, datetime

from core import formatting
from core.i18n import current_language
from core.station import current_station


def _zone() -> str:
    from flask import current_app, has_app_context

    if has_app_context() and "station" in current_app.extensions:
        return current_station().config.site.get("timezone") or formatting.DEFAULT_ZONE
    return formatting.DEFAULT_ZONE


def format_number(value: int | float, lang: str | None = None, decimals: int = 0) -> str:
    """``1234567`` → ``1.234.567`` (vi) or ``1,234,567`` (en)."""
    return formatting.format_number(value, lang or current_language(), decimals)


def format_vnd(amount: int, lang: str | None = None) -> str:
    """Whole đồng: ``1.234.567 ₫``."""
    return formatting.format_vnd(amount, lang or current_language())


def format_date(value: date | datetime | float | str | None, lang: str | None = None) -> str:
    """``dd/mm/yyyy`` in the site's time zone (epoch seconds, ISO text or a date)."""
    return formatting.format_date(value, lang or current_language(), _zone())


def format_datetime(value: datetime | float | str | None, lang: str | None = None) -> str:
    """``dd/mm/yyyy HH:mm`` in the site's time zone."""
    return formatting.format_datetime(value, lang or current_language(), _zone())


def station_time(value: date | datetime | float | str | None) -> datetime | date | None:
    """A moment on the station's clock: epoch seconds, ISO text and aware datetimes converted to
    the site's time zone (``[site] timezone``); use it to group by local day or take ``.date()``.
    New in sdk 1.5."""
    return formatting.station_time(value, _zone())


def station_zone() -> str:
    """The site's IANA time zone name (``[site] timezone``, default ``Asia/Ho_Chi_Minh``). New in sdk 1.5."""
    return _zone()


def amount_in_words(amount: int, lang: str | None = None) -> str:
    """``15000000`` → ``mười lăm triệu đồng`` (vi) / ``fifteen million dong`` (en), lower case.
    New in sdk 1.4 (the kiosk's amount fields show the same live, ``ui.keypad_input(...,
    amount_words=True)``)."""
    from core.number_words import amount_in_words as words

    return words(amount, lang or current_language())


__all__ = ["amount_in_words", "format_date", "format_datetime", "format_number", "format_vnd", "station_time",
           "station_zone"]
