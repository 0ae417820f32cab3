"""Traffic fines pages: look up by plate, my vehicles, a violation, pay a decided fine."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for

import sdk
from sdk import NotFoundError, UserInputError, requires
from sdk.connectors import connector
from sdk.payments import Payment, payment_for, start_payment

from .connector import PAID, PENALISED, REGISTRY, STATUS_TEXT, TrafficPolice, Violation
from .models import FinePayment
from .offences import DECREE, OFFENCES
from .plates import VEHICLE_TYPES, InvalidPlate, parse_plate

bp = Blueprint("traffic", __name__, template_folder="templates")


def police() -> TrafficPolice:
    """The site's traffic police connector."""
    return connector("traffic_police", REGISTRY)


def with_local_status(violation: Violation) -> Violation:
    """A fine paid at this station reads paid even before the police system has caught up."""
    if violation.status == PENALISED and FinePayment.select().where(
            FinePayment.violation_id == violation.id).exists():
        from dataclasses import replace

        return replace(violation, status=PAID)
    return violation


def _page(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    return render_template(template, conn=police(), vehicle_types=VEHICLE_TYPES, offences=OFFENCES,
                           status_text=STATUS_TEXT, decree=DECREE, **context), status


@bp.get("/")
@requires("traffic.use")
def index() -> Any:
    """Look up violations by plate, or see the citizen's own vehicles."""
    return _page("traffic/index.html", has_identity=sdk.verified_identity() is not None)


@bp.post("/lookup")
@requires("traffic.use")
def lookup() -> Any:
    """Violations of one plate (POST: the plate stays out of URLs and logs)."""
    vehicle_type = request.form.get("vehicle_type", "")
    try:
        plate = parse_plate(request.form.get("plate", ""), vehicle_type)
    except InvalidPlate as exc:
        return _page("traffic/index.html", 400, error=sdk.pick(exc.vi, str(exc)),
                     plate=request.form.get("plate", ""), chosen=vehicle_type,
                     has_identity=sdk.verified_identity() is not None)
    violations = [with_local_status(v) for v in police().lookup(plate.text, plate.vehicle_type)]
    with sdk.transaction():
        sdk.audit("traffic.lookup", details={"vehicle_type": plate.vehicle_type, "found": len(violations)})
    return _page("traffic/results.html", groups=[(plate.text, plate.vehicle_type, violations)])


@bp.get("/mine")
@requires("traffic.use")
def mine() -> Any:
    """Violations of the vehicles registered to the citizen at the terminal."""
    identity = sdk.verified_identity()
    if identity is None:
        raise UserInputError(sdk.pick("Hãy đăng nhập bằng thẻ căn cước hoặc VNeID để xem xe của bạn.",
                                      "Log in with your chip ID card or VNeID to see your vehicles."))
    groups = [(v.plate, v.vehicle_type, [with_local_status(x) for x in police().lookup(v.plate, v.vehicle_type)])
              for v in police().vehicles_of(identity.id_number)]
    return _page("traffic/results.html", groups=groups, mine=True)


def _violation(violation_id: str) -> Violation:
    found = police().violation(violation_id)
    if found is None:
        raise NotFoundError(sdk.pick("Không tìm thấy vi phạm này.", "There is no such violation."))
    return with_local_status(found)


@bp.get("/violations/<violation_id>")
@requires("traffic.use")
def violation(violation_id: str) -> Any:
    """One violation: offence, article, fine range, points, status, offices; pay if decided."""
    found = _violation(violation_id)
    holding = payment_for(f"fine:{found.id}")
    return _page("traffic/violation.html", v=found, offence=OFFENCES[found.offence_code],
                 attempt=secrets.token_urlsafe(16), holding=holding, holding_mine=_mine(holding))


def _mine(payment: Payment | None) -> bool:
    citizen = sdk.current_citizen()
    return payment is not None and citizen is not None and payment.payer_citizen_id == citizen.id


@bp.post("/violations/<violation_id>/pay")
@requires("traffic.use")
def pay(violation_id: str) -> Any:
    """Pay the decided amount of a penalised violation through the station's payment page."""
    found = _violation(violation_id)
    holding = payment_for(f"fine:{found.id}")
    if holding is not None and _mine(holding):
        return redirect(holding.resume_url)  # continue paying / being verified / paid on …
    if found.status != PENALISED or not found.decision_number or not found.decided_amount_vnd:
        raise UserInputError(sdk.pick("Chỉ nộp được khoản phạt đã có quyết định xử phạt và chưa nộp.",
                                      "Only a decided fine that is not yet paid can be paid."))
    offence = OFFENCES[found.offence_code]
    payment = start_payment(
        amount_vnd=found.decided_amount_vnd, purpose="traffic.fine", reference=f"fine:{found.id}",
        idempotency_key=request.form.get("attempt", ""),
        description={"vi": f"Nộp phạt theo quyết định {found.decision_number}",
                     "en": f"Traffic fine, decision {found.decision_number}"},
        return_url=url_for("traffic.paid", violation_id=found.id),
        receipt_lines=[("Quyết định số", found.decision_number), ("Biển số", found.plate),
                       ("Hành vi", offence.article), ("Nơi giải quyết", found.office.name[:100])])
    return redirect(payment.pay_url)


@bp.get("/violations/<violation_id>/paid")
@requires("traffic.use")
def paid(violation_id: str) -> Any:
    """After the payment page: the status now, and the receipt."""
    found = _violation(violation_id)
    citizen = sdk.current_citizen()
    record = (FinePayment.select().where((FinePayment.violation_id == violation_id)
                                         & (FinePayment.citizen_id == (citizen.id if citizen else -1)))
              .order_by(FinePayment.id.desc()).first())
    return _page("traffic/paid.html", v=found, record=record)
