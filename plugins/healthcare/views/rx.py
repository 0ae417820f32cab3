"""E-prescriptions at the kiosk: look up by code, right person, choose quantities, pharmacist
approval, payment, pickup code."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from flask import redirect, render_template, request, url_for

from sdk import (
    UserInputError,
    audit,
    citizen_matches_id_number,
    current_citizen,
    get_owned,
    now,
    pick,
    plugin_settings,
    requires,
    transaction,
)

from .. import checkout
from ..checkout import RX_PURPOSE, items_detail, new_pickup_code
from ..connector import ConnectorUnavailable, inventory, national_prescriptions
from ..dispensed import over_prescription, with_station_sales
from ..models import RxOrder
from ..prescriptions import (
    TYPE_NAMES,
    Prescription,
    PrescriptionRefused,
    check_kiosk_dispensable,
    local_day,
    parse_code,
    plan_dispensing,
    price_lines,
)
from ..schemas import PayForm, PrescriptionCodeForm, load_form, quantities_from_form
from . import bp

OPEN_STATES = ("awaiting_approval", "approved")
NOT_YOURS = {"vi": "Không tìm thấy đơn thuốc mang mã này được kê cho bạn. Hãy kiểm tra lại mã trên đơn.",
             "en": "No prescription with this code was issued to you. Please check the code on your prescription."}


def rx_ref(code: str) -> str:
    """The audit reference of a prescription: a hash of its code (the code itself stays out of the log)."""
    return "rx:" + hashlib.sha256(code.encode()).hexdigest()[:16]


def _refuse(code: str, reason: str, message: dict[str, str]) -> Any:
    with transaction():
        audit("healthcare.rx_lookup", object_ref=rx_ref(code), outcome="refused", details={"reason": reason})
    return render_template("healthcare/rx_refused.html", message=message, reason=reason), 403


def _prescription_for_citizen(code: str) -> Prescription | tuple[Any, int]:
    """The prescription if it is this citizen's; otherwise the refusal page (audited), revealing nothing."""
    try:
        rx = national_prescriptions().lookup(code, local_day(now()))
    except ConnectorUnavailable:
        raise UserInputError(pick("Hệ thống đơn thuốc quốc gia chưa trả lời. Vui lòng thử lại sau ít phút.",
                                  "The national prescription system did not answer. Please try again in a few "
                                  "minutes.")) from None
    if rx is None:
        return _refuse(code, "not_found", NOT_YOURS)
    if not citizen_matches_id_number(rx.patient_id_number):
        return _refuse(code, "other_person", NOT_YOURS)
    rx = with_station_sales(rx)
    try:
        check_kiosk_dispensable(rx, local_day(now()))
    except PrescriptionRefused as refusal:
        return _refuse(code, refusal.reason, refusal.message)
    return rx


@bp.route("/rx")
@requires("healthcare.use", assurance="high", step_up=True)
def rx_start() -> Any:
    """Enter the prescription code (keypad); the citizen's own open orders."""
    orders = (RxOrder.select().where(RxOrder.citizen_id == current_citizen().id)
              .order_by(RxOrder.created_at.desc()).limit(10))
    return render_template("healthcare/rx_start.html", orders=list(orders), conn=national_prescriptions())


def _stock_and_prices(rx: Prescription) -> tuple[dict[str, int], dict[str, int]]:
    stock, prices = {}, {}
    for line in rx.lines:
        product = inventory().product(line.drug_code)
        stock[line.drug_code] = product.stock if product else 0
        prices[line.drug_code] = product.price_vnd if product else 0
    return stock, prices


@bp.route("/rx/lookup", methods=["POST"])
@requires("healthcare.use", assurance="high", step_up=True)
def rx_lookup() -> Any:
    """Right person, right prescription: then the remaining quantities to choose from."""
    form = load_form(PrescriptionCodeForm, request.form)
    try:
        code, _ = parse_code(form["code"])
    except ValueError as exc:
        raise UserInputError(pick("Mã đơn thuốc gồm 14 ký tự: 12 chữ hoặc số, dấu gạch ngang và loại đơn "
                                  "(c, n, h hoặc y), ví dụ 79013K7Q2M9X-c; nhập đúng như trên đơn.",
                                  str(exc))) from None
    found = _prescription_for_citizen(code)
    if not isinstance(found, Prescription):
        return found
    with transaction():
        audit("healthcare.rx_lookup", object_ref=rx_ref(code), details={"type": found.type})
    open_order = RxOrder.get_or_none((RxOrder.code == code) & (RxOrder.state.in_(OPEN_STATES)))
    if open_order is not None and open_order.citizen_id == current_citizen().id:
        return redirect(url_for("healthcare.rx_order", order_id=open_order.id), code=303)
    stock, prices = _stock_and_prices(found)
    return render_template("healthcare/rx_choose.html", rx=found, stock=stock, prices=prices,
                           type_name=TYPE_NAMES[found.type], conn=national_prescriptions(), inv=inventory())


