"""Utilities pages: look up unpaid electricity and water bills, pay one or all, saved codes."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for

import sdk
from sdk import NotFoundError, UserInputError, requires
from sdk.connectors import connector
from sdk.consent import consent_purposes, grant_consent
from sdk.payments import Payment, payment_for, start_payment
from sdk.privacy import ConsentRequired, has_consent

from .codes import KINDS, InvalidCustomerCode, parse_code
from .connector import EVN_REGISTRY, WATER_REGISTRY, Bill, BillingConnector
from .models import BillPayment, SavedCode

bp = Blueprint("utilities", __name__, template_folder="templates")
MAX_BILLS_PER_PAYMENT = 6


def billing(kind: str) -> BillingConnector:
    """The EVN or water connector."""
    if kind == "electricity":
        return connector("evn", EVN_REGISTRY)
    if kind == "water":
        return connector("water", WATER_REGISTRY)
    raise UserInputError(sdk.pick("Hãy chọn tiền điện hoặc tiền nước.", "Choose electricity or water."))


def unpaid(kind: str, code: str) -> list[Bill]:
    """Unpaid bills, leaving out those paid here that the company has not yet booked."""
    bills = billing(kind).unpaid_bills(code)
    if not bills:
        return []
    wanted = {BillPayment.index_of("bill_id", b.id): b for b in bills}
    paid_here = {row.bill_index for row in BillPayment.select(BillPayment.bill_index)
                 .where(BillPayment.bill_index.in_(list(wanted)))}
    return [b for index, b in wanted.items() if index not in paid_here]


def _citizen_id() -> int:
    citizen = sdk.current_citizen()
    if citizen is None:
        raise UserInputError(sdk.pick("Chỉ công dân đã đăng nhập mới dùng được.", "Only a logged-in citizen can."))
    return citizen.id


def saved_codes() -> tuple[list[dict[str, Any]], bool]:
    """The citizen's saved codes (opened only with current consent) and whether consent holds."""
    citizen_id = _citizen_id()
    if not has_consent(citizen_id, "utilities", "personal"):
        return [], False
    try:
        rows = [{"id": r.id, "kind": r.kind, "code": r.code}
                for r in SavedCode.select().where(SavedCode.citizen_id == citizen_id).order_by(SavedCode.id)]
    except ConsentRequired:
        return [], False
    return rows, True


