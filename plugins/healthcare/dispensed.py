"""What this station has already sold of a prescription (defence in depth against the national system).

The national system is the authority on what was dispensed, but it can lag (a report not
posted yet, the system not answering) or, as a simulator, forget. The station therefore never
sells more of a medicine than was prescribed minus everything this station itself has been
paid for on that prescription:

    dispensed = max(national dispensed + paid here but not yet posted, everything paid here)

The first term counts other pharmacies too; the second holds even if the national system has
lost this station's reports. Both are checked when an order is created, when the pharmacist
approves it and again just before it is paid.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from sdk import pick

from .models import RxOrder
from .prescriptions import Prescription

SOLD_STATES = ("paid", "stock_problem")  # money taken for it: counts as sold, whatever the shelf said


def _quantities(orders: list[RxOrder]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for order in orders:
        for line in order.lines:
            totals[line["sku"]] = totals.get(line["sku"], 0) + int(line["qty"])
    return totals


def sold_here(code: str) -> dict[str, int]:
    """Quantities per medicine of every order for ``code`` this station was paid for."""
    return _quantities(list(RxOrder.select().where(RxOrder.lookup("code", code) & RxOrder.state.in_(SOLD_STATES))))


def unposted_here(code: str) -> dict[str, int]:
    """Quantities paid here that the national system has not accepted yet."""
    return _quantities(list(RxOrder.select().where(
        RxOrder.lookup("code", code) & RxOrder.state.in_(SOLD_STATES) & (RxOrder.posted == False))))  # noqa: E712


def with_station_sales(rx: Prescription) -> Prescription:
    """``rx`` with each line's ``dispensed`` raised to what this station knows it sold."""
    sold, unposted = sold_here(rx.code), unposted_here(rx.code)
    if not sold:
        return rx
    return replace(rx, lines=tuple(
        replace(line, dispensed=max(line.dispensed + unposted.get(line.drug_code, 0), sold.get(line.drug_code, 0)))
        for line in rx.lines))


def over_prescription(rx: Prescription, quantities: Mapping[str, int]) -> str | None:
    """A message when ``quantities`` exceed what remains of ``rx`` (after :func:`with_station_sales`)."""
    remaining = {line.drug_code: line for line in with_station_sales(rx).lines}
    for drug, qty in quantities.items():
        line = remaining.get(drug)
        if line is None or int(qty) > line.remaining:
            left = line.remaining if line is not None else 0
            name = line.name if line is not None else drug
            return pick(f"Đơn thuốc chỉ còn {left} {line.unit['vi'] if line else ''} {name}; không thể bán thêm.",
                        f"Only {left} {line.unit['en'] if line else ''} of {name} remain on the prescription; "
                        "no more can be sold.")
    return None
