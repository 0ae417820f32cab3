"""Locale formatting of money, numbers and dates (Vietnamese first)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

DEFAULT_ZONE = "Asia/Ho_Chi_Minh"


def station_time(value: date | datetime | float | int | str | None, zone: str = DEFAULT_ZONE) -> date | datetime | None:
    """A moment as the station's clock shows it: epoch seconds, aware datetimes and ISO-8601 text
    are converted to ``zone``; naive datetimes and dates are taken as already local."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if isinstance(value, int | float):
        value = datetime.fromtimestamp(value, UTC)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(ZoneInfo(zone))
    return value


def format_number(value: int | float, lang: str = "vi", decimals: int = 0) -> str:
    """``1234567`` → ``1.234.567`` (vi) or ``1,234,567`` (en)."""
    text = f"{value:,.{decimals}f}"
    if lang == "vi":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def format_vnd(amount: int, lang: str = "vi") -> str:
    """Integer VND: ``1.234.567 ₫`` (vi) or ``1,234,567 ₫`` (en)."""
    return f"{format_number(int(amount), lang)} ₫"


def format_date(value: date | datetime | float | str | None, lang: str = "vi", zone: str = DEFAULT_ZONE) -> str:
    """``29/11/2026`` (vi, also the usual en-VN form) or ``29 Nov 2026`` (en), in the station's zone."""
    value = station_time(value, zone)
    if value is None:
        return ""
    if lang == "en":
        return value.strftime("%d %b %Y").lstrip("0")
    return value.strftime("%d/%m/%Y")


def format_datetime(value: datetime | float | str | None, lang: str = "vi", zone: str = DEFAULT_ZONE) -> str:
    """Date and time to the minute (``dd/mm/yyyy HH:mm``) in the station's zone."""
    value = station_time(value, zone)
    if value is None:
        return ""
    if not isinstance(value, datetime):
        return format_date(value, lang, zone)
    return f"{format_date(value, lang, zone)} {value.strftime('%H:%M')}"


def format_timestamp(value: datetime | float | str | None, lang: str = "vi", zone: str = DEFAULT_ZONE) -> str:
    """Date and time to the second (``dd/mm/yyyy HH:mm:ss``) in the station's zone (audit view)."""
    moment = station_time(value, zone)
    if not isinstance(moment, datetime):
        return format_datetime(value, lang, zone)
    return f"{format_date(moment, lang, zone)} {moment.strftime('%H:%M:%S')}"
