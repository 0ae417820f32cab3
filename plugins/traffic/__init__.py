"""Traffic fines ("phạt nguội") — built-in plugin. Hook implementations only: the wiring."""

from __future__ import annotations

from flask import url_for

import sdk
from sdk import Tile, hookimpl

from .models import FinePayment
from .views import bp, police


@hookimpl
def register_routes(registrar) -> None:
    registrar.add_blueprint(bp)


@hookimpl
def home_tiles(citizen) -> list[Tile]:
    return [Tile(title={"vi": "Phạt nguội giao thông", "en": "Traffic fines"},
                 subtitle={"vi": "Tra cứu và nộp phạt vi phạm giao thông", "en": "Look up and pay traffic fines"},
                 url=url_for("traffic.index"), icon="traffic")]


@hookimpl
def payment_settled(payment) -> None:
    """A fine was paid: record it (once) with its audit entry, then tell the police system."""
    if payment.purpose != "traffic.fine" or payment.state != "SUCCEEDED":
        return
    violation_id = payment.reference.removeprefix("fine:")
    found = police().violation(violation_id)
    if found is None or found.decision_number is None:
        return
    with sdk.transaction():
        if FinePayment.select().where(FinePayment.payment_id == payment.id).exists():
            return  # told again after a restart: already recorded
        FinePayment.create(violation_id=violation_id, decision_number=found.decision_number, payment_id=payment.id,
                           amount_vnd=payment.amount_vnd, citizen_id=payment.payer_citizen_id, paid_at=payment.settled_at)
        sdk.audit("traffic.fine.paid", object_ref=f"fine:{violation_id}",
                  details={"payment": payment.id, "decision": found.decision_number,
                           "amount_vnd": payment.amount_vnd})
    police().record_payment(violation_id, found.decision_number, payment.amount_vnd, f"payment:{payment.id}")


@hookimpl
def citizen_data_export(citizen) -> dict:
    return {"fines_paid": [{"violation": f.violation_id, "decision": f.decision_number, "payment": f.payment_id,
                            "amount_vnd": f.amount_vnd, "paid_at": f.paid_at}
                           for f in FinePayment.select().where(FinePayment.citizen_id == citizen.id)]}


@hookimpl
def citizen_data_erase(citizen) -> None:
    FinePayment.delete().where(FinePayment.citizen_id == citizen.id).execute()
