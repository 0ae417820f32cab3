"""When a transfer needs face authentication: Decision 2345/QĐ-NHNN, in one pure function.

Decision 2345/QĐ-NHNN (State Bank of Vietnam, 18 December 2023, in force 1 July 2024) requires
biometric authentication — the face matched against the chip ID card's portrait — for an
online transfer **above 10,000,000 VND**, and for the transfer that takes the customer's total
for the day **above 20,000,000 VND** (the first one that crosses the line; the ones after it
that day may use the other authentication methods). "The day" is the Vietnam calendar day.
"""

from __future__ import annotations

SINGLE_ABOVE_VND = 10_000_000
"""A single transfer above this amount needs the face check (Decision 2345/QĐ-NHNN)."""
DAILY_ABOVE_VND = 20_000_000
"""The transfer that takes the day's total above this amount needs the face check."""


def face_check_required(amount: int, used_today: int, *, single_above: int = SINGLE_ABOVE_VND,
                        daily_above: int = DAILY_ABOVE_VND) -> bool:
    """Whether a transfer of ``amount`` VND needs face authentication (Decision 2345/QĐ-NHNN).

    ``used_today`` is what the citizen already transferred (succeeded) on this Vietnam calendar
    day, before this transfer. True when the amount is above ``single_above`` or when this transfer
    is the one that takes the day's total from at most ``daily_above`` to above it. A site may set
    stricter thresholds; they never go above the Decision's (the larger values are ignored).
    """
    single_above = min(single_above, SINGLE_ABOVE_VND)
    daily_above = min(daily_above, DAILY_ABOVE_VND)
    if amount > single_above:
        return True
    return used_today <= daily_above < used_today + amount