@bp.route("/rx/order", methods=["POST"])
@requires("healthcare.use", assurance="high", step_up=True)
def rx_order_create() -> Any:
    """Create the order with the chosen quantities; it waits for a pharmacist's approval."""
    form = load_form(PrescriptionCodeForm, request.form)
    try:
        code, _ = parse_code(form["code"])
    except ValueError:
        raise UserInputError(pick("Mã đơn thuốc không hợp lệ.", "The prescription code is not valid.")) from None
    found = _prescription_for_citizen(code)
    if not isinstance(found, Prescription):
        return found
    if RxOrder.get_or_none((RxOrder.code == code) & (RxOrder.state.in_(OPEN_STATES))) is not None:
        raise UserInputError(pick("Đơn thuốc này đang có một yêu cầu chờ xử lý.",
                                  "This prescription already has an order in progress."))
    stock, prices = _stock_and_prices(found)
    try:
        plan = plan_dispensing(found, quantities_from_form(request.form), stock)
    except ValueError as exc:
        raise UserInputError(str(exc)) from None
    lines, total = price_lines(plan, prices)
    with transaction():
        order = RxOrder.create(citizen_id=current_citizen().id, code=code, state="awaiting_approval",
                               lines=[{"sku": sku, "qty": qty, "unit_price": prices[sku], "total": line_total}
                                      for sku, qty, line_total in lines],
                               total_vnd=total, pickup_code=new_pickup_code(), created_at=now())
        audit("healthcare.rx_order", object_ref=f"rxorder:{order.id}",
              details={"rx": rx_ref(code), "items": items_detail(plan), "amount_vnd": total})
    return redirect(url_for("healthcare.rx_order", order_id=order.id), code=303)


@bp.route("/rx/orders/<int:order_id>")
@requires("healthcare.use")
def rx_order(order_id: int) -> Any:
    """The order's state: waiting for the pharmacist, approved (pay), paid (pickup code)."""
    order = get_owned(RxOrder, order_id, staff_permission="healthcare.dispense", purpose=STAFF_READ_PURPOSE,
                      category="health")
    names = {line["sku"]: (inventory().product(line["sku"]) or None) for line in order.lines}
    holding = checkout.payment_for(f"rxorder:{order.id}")
    citizen = current_citizen()
    return render_template("healthcare/rx_order.html", order=order, names=names, attempt=secrets.token_urlsafe(16),
                           counter=plugin_settings()["pickup_counter"], holding=holding,
                           holding_mine=holding is not None and citizen is not None
                           and holding.payer_citizen_id == citizen.id)


@bp.route("/rx/orders/<int:order_id>/pay", methods=["POST"])
@requires("healthcare.use", assurance="high")
def rx_order_pay(order_id: int) -> Any:
    """Pay an approved order through the station's payment service."""
    order = get_owned(RxOrder, order_id)
    holding = checkout.payment_for(f"rxorder:{order.id}")
    if holding is not None:
        return redirect(holding.resume_url, code=303)  # continue paying / being verified / paid on …
    if order.state != "approved":
        raise UserInputError(pick("Đơn hàng chưa được dược sĩ duyệt hoặc đã thanh toán.",
                                  "The order is not approved by the pharmacist yet, or is already paid."))
    form = load_form(PayForm, request.form)
    refusal = still_dispensable(order)
    if refusal is not None:
        raise UserInputError(refusal)
    payment = checkout.start_payment(
        amount_vnd=int(order.total_vnd), purpose=RX_PURPOSE, reference=f"rxorder:{order.id}",
        idempotency_key=form["attempt"],
        description={"vi": "Thuốc theo đơn điện tử", "en": "Prescription medicine"},
        return_url=url_for("healthcare.rx_order", order_id=order.id),
        receipt_lines=[(pick("Mã nhận thuốc", "Pickup code"), order.pickup_code),
                       (pick("Nơi nhận", "Collect at"), plugin_settings()["pickup_counter"])])
    if not payment.existing:
        with transaction():
            order.payment_id = str(payment.id)
            order.save()
            audit("healthcare.rx_pay", object_ref=f"rxorder:{order.id}", details={"payment": str(payment.id)})
    return redirect(payment.pay_url, code=303)


def still_dispensable(order: RxOrder) -> str | None:
    """Ask the national system again and check the order against what remains (None: fine)."""
    try:
        rx = national_prescriptions().lookup(order.code, local_day(now()))
    except ConnectorUnavailable:
        return pick("Hệ thống đơn thuốc quốc gia chưa trả lời. Vui lòng thử lại sau ít phút.",
                    "The national prescription system did not answer. Please try again in a few minutes.")
    if rx is None:
        return pick("Không tìm thấy đơn thuốc này.", "This prescription was not found.")
    return over_prescription(rx, {line["sku"]: int(line["qty"]) for line in order.lines})


STAFF_READ_PURPOSE = {"vi": "Dược sĩ xem đơn thuốc để duyệt hoặc giao thuốc",
                      "en": "A pharmacist looked at the prescription order to approve or hand it over"}


def find_order(order_id: int, permission: str = "healthcare.approve") -> RxOrder:
    """An order by id for staff pages (404 when absent); the read goes to the citizen's access log."""
    return get_owned(RxOrder, order_id, staff_permission=permission, purpose=STAFF_READ_PURPOSE,
                     category="health")