def _page(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    codes, consented = saved_codes()
    return render_template(template, kinds=KINDS, saved=codes, consented=consented,
                           purposes=consent_purposes("personal"), evn=billing("electricity"),
                           water=billing("water"), **context), status


@bp.get("/")
@requires("utilities.use")
def index() -> Any:
    """Enter or choose a customer code."""
    return _page("utilities/index.html")


@bp.post("/lookup")
@requires("utilities.use")
def lookup() -> Any:
    """Unpaid bills of one customer code, with the tiered breakdown."""
    kind = request.form.get("kind", "")
    try:
        code = parse_code(kind, request.form.get("code", ""))
    except InvalidCustomerCode as exc:
        return _page("utilities/index.html", 400, error=sdk.pick(exc.vi, str(exc)), chosen=kind,
                     typed=request.form.get("code", ""))
    bills = unpaid(kind, code.code)
    with sdk.transaction():
        sdk.audit("utilities.lookup", details={"kind": kind, "company": code.company_short, "unpaid": len(bills)})
    held = _held(kind, [b.id for b in bills])
    return _page("utilities/bills.html", code=code, bills=[b for b in bills if b.id not in held],
                 held=[(b, held[b.id], _mine(held[b.id])) for b in bills if b.id in held],
                 attempt=secrets.token_urlsafe(16), conn=billing(kind), customer=billing(kind).customer(code.code))


def bill_object(kind: str, bill_id: str) -> str:
    """What a payment of one bill pays (``pays_for``): one claim per bill, so a bill is in at
    most one open-or-paid payment whichever set of bills the citizen chose."""
    return f"bill:{kind}:{bill_id}"


def _held(kind: str, bill_ids: list[str]) -> dict[str, Payment]:
    """The bills that an open or paid payment holds, with that payment."""
    found = {bill_id: payment_for(bill_object(kind, bill_id)) for bill_id in bill_ids}
    return {bill_id: payment for bill_id, payment in found.items() if payment is not None}


def _mine(payment: Payment) -> bool:
    citizen = sdk.current_citizen()
    return citizen is not None and payment.payer_citizen_id == citizen.id


@bp.post("/pay")
@requires("utilities.use")
def pay() -> Any:
    """Pay the chosen bills (or all of them) in one payment."""
    kind = request.form.get("kind", "")
    code = parse_code(kind, request.form.get("code", ""))
    all_unpaid = unpaid(kind, code.code)
    submitted = request.form.getlist("bill")[:MAX_BILLS_PER_PAYMENT * 2]  # the bills on the page
    held = _held(kind, sorted({b.id for b in all_unpaid} | set(submitted)))
    open_bills = {b.id: b for b in all_unpaid if b.id not in held}
    chosen = list(open_bills) if request.form.get("all") else submitted
    mine = [held[b] for b in submitted if b in held and _mine(held[b])]
    if mine and (not request.form.get("all") or not open_bills):
        # the page's bills are already in this citizen's payment: continue it, or its receipt
        return redirect(mine[0].resume_url)
    if not chosen:
        raise UserInputError(sdk.pick("Hãy chọn ít nhất một hoá đơn.", "Choose at least one bill."))
    if any(bill_id not in open_bills for bill_id in chosen):
        raise UserInputError(sdk.pick("Hoá đơn đã chọn không còn nợ hoặc không thuộc mã khách hàng này.",
                                      "A chosen bill is no longer unpaid or is not this customer's."))
    if len(chosen) > MAX_BILLS_PER_PAYMENT:
        raise UserInputError(sdk.pick(f"Mỗi lần thanh toán tối đa {MAX_BILLS_PER_PAYMENT} hoá đơn.",
                                      f"At most {MAX_BILLS_PER_PAYMENT} bills per payment."))
    bills = [open_bills[b] for b in sorted(chosen)]
    what = KINDS[kind]
    payment = start_payment(
        amount_vnd=sum(b.total for b in bills), purpose="utilities.bills",
        reference=f"bills:{kind}:{','.join(b.id for b in bills)}"[:128],
        pays_for=[bill_object(kind, b.id) for b in bills],
        idempotency_key=request.form.get("attempt", ""),
        description={"vi": f"{what['vi']} {code.code} — {len(bills)} hoá đơn",
                     "en": f"{what['en']} {code.code} — {len(bills)} bill(s)"},
        return_url=url_for("utilities.paid"),
        receipt_lines=[("Mã khách hàng", code.code), ("Đơn vị", code.company["vi"][:100])]
        + [(f"Kỳ {b.period_text} ({b.id})", f"{b.total:,} đ".replace(",", ".")) for b in bills])
    return redirect(payment.pay_url)


@bp.get("/paid")
@requires("utilities.use")
def paid() -> Any:
    """After the payment page: the bills paid here by this citizen, newest first."""
    rows = list(BillPayment.select().where(BillPayment.citizen_id == _citizen_id())
                .order_by(BillPayment.id.desc()).limit(12))
    return _page("utilities/paid.html", rows=rows)


@bp.post("/codes")
@requires("utilities.use")
def save_code() -> Any:
    """Save a customer code to the profile: only with the citizen's explicit consent."""
    citizen_id = _citizen_id()
    code = parse_code(request.form.get("kind", ""), request.form.get("code", ""))
    if not has_consent(citizen_id, "utilities", "personal"):
        if request.form.get("consent") != "yes":
            raise UserInputError(sdk.pick("Để lưu mã, bạn cần đánh dấu ô đồng ý.",
                                          "To save the code, tick the consent box."))
        grant_consent("personal")  # recorded in the consent ledger with its own audit entry
    existing = [r for r in saved_codes()[0] if r["kind"] == code.kind and r["code"] == code.code]
    if not existing:
        with sdk.transaction():
            row = SavedCode(citizen_id=citizen_id, kind=code.kind, code=code.code, saved_at=sdk.now())
            row.save()
            sdk.audit("utilities.code.save", object_ref=f"saved_code:{row.id}",
                      details={"kind": code.kind, "company": code.company_short})
    return redirect(url_for("utilities.index"))


@bp.post("/codes/<int:code_id>/delete")
@requires("utilities.use")
def delete_code(code_id: int) -> Any:
    """Forget a saved code."""
    citizen_id = _citizen_id()
    with sdk.transaction():
        deleted = SavedCode.delete().where((SavedCode.id == code_id) & (SavedCode.citizen_id == citizen_id)).execute()
        if not deleted:
            raise NotFoundError(sdk.pick("Không có mã đã lưu này.", "There is no such saved code."))
        sdk.audit("utilities.code.delete", object_ref=f"saved_code:{code_id}")
    return redirect(url_for("utilities.index"))
