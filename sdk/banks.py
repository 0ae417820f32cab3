"""Vietnamese banks by BIN (NAPAS 247 participants), for transfer forms and receipts.

    from sdk.banks import bank_name, banks

    bank_name("970436")   # "Vietcombank"
    banks()               # [("970405", "Agribank"), ...] sorted by name

The table is the station's (``core.payments.vietqr.KNOWN_BINS``; sources in docs/vietqr.md).
"""

from __future__ import annotations

from core.payments.vietqr import KNOWN_BINS
from core.payments.vietqr import bank_name as _bank_name


def bank_name(bin: str) -> str | None:
    """Short name of the bank with this 6-digit BIN, or None when unknown."""
    return _bank_name(bin)


def banks() -> list[tuple[str, str]]:
    """Every known ``(BIN, short name)``, sorted by name."""
    return sorted(KNOWN_BINS.items(), key=lambda item: item[1].lower())


__all__ = ["bank_name", "banks"]
