"""Tiered tariffs: EVN residential electricity and domestic water (pure, integer VND).

Electricity: Decision 1279/QĐ-BCT of 9 May 2025 (Ministry of Industry and Trade), residential
retail prices per kWh before VAT, in force from 10 May 2025. VAT 8 % (the reduced rate of
Decree 174/2025/NĐ-CP, 1 July 2025 – 31 December 2026; a setting of the plugin).
Water: the domestic tiers per household per month of Hanoi Decision 3541/QĐ-UBND (2019, the
step applied from 2022), plus VAT 5 % and the environmental protection fee on domestic
wastewater of 10 % of the price before VAT (Decree 53/2020/NĐ-CP). docs/plugins/utilities.md
says what was verified.
"""

from __future__ import annotations

from dataclasses import dataclass

# (tier size in units or None for "the rest", price per unit in VND before VAT)
EVN_RESIDENTIAL_2025 = ((50, 1984), (50, 2050), (100, 2380), (100, 2998), (100, 3350), (None, 3460))
HANOI_WATER_DOMESTIC = ((10, 8500), (10, 9900), (10, 16000), (None, 27000))
ELECTRICITY_VAT_PERCENT = 8
WATER_VAT_PERCENT = 5
WASTEWATER_FEE_PERCENT = 10


@dataclass(frozen=True)
class TierLine:
    """One tier of a bill: which units, how many, at what price, for how much."""

    tier: int
    first_unit: int
    last_unit: int | None
    quantity: int
    unit_price: int
    amount: int


@dataclass(frozen=True)
class Charge:
    """A bill's computed amount: tier lines, subtotal, VAT, fees and total (integer VND)."""

    lines: tuple[TierLine, ...]
    subtotal: int
    vat_percent: int
    vat: int
    fee_percent: int
    fee: int

    @property
    def total(self) -> int:
        return self.subtotal + self.vat + self.fee


def _percent(amount: int, percent: int) -> int:
    return (amount * percent + 50) // 100  # half up, to the dong


def tiered(consumption: int, tiers: tuple[tuple[int | None, int], ...]) -> tuple[TierLine, ...]:
    """Split ``consumption`` over ``tiers`` (sizes in order, the last one open)."""
    if isinstance(consumption, bool) or not isinstance(consumption, int) or consumption < 0:
        raise ValueError("consumption must be a whole number of units, 0 or more")
    lines, left, start = [], consumption, 1
    for number, (size, price) in enumerate(tiers, start=1):
        if left <= 0:
            break
        quantity = left if size is None else min(size, left)
        lines.append(TierLine(number, start, None if size is None else start + size - 1, quantity, price,
                              quantity * price))
        left -= quantity
        start += size or 0
    return tuple(lines)


def electricity_charge(kwh: int, vat_percent: int = ELECTRICITY_VAT_PERCENT) -> Charge:
    """A residential electricity bill for ``kwh`` in one month."""
    lines = tiered(kwh, EVN_RESIDENTIAL_2025)
    subtotal = sum(line.amount for line in lines)
    return Charge(lines, subtotal, vat_percent, _percent(subtotal, vat_percent), 0, 0)


def water_charge(m3: int) -> Charge:
    """A domestic water bill for ``m3`` cubic metres in one month (one household)."""
    lines = tiered(m3, HANOI_WATER_DOMESTIC)
    subtotal = sum(line.amount for line in lines)
    return Charge(lines, subtotal, WATER_VAT_PERCENT, _percent(subtotal, WATER_VAT_PERCENT),
                  WASTEWATER_FEE_PERCENT, _percent(subtotal, WASTEWATER_FEE_PERCENT))
