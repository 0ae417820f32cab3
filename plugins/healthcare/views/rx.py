"""E-prescriptions at the kiosk: look up by code, right person, choose quantities, pharmacist
approval, payment, pickup code."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, timedelta
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
    verified_identity,
)
from sdk.devices import DeviceUnavailable, use_device
from sdk.formatting import format_vnd

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
    """"My prescriptions" from the national system (no code to type), the scanner, the code
    keypad as a last resort, and the citizen's own orders."""
    return _start_page()


def _my_prescriptions() -> tuple[list[tuple[Prescription, dict[str, str] | None]], bool]:
    """The citizen's prescriptions with why the kiosk cannot dispense each (None: it can), and
    whether the national system answered."""
    identity = verified_identity()
    if identity is None or not getattr(identity, "id_number", None):
        return [], True
    today = local_day(now())
    try:
        found = national_prescriptions().prescriptions_of(identity.id_number, today)
    except ConnectorUnavailable:
        return [], False
    listed = []
    for rx in found:
        rx = with_station_sales(rx)
        try:
            check_kiosk_dispensable(rx, today)
            listed.append((rx, None))
        except PrescriptionRefused as refusal:
            listed.append((rx, refusal.message))
    with transaction():
        audit("healthcare.rx_list", details={"prescriptions": len(listed),
                                             "dispensable": sum(1 for _, why in listed if why is None)})
    return listed, True


def _start_page(scan_error: str | None = None, status: int = 200) -> Any:
    orders = (RxOrder.select().where(RxOrder.citizen_id == current_citizen().id)
              .order_by(RxOrder.created_at.desc()).limit(10))
    mine, answered = _my_prescriptions()
    return render_template("healthcare/rx_start.html", orders=list(orders), conn=national_prescriptions(),
                           mine=mine, answered=answered, scan_error=scan_error, type_names=TYPE_NAMES,
                           issued=_issued_text, order_state=ORDER_STATES), status


def _issued_text(rx: Prescription) -> str:
    """The issue date as dd/mm/yyyy."""
    return (date(1970, 1, 1) + timedelta(days=rx.issued_on_day)).strftime("%d/%m/%Y")


ORDER_STATES = {"awaiting_approval": {"vi": "Chờ dược sĩ duyệt", "en": "Waiting for the pharmacist"},
                "approved": {"vi": "Đã duyệt — chờ thanh toán", "en": "Approved — waiting for payment"},
                "paid": {"vi": "Đã thanh toán — nhận thuốc tại quầy", "en": "Paid — collect at the counter"},
                "rejected": {"vi": "Dược sĩ không duyệt", "en": "Not approved by the pharmacist"},
                "posted": {"vi": "Đã thanh toán — nhận thuốc tại quầy", "en": "Paid — collect at the counter"},
                "stock_problem": {"vi": "Hết hàng — nhân viên sẽ liên hệ hoàn tiền", "en": "Out of stock — staff will refund"}}


@bp.route("/rx/scan", methods=["POST"])
@requires("healthcare.use", assurance="high", step_up=True)
def rx_scan() -> Any:
    """Read the prescription's QR code with the document scanner, then as a typed code."""
    try:
        reading = use_device("document_scanner", lambda scanner: scanner.read_codes(
            timeout=float(plugin_settings().get("scan_timeout_s", 30))))
    except DeviceUnavailable as exc:
        return _start_page(scan_error=str(exc), status=409)
    except AttributeError:  # a scanner driver without read_codes
        return _start_page(scan_error=pick("Máy quét của trạm không đọc được mã QR; hãy nhập mã đơn thuốc.",
                                           "The station's scanner cannot read QR codes; please type the code."),
                           status=409)
    for found in reading.values.get("codes", []):
        try:
            code, _ = parse_code(str(found.get("text", "")))
        except ValueError:
            continue
        return _lookup(code)
    return _start_page(scan_error=pick(
        "Không thấy mã QR đơn thuốc trên giấy. Hãy đặt đơn thuốc úp mặt xuống kính, đóng nắp rồi quét lại.",
        "No prescription QR code was found on the page. Place the prescription face down on the glass, "
        "close the lid and scan again."), status=422)


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
    return _lookup(code)


def _lookup(code: str) -> Any:
    """Right person, right prescription (typed, chosen from the list or scanned), then the choice."""
    found = _prescription_for_citizen(code)
    if not isinstance(found, Prescription):
        return found
    with transaction():
        audit("healthcare.rx_lookup", object_ref=rx_ref(code), details={"type": found.type})
    open_order = RxOrder.get_or_none(RxOrder.lookup("code", code) & (RxOrder.state.in_(OPEN_STATES)))
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
    if RxOrder.get_or_none(RxOrder.lookup("code", code) & (RxOrder.state.in_(OPEN_STATES))) is not None:
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
        receipt_lines=[*medicine_receipt_lines(order),
                       (pick("Mã nhận thuốc", "Pickup code"), order.pickup_code),
                       (pick("Nơi nhận", "Collect at"), plugin_settings()["pickup_counter"])])
    if not payment.existing:
        with transaction():
            order.payment_id = str(payment.id)
            order.save()
            audit("healthcare.rx_pay", object_ref=f"rxorder:{order.id}", details={"payment": str(payment.id)})
    return redirect(payment.pay_url, code=303)


MAX_ITEM_LINES = 9  # the payment receipt holds 12 lines; 2 are the pickup code and counter


def medicine_receipt_lines(order: RxOrder) -> list[tuple[str, str]]:
    """One receipt line per medicine: its name, quantity and unit price, and the line's amount
    (no stock codes or order ids); more medicines than fit are summed on the last line."""
    lines = []
    for item in order.lines:
        product = inventory().product(item["sku"])
        name = pick(product.name["vi"], product.name["en"]) if product else pick("Thuốc", "Medicine")
        unit = pick(product.unit["vi"], product.unit["en"]) if product else ""
        label = f"{name} × {item['qty']} {unit}".strip()[:60]
        value = f"{format_vnd(int(item['unit_price']))}/{unit or pick('đơn vị', 'unit')} = {format_vnd(int(item['total']))}"
        lines.append((label, value[:100]))
    if len(lines) > MAX_ITEM_LINES:
        rest = order.lines[MAX_ITEM_LINES - 1:]
        lines = lines[:MAX_ITEM_LINES - 1] + [(pick(f"{len(rest)} thuốc khác", f"{len(rest)} more medicines"),
                                                format_vnd(sum(int(i["total"]) for i in rest)))]
    return lines


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
