"""One object, at most one payment: claims held while a payment is open or paid (issue: nobody
is charged twice). Service level, on SQLite and PostgreSQL; the plugins' own journeys (fine,
bill set, prescription order, dossier fee) are tested in their folders."""

from __future__ import annotations

import pytest
from payment_helpers import at_once, audit_entries, payee_module, payment_request, terminal_sim

from core import db
from core.payments.errors import ObjectUnavailable
from core.payments.models import PaymentClaim, PaymentRecord
from core.payments.reconcile import DEFAULT_ABANDON_AFTER, reconcile
from core.payments.sealing import CLAIM_PURPOSE
from core.payments.service import PaymentRequest
from core.privacy.blind_index import blind_index
from hal.sim import control
from sdk.testing import TemporaryPostgresDatabase, require_postgres

FINE = "fine:VP250314001"


def test_a_second_attempt_for_the_same_object_returns_the_first_payment(pay_station):
    app = pay_station(printer=False)
    with app.app_context():
        service = app.extensions["payments"]
        first, existing = service.start_claiming(payment_request(reference=FINE), "citizen:1")
        again, found = service.start_claiming(payment_request(reference=FINE), "citizen:1")  # new page load
        assert (again.id, existing, found) == (first.id, False, True)
        assert PaymentRecord.select().count() == 1
        with pytest.raises(ObjectUnavailable) as refused:  # another citizen cannot pay it meanwhile
            service.start(payment_request(citizen_id=2, reference=FINE), "citizen:2")
        assert refused.value.http_status == 409
        paid = service.pay_by_card(first.id, "citizen:1")
        after, found = service.start_claiming(payment_request(reference=FINE), "citizen:1")
    assert paid.state == "SUCCEEDED" and (after.id, after.state, found) == (first.id, "SUCCEEDED", True)
    assert len(terminal_sim(app).approved_charges()) == 1


def test_a_payment_that_pays_several_objects_holds_each(pay_station):
    app = pay_station(printer=False)
    with app.app_context():
        service = app.extensions["payments"]
        bills = ("bill:electricity:HD1", "bill:electricity:HD2")
        both = service.start(_request(objects=bills, key="set-key-0001"), "citizen:1")
        one, found = service.start_claiming(_request(objects=bills[1:], key="set-key-0002"), "citizen:1")
        assert (one.id, found) == (both.id, True)
        with pytest.raises(ObjectUnavailable):
            service.start(_request(objects=bills[1:], key="set-key-0003", citizen_id=2), "citizen:2")
        other = service.start(_request(objects=("bill:electricity:HD3",), key="set-key-0004"), "citizen:1")
        assert other.id != both.id
        # claims hold keyed blind indexes of the objects, never the clear references (issue 16)
        assert ({c.object for c in PaymentClaim.select().where(PaymentClaim.payment_id == both.id)}
                == {blind_index(b, CLAIM_PURPOSE) for b in bills})


def test_a_silent_terminal_leaves_unknown_and_no_second_payment_can_start(pay_station, terminal_url):
    app = pay_station(printer=False, terminal_options={"result_timeout": 0.3})
    control.set_profile(terminal_url, "silent_after_auth")
    with app.app_context():
        service = app.extensions["payments"]
        card = service.start(payment_request(reference=FINE, amount=18_000_000), "citizen:1")
        assert service.pay_by_card(card.id, "citizen:1").state == "UNKNOWN"
        again, found = service.start_claiming(payment_request(reference=FINE, amount=18_000_000), "citizen:1")
        assert (again.id, again.state, found) == (card.id, "UNKNOWN", True)
        held = service.choose_vietqr(again.id, "citizen:1")  # nor can it switch to VietQR
        assert (held.method, held.qr_payload) == ("card", None)
        report = reconcile(service, older_than=0)  # the terminal is asked: it did charge
        assert report.succeeded == [card.id]
        assert PaymentRecord.select().count() == 1
    assert len(terminal_sim(app).approved_charges()) == 1
    assert [p.state for p in payee_module(app).SETTLED] == ["SUCCEEDED"]


