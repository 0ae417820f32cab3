"""Electricity and water bills — built-in plugin. Hook implementations only: the wiring."""

from __future__ import annotations

from flask import url_for

import sdk
from sdk import Tile, hookimpl

from .models import BillPayment, SavedCode
from .views import billing, bp


@hookimpl
def register_routes(registrar) -> None:
    registrar.add_blueprint(bp)


@hookimpl
def home_tiles(citizen) -> list[Tile]:
    return [Tile(title={"vi": "Tiền điện, nước", "en": "Electricity and water bills"},
                 subtitle={"vi": "Tra cứu và thanh toán hoá đơn điện, nước",
                           "en": "Look up and pay electricity and water bills"},
                 url=url_for("utilities.index"), icon="bill")]


@hookimpl
def payment_settled(payment) -> None:
    """Bills were paid: record each (once) with an audit entry, then tell the company."""
    if payment.purpose != "utilities.bills" or payment.state != "SUCCEEDED":
        return
    _, kind, ids = payment.reference.split(":", 2)
    bill_ids = ids.split(",")
    connector = billing(kind)
    with sdk.transaction():
        if BillPayment.select().where(BillPayment.payment_id == payment.id).exists():
            return  # told again after a restart: already recorded
        for bill_id in bill_ids:
            bill = connector.bill(bill_id)
            BillPayment.create(bill_id=bill_id, kind=kind, payment_id=payment.id, citizen_id=payment.payer_citizen_id,
                               amount_vnd=bill.total if bill else 0, paid_at=payment.settled_at)
        sdk.audit("utilities.bills.paid", object_ref=f"payment:{payment.id}",
                  details={"kind": kind, "bills": bill_ids, "amount_vnd": payment.amount_vnd})
    connector.record_payment(bill_ids, f"payment:{payment.id}")


@hookimpl
def citizen_data_export(citizen) -> dict:
    return {"bills_paid": [{"bill": b.bill_id, "kind": b.kind, "payment": b.payment_id, "amount_vnd": b.amount_vnd,
                            "paid_at": b.paid_at}
                           for b in BillPayment.select().where(BillPayment.citizen_id == citizen.id)],
            "saved_codes": [{"kind": s.kind, "code": s.code, "saved_at": s.saved_at}
                            for s in SavedCode.select().where(SavedCode.citizen_id == citizen.id)]}


@hookimpl
def citizen_data_erase(citizen) -> None:
    SavedCode.delete().where(SavedCode.citizen_id == citizen.id).execute()
    BillPayment.delete().where(BillPayment.citizen_id == citizen.id).execute()


@hookimpl
def citizen_records(identity) -> list[dict]:  # type: ignore[no-untyped-def]
    from .connector import EvnSimulator
    from .customer_record import records_for

    return records_for(identity, isinstance(billing("electricity"), EvnSimulator), sdk.now())


@hookimpl
def record_correction(system: str, field: str, value: str) -> dict | None:
    from .connector import EvnSimulator
    from .customer_record import SYSTEM, update

    identity = sdk.verified_identity()
    if system != SYSTEM or identity is None or not isinstance(billing("electricity"), EvnSimulator):
        return None
    return update(identity.id_number, field, value, sdk.now())
