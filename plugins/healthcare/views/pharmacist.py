"""The pharmacist's view (console or tablet): approve or reject prescription orders, hand over."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, url_for

from sdk import UserInputError, audit, current_staff, now, pick, requires, transaction
from sdk.lists import paginate

from ..checkout import post_dispensing
from ..connector import inventory, national_prescriptions
from ..models import RxOrder
from . import bp
from .rx import find_order, rx_ref, still_dispensable


@bp.route("/pharmacist")
@requires("healthcare.approve")
def pharmacist_queue() -> Any:
    """Orders waiting for approval, and paid orders to hand over (no names, no ID numbers)."""
    waiting = paginate(RxOrder.select().where(RxOrder.state == "awaiting_approval")
                       .order_by(RxOrder.created_at, RxOrder.id), per_page=10)
    paid = (RxOrder.select().where(RxOrder.state.in_(("paid", "stock_problem")))
            .order_by(RxOrder.paid_at.desc()).limit(20))
    return render_template("healthcare/pharmacist.html", waiting=waiting.items, page=waiting, paid=list(paid),
                           product=inventory().product, rx_ref=rx_ref, conn=national_prescriptions())


@bp.route("/pharmacist/orders/<int:order_id>/<decision>", methods=["POST"])
@requires("healthcare.approve")
def pharmacist_decide(order_id: int, decision: str) -> Any:
    """Approve (the citizen may then pay) or reject (with the reason shown to the citizen)."""
    if decision not in ("approve", "reject"):
        raise UserInputError(pick("Quyết định không hợp lệ.", "Unknown decision."))
    with transaction():
        order = find_order(order_id)
        if order.state != "awaiting_approval":
            raise UserInputError(pick("Đơn hàng này đã được xử lý.", "This order was already decided."))
        if decision == "approve":
            refusal = still_dispensable(order)
            if refusal is not None:
                raise UserInputError(refusal)
        order.state = "approved" if decision == "approve" else "rejected"
        order.decided_at = now()
        order.pharmacist_id = current_staff().id
        order.save()
        audit(f"healthcare.rx_{decision}", object_ref=f"rxorder:{order.id}",
              details={"rx": rx_ref(order.code)})
    return redirect(url_for("healthcare.pharmacist_queue"), code=303)


@bp.route("/pharmacist/orders/<int:order_id>/post", methods=["POST"])
@requires("healthcare.dispense")
def pharmacist_retry_post(order_id: int) -> Any:
    """Post a paid order's quantities to the national system again (after it did not answer)."""
    order = find_order(order_id, "healthcare.dispense")
    if order.state == "paid" and not order.posted:
        post_dispensing(order)
    return redirect(url_for("healthcare.pharmacist_queue"), code=303)
