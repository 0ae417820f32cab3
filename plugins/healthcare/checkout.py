"""The seam to the station's payment service (``sdk.payments``) and what happens on settlement.

Both paid paths — a pharmacist-approved prescription order and an OTC shop order — start a
payment here, and the ``payment_settled`` hook lands in :func:`settle`: on success the stock
is taken, prescription quantities are posted to the national system, and the order becomes
``paid`` (its pickup code is already on the receipt); on failure the order can be paid again.
"""

from __future__ import annotations

import importlib
import secrets
from collections.abc import Callable, Mapping
from typing import Any

from sdk import StationError, audit, now, pick, transaction

from .connector import ConnectorUnavailable, OutOfStock, inventory, national_prescriptions
from .models import RxOrder, ShopOrder

RX_PURPOSE = "healthcare.prescription"
SHOP_PURPOSE = "healthcare.otc"


class PaymentsUnavailable(StationError):
    """The station's payment service is not installed or not answering."""

    http_status = 503


def _payments() -> Any:
    try:
        return importlib.import_module("sdk.payments")
    except ImportError:
        raise PaymentsUnavailable(pick("Trạm chưa sẵn sàng nhận thanh toán. Vui lòng thử lại sau.",
                                       "The station cannot take payments right now. Please try again later.")) from None


def start_payment(**kwargs: Any) -> Any:
    """``sdk.payments.start_payment(**kwargs)`` — see the payments contract."""
    return _payments().start_payment(**kwargs)


def payment_for(obj: str) -> Any:
    """``sdk.payments.payment_for(obj)`` — the open or paid payment holding an order, if any."""
    return _payments().payment_for(obj)


def items_detail(quantities: Mapping[str, int]) -> list[str]:
    """Quantities as audit detail: ``["AMOX500:20", ...]`` (product codes and counts only)."""
    return [f"{sku}:{qty}" for sku, qty in sorted(quantities.items())]


def new_pickup_code(rng: Callable[[int], int] = secrets.randbelow) -> str:
    """A 6-digit code the citizen shows at the counter."""
    return f"{rng(1_000_000):06d}"


def _order_of(reference: str) -> RxOrder | ShopOrder | None:
    kind, _, raw_id = reference.partition(":")
    if not raw_id.isdigit():
        return None
    model = {"rxorder": RxOrder, "shoporder": ShopOrder}.get(kind)
    return model.get_or_none(model.id == int(raw_id)) if model else None


def settle(payment: Any) -> None:
    """Apply a settled payment (``payment.state`` SUCCEEDED or FAILED) to its order, once."""
    order = _order_of(str(payment.reference))
    if order is None or order.payment_id not in (None, str(payment.id)) or order.state in ("paid", "stock_problem"):
        return
    ref = f"{'rxorder' if isinstance(order, RxOrder) else 'shoporder'}:{order.id}"
    if payment.state != "SUCCEEDED":
        with transaction():
            order.state = "approved" if isinstance(order, RxOrder) else "failed"
            order.save()
            audit("healthcare.payment_failed", object_ref=ref, outcome="failed", details={"payment": str(payment.id)})
        return
    quantities = {line["sku"]: int(line["qty"]) for line in order.lines}
    with transaction():
        try:
            inventory().take(quantities, reference=ref)
            order.state = "paid"
        except OutOfStock as exc:
            # Paid but the shelf ran out meanwhile: the pharmacist resolves it (refund or restock).
            order.state = "stock_problem"
            audit("healthcare.stock_problem", object_ref=ref, outcome="failed", details={"sku": exc.sku})
        order.paid_at = now()
        order.payment_id = str(payment.id)
        order.save()
        audit("healthcare.paid", object_ref=ref, outcome="ok",
              details={"payment": str(payment.id), "amount_vnd": int(order.total_vnd),
                       "items": items_detail(quantities)})
    if isinstance(order, RxOrder) and order.state == "paid":
        post_dispensing(order)


def post_dispensing(order: RxOrder) -> bool:
    """Post the order's dispensed quantities to the national system; True once posted."""
    ref = f"rxorder:{order.id}"
    quantities = {line["sku"]: int(line["qty"]) for line in order.lines}
    try:
        national_prescriptions().record_dispensing(order.code, quantities, reference=ref)
    except ConnectorUnavailable:
        with transaction():
            audit("healthcare.dispensing_post", object_ref=ref, outcome="failed", details={"retry": True})
        return False
    with transaction():
        order.posted = True
        order.save()
        audit("healthcare.dispensing_post", object_ref=ref, outcome="ok", details={"items": items_detail(quantities)})
    return True