def test_the_resume_page_says_being_verified_and_paid_on_with_the_receipt(pay_station, login_citizen, csrf_token,
                                                                           terminal_url):
    app = pay_station(printer=False, terminal_options={"result_timeout": 0.3})
    client = app.test_client()
    login_citizen(client)
    control.set_profile(terminal_url, "silent_after_auth")

    def start(attempt: str):
        return client.post("/s/fx_payee/pay", data={"attempt": attempt, "reference": FINE,
                                                    "csrf_token": csrf_token(client)})

    first = start("page-load-0001").headers["Location"]
    assert first.endswith("/pay/1")
    client.post("/pay/1/card", data={"csrf_token": csrf_token(client)})
    client.application.extensions["payments_cards"].wait_idle()  # the card worker
    second = start("page-load-0002")
    assert second.headers["Location"] == "/pay/1?resume=1"
    verifying = client.get("/pay/1?resume=1", follow_redirects=True).get_data(as_text=True)
    assert "đang được xác minh" in verifying and 'id="pay-vietqr"' not in verifying
    with app.app_context():
        reconcile(app.extensions["payments"], older_than=0)
    paid = client.get(start("page-load-0003").headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert "Khoản này đã được thanh toán lúc" in paid and "BL00000001" in paid and "In lại biên lai" in paid
    with app.app_context():
        assert PaymentRecord.select().count() == 1


def _concurrent_starts(app, threads: int = 12) -> list[object]:
    """``threads`` page loads (each its own key) press "pay" for the same fine at once."""
    service = app.extensions["payments"]
    return at_once(app, threads, lambda slot: service.start(
        payment_request(key=f"tab-{slot:04d}-key", reference=FINE), "citizen:1"))


def _assert_one_payment(app, outcomes) -> None:
    assert [o for o in outcomes if isinstance(o, Exception)] == []
    with app.app_context():
        [payment] = list(PaymentRecord.select())
        assert [c.payment_id for c in PaymentClaim.select()] == [payment.id]
    assert {o.id for o in outcomes} == {payment.id}
    assert [e["action"] for e in audit_entries(app, f"payment:{payment.id}")] == ["payments.start"]


def test_concurrent_starts_for_one_object_make_one_payment(pay_station):
    app = pay_station(printer=False, terminal=False)
    _assert_one_payment(app, _concurrent_starts(app))


@pytest.mark.postgres
def test_concurrent_starts_for_one_object_make_one_payment_on_postgresql(pay_station):
    temp = TemporaryPostgresDatabase(require_postgres())
    try:
        app = pay_station(printer=False, terminal=False, database_url=temp.url)
        _assert_one_payment(app, _concurrent_starts(app))
    finally:
        db.database.close()
        temp.drop()


def test_cancelling_releases_the_object(pay_station):
    app = pay_station(printer=False)
    with app.app_context():
        service = app.extensions["payments"]
        first = service.start(payment_request(reference=FINE), "citizen:1")
        assert service.cancel(first.id, "citizen:1").state == "FAILED"
        assert PaymentClaim.select().count() == 0
        second, found = service.start_claiming(payment_request(reference=FINE), "citizen:2")  # anyone may now
        assert second.id != first.id and not found


def test_an_abandoned_payment_releases_the_object_after_half_an_hour(pay_station, station_clock):
    app = pay_station(printer=False)
    with app.app_context():
        service = app.extensions["payments"]
        left = service.start(payment_request(reference=FINE), "citizen:1")
        assert reconcile(service).failed == []
        station_clock.advance(DEFAULT_ABANDON_AFTER)
        assert reconcile(service).failed == [left.id]
        assert PaymentRecord.get_by_id(left.id).failure_code == "abandoned"
        assert service.payment_for("fx_payee", FINE) is None
        assert service.start(payment_request(citizen_id=2, reference=FINE), "citizen:2").id != left.id


def test_a_late_transfer_for_a_released_payment_is_refunded_not_booked(pay_station):
    app = pay_station(printer=False)
    with app.app_context():
        service = app.extensions["payments"]
        qr = service.choose_vietqr(service.start(payment_request(reference=FINE), "citizen:1").id, "citizen:1")
        service.cancel(qr.id, "citizen:1")                    # gave up on the QR code...
        card = service.start(payment_request(reference=FINE), "citizen:1")
        assert service.pay_by_card(card.id, "citizen:1").state == "SUCCEEDED"   # ...and paid by card
        transfer = service.bank().receive(qr.qr_payload, service.clock)      # then the transfer arrives
        service.record_transfer(transfer, "bank", "notification")
        assert PaymentRecord.get_by_id(qr.id).state == "FAILED"
        [alert] = service.open_alerts()
    assert alert.kind == "late_transfer"
    assert [p.id for p in payee_module(app).SETTLED if p.state == "SUCCEEDED"] == [card.id]


def test_money_for_a_payment_that_lost_its_objects_is_marked_for_refund(pay_station):
    """A payment left open from before claims existed (the migration gave the object to the
    earlier one) never books the object a second time when its money arrives."""
    app = pay_station(printer=False)
    with app.app_context():
        service = app.extensions["payments"]
        older = service.start(payment_request(reference=FINE, key="legacy-key-0001"), "citizen:1")
        legacy = service.choose_vietqr(service.start(payment_request(reference="fine:other", key="legacy-key-0002"),
                                                     "citizen:1").id, "citizen:1")
        PaymentClaim.delete().where(PaymentClaim.payment_id == legacy.id).execute()
        PaymentRecord.update(objects=f'["{FINE}"]').where(PaymentRecord.id == legacy.id).execute()
        assert service.pay_by_card(older.id, "citizen:1").state == "SUCCEEDED"
        transfer = service.bank().receive(legacy.qr_payload, service.clock)
        refused = service.record_transfer(transfer, "bank", "notification")
        assert (refused.state, refused.failure_code) == ("FAILED", "refund_due")
        [alert] = service.open_alerts()
    assert alert.kind == "refund_due"
    assert [p.id for p in payee_module(app).SETTLED if p.state == "SUCCEEDED"] == [older.id]
    actions = [e["action"] for e in audit_entries(app, f"payment:{legacy.id}")]
    assert "payments.refund_due" in actions and "payments.succeeded" not in actions


@pytest.mark.parametrize("objects", [("",), ("a", "a"), tuple(f"o{i}" for i in range(51)), ("bad\nline",)])
def test_bad_object_lists_are_refused(pay_station, objects):
    from core.payments.errors import InvalidPaymentRequest

    app = pay_station(printer=False, terminal=False)
    with app.app_context(), pytest.raises(InvalidPaymentRequest):
        app.extensions["payments"].start(_request(objects=objects, key="bad-objects-01"), "citizen:1")


def _request(objects: tuple[str, ...], key: str, citizen_id: int = 1) -> PaymentRequest:
    base = payment_request(citizen_id=citizen_id, key=key, reference="bills:electricity:set")
    return PaymentRequest(**{**base.__dict__, "objects": objects})
