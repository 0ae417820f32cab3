"""Test plugin for the payment service: starts payments through sdk.payments, records settlements."""

from flask import Blueprint, jsonify, redirect, request

import sdk
from sdk import hookimpl, requires
from sdk.payments import get_payment, start_payment

SETTLED: list[object] = []
FAIL_NEXT: list[bool] = []
bp = Blueprint("fx_payee", __name__)


@bp.route("/pay", methods=["POST"])
@requires("fx_payee.use")
def pay():
    payment = start_payment(amount_vnd=int(request.form.get("amount", "150000")), purpose="fx.fee",
                            reference=request.form.get("reference", "fee:1"),
                            idempotency_key=request.form["attempt"],
                            description={"vi": "Phí thử nghiệm", "en": "Test fee"},
                            return_url="/s/fx_payee/done",
                            receipt_lines=[("Số hồ sơ", request.form.get("case", "HS-001"))])
    if request.headers.get("Accept") == "application/json":
        return jsonify(id=payment.id, pay_url=payment.pay_url, state=payment.state)
    return redirect(payment.pay_url)


@bp.route("/payments/<int:payment_id>")
@requires("fx_payee.use")
def show(payment_id):
    payment = get_payment(payment_id)
    return jsonify(id=payment.id, state=payment.state, receipt_url=payment.receipt_url)


@bp.route("/done")
@requires("fx_payee.use")
def done():
    return "done"


@hookimpl
def register_routes(registrar):
    registrar.add_blueprint(bp)


@hookimpl
def payment_settled(payment):
    if FAIL_NEXT:
        FAIL_NEXT.pop()
        raise RuntimeError("the plugin's own system is down")
    with sdk.transaction():
        sdk.audit("fx_payee.settled", object_ref=f"payment:{payment.id}",
                  details={"state": payment.state})
    SETTLED.append(payment)
