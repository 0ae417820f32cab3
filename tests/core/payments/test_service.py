"""The payment service: records, states, idempotency, the card terminal, VietQR, receipts, alerts."""

from __future__ import annotations

import pytest
from payment_helpers import audit_entries, payee_module, payment_request, printer_sim, terminal_sim

from core.payments.errors import (
    IdempotencyConflict,
    InvalidPaymentRequest,
    PaymentClosed,
    TerminalError,
)
from core.payments.models import ManagerAlert, PaymentRecord, ReceiptRecord
from core.payments.reconcile import reconcile
from core.payments.vietqr import decode_vietqr
from hal.sim import control


def actions(app, payment_id):
    return [(e["action"], e["outcome"]) for e in audit_entries(app, f"payment:{payment_id}")]


# ---- the record and idempotency ------------------------------------------------------------


@pytest.mark.parametrize("change, field", [
    (dict(amount_vnd=0), "amount_vnd"), (dict(amount_vnd=10.5), "amount_vnd"), (dict(amount_vnd=True), "amount_vnd"),
    (dict(amount_vnd=10**13), "amount_vnd"), (dict(purpose="Traffic Fine"), "purpose"),
    (dict(idempotency_key="short"), "idempotency_key"), (dict(return_url="https://evil.example/"), "return_url"),
    (dict(return_url="//evil.example/"), "return_url"), (dict(description={"vi": "x"}), "description"),
    (dict(reference=""), "reference"), (dict(receipt_lines=(("a", "b\n"),)), "receipt_lines"),
])
def test_invalid_requests_are_refused_naming_the_field_and_leave_nothing(pay_station, change, field):
    app = pay_station(terminal=False, printer=False)
    request = payment_request().__class__(**{**payment_request().__dict__, **change})
    with app.app_context(), pytest.raises(InvalidPaymentRequest) as caught:
        app.extensions["payments"].start(request, "system")
    assert field in str(caught.value)
    with app.app_context():
        assert PaymentRecord.select().count() == 0
    assert audit_entries(app) == [] or all(e["action"] != "payments.start" for e in audit_entries(app))


def test_payment_is_pending_in_integer_vnd_with_its_start_audited(pay_station):
    app = pay_station(terminal=False, printer=False)
    with app.app_context():
        record = app.extensions["payments"].start(payment_request(amount=750_000, reference="fine:123"), "citizen:1")
        stored = PaymentRecord.get_by_id(record.id)
    assert (stored.state, stored.amount_vnd, stored.method, stored.payer_citizen_id) == ("PENDING", 750_000, None, 1)
    [entry] = audit_entries(app, f"payment:{record.id}")
    assert entry["action"] == "payments.start" and entry["actor"] == "citizen:1"
    assert entry["details"] == {"amount_vnd": 750000, "plugin": "fx_payee", "purpose": "fx.fee",
                                "reference": "fine:123", "objects": 1}


def test_same_key_and_same_request_return_the_same_payment_once(pay_station):
    app = pay_station(terminal=False, printer=False)
    request = payment_request(key="attempt-0001")
    with app.app_context():
        first = app.extensions["payments"].start(request, "system")
        again = app.extensions["payments"].start(request, "system")
        assert PaymentRecord.select().count() == 1
    assert first.id == again.id
    assert actions(app, first.id) == [("payments.start", "ok")]


def test_same_key_with_a_different_request_is_an_error(pay_station):
    app = pay_station(terminal=False, printer=False)
    with app.app_context():
        service = app.extensions["payments"]
        service.start(payment_request(key="attempt-0002", amount=100_000), "system")
        with pytest.raises(IdempotencyConflict) as caught:
            service.start(payment_request(key="attempt-0002", amount=200_000), "system")
        assert caught.value.http_status == 409
        assert PaymentRecord.select().count() == 1


def test_one_key_used_by_two_citizens_makes_two_payments(pay_station):
    app = pay_station(terminal=False, printer=False)
    with app.app_context():
        service = app.extensions["payments"]
        a = service.start(payment_request(citizen_id=1, key="attempt-0003", reference="fee:1"), "system")
        b = service.start(payment_request(citizen_id=2, key="attempt-0003", reference="fee:2"), "system")
    assert a.id != b.id


# ---- card terminal -------------------------------------------------------------------------


def test_card_payment_succeeds_with_receipt_print_and_plugin_told_once(pay_station):
    app = pay_station()
    with app.app_context():
        service = app.extensions["payments"]
        record = service.start(payment_request(amount=250_000), "citizen:1")
        paid = service.pay_by_card(record.id, "citizen:1")
        receipt = ReceiptRecord.get(ReceiptRecord.payment == record.id)
    assert paid.state == "SUCCEEDED" and paid.method == "card" and paid.settled_at is not None
    assert [(e.amount, e.approved) for e in terminal_sim(app).ledger] == [(250_000, True)]
    assert actions(app, record.id) == [("payments.start", "ok"), ("payments.card.authorise", "ok"),
                                       ("payments.succeeded", "ok"), ("fx_payee.settled", "ok"),
                                       ("payments.receipt.print", "ok")]
    settle = [e for e in audit_entries(app, f"payment:{record.id}") if e["action"] == "payments.succeeded"][0]
    assert paid.audit_index == receipt.audit_index == settle["i"]
    assert receipt.print_state == "printed" and receipt.number == f"BL{record.id:08d}"
    [printed] = printer_sim(app).receipts
    texts = [getattr(item, "text", None) for item in printed.items]
    assert "BIÊN LAI THANH TOÁN" in texts and "Số tiền: 250.000 ₫" in texts and "Số hồ sơ: HS-001" in texts
    assert f"Mục nhật ký kiểm toán số: {settle['i']}" in texts
    qr = [item for item in printed.items if hasattr(item, "data")][0]
    assert qr.data.decode().endswith(f"/audit/proof/{settle['i']}")
    assert [p.id for p in payee_module(app).SETTLED if p.id == record.id] == [record.id]


def test_paying_again_after_success_does_not_charge_again(pay_station):
    app = pay_station(printer=False)
    with app.app_context():
        service = app.extensions["payments"]
        record = service.start(payment_request(), "system")
        service.pay_by_card(record.id, "system")
        again = service.pay_by_card(record.id, "system")
    assert again.state == "SUCCEEDED"
    assert len(terminal_sim(app).ledger) == 1


def test_declined_card_fails_the_payment_without_receipt_and_tells_the_plugin(pay_station, terminal_url):
    app = pay_station(printer=False)
    control.set_profile(terminal_url, "decline")
    with app.app_context():
        service = app.extensions["payments"]
        record = service.start(payment_request(), "system")
        failed = service.pay_by_card(record.id, "system")
        assert ReceiptRecord.select().count() == 0
    assert (failed.state, failed.failure_code) == ("FAILED", "declined")
    assert actions(app, record.id)[-2:] == [("payments.failed", "failed"), ("fx_payee.settled", "ok")]
    assert payee_module(app).SETTLED[-1].state == "FAILED"


def test_lost_answer_leaves_unknown_and_reconcile_asks_the_terminal_without_charging_again(pay_station,
                                                                                         terminal_url):
    app = pay_station(printer=False, terminal_options={"result_timeout": 0.3})
    control.set_profile(terminal_url, "silent_after_auth")
    with app.app_context():
        service = app.extensions["payments"]
        record = service.start(payment_request(amount=18_000_000), "system")
        unknown = service.pay_by_card(record.id, "system")
        assert unknown.state == "UNKNOWN"
        assert service.pay_by_card(record.id, "system").state == "UNKNOWN"  # a retry does not charge
        report = reconcile(service, older_than=0)
        settled = PaymentRecord.get_by_id(record.id)
        assert ReceiptRecord.get(ReceiptRecord.payment == record.id).audit_index == settled.audit_index
    assert report.succeeded == [record.id] and report.still_unknown == []
    assert settled.state == "SUCCEEDED"
    assert len(terminal_sim(app).approved_charges()) == 1
    assert [a for a, _ in actions(app, record.id)] == ["payments.start", "payments.card.authorise", "payments.unknown",
                                                       "payments.succeeded", "fx_payee.settled"]


def test_unplugged_terminal_stays_unknown_until_it_can_be_asked(pay_station, terminal_url):
    app = pay_station(printer=False)
    control.set_profile(terminal_url, "unplug")
    with app.app_context():
        service = app.extensions["payments"]
        record = service.start(payment_request(), "system")
        assert service.pay_by_card(record.id, "system").state == "UNKNOWN"
        assert reconcile(service, older_than=0).still_unknown == [record.id]
        control.replug(terminal_url)
        assert reconcile(service, older_than=0).succeeded == [record.id]
    assert len(terminal_sim(app).approved_charges()) == 1


def test_terminal_that_never_got_the_request_releases_the_payment_and_charges_nothing(pay_station, terminal_url):
    app = pay_station(printer=False, terminal_options={"ack_timeout": 0.2})
    control.set_profile(terminal_url, "timeout")
    with app.app_context():
        service = app.extensions["payments"]
        record = service.start(payment_request(), "system")
        with pytest.raises(TerminalError):
            service.pay_by_card(record.id, "system")
        released = PaymentRecord.get_by_id(record.id)
    assert (released.state, released.method, released.terminal_reference) == ("PENDING", None, None)
    assert terminal_sim(app).ledger == []
    assert actions(app, record.id)[-1] == ("payments.card.not_sent", "failed")


def test_enquiry_for_a_payment_the_terminal_never_saw_fails_it_as_not_charged(pay_station):
    app = pay_station(printer=False)
    with app.app_context():
        service = app.extensions["payments"]
        record = service.start(payment_request(), "system")
        # As if the process died right after the claim was committed, before the terminal got it.
        PaymentRecord.update(method="card", terminal_reference=record.id, authorising_at=0.0).where(
            PaymentRecord.id == record.id).execute()
        report = reconcile(service, older_than=60)
        failed = PaymentRecord.get_by_id(record.id)
    assert report.failed == [record.id]
    assert (failed.state, failed.failure_code) == ("FAILED", "not_charged")
    assert terminal_sim(app).ledger == []


def test_recent_authorisation_is_left_alone_by_reconcile(pay_station, station_clock):
    app = pay_station(printer=False)
    with app.app_context():
        service = app.extensions["payments"]
        record = service.start(payment_request(), "system")
        PaymentRecord.update(method="card", terminal_reference=record.id, authorising_at=station_clock()).where(
            PaymentRecord.id == record.id).execute()
        assert reconcile(service, older_than=300).failed == []
        assert PaymentRecord.get_by_id(record.id).state == "PENDING"


# ---- VietQR ------------------------------------------------------------------------------------


def test_vietqr_code_pays_the_station_account_the_exact_amount_once(pay_station):
    app = pay_station(printer=False, connectors={"bank": {"kind": "simulator", "bin": "970418",
                                                          "account": "12010000123456"}})
    with app.app_context():
        service = app.extensions["payments"]
        record = service.start(payment_request(amount=1_234_000), "system")
        issued = service.choose_vietqr(record.id, "system")
        assert service.choose_vietqr(record.id, "system").qr_payload == issued.qr_payload
        with pytest.raises(PaymentClosed):
            service.pay_by_card(record.id, "system")
    qr = decode_vietqr(issued.qr_payload)
    assert (qr.bin, qr.account, qr.amount, qr.dynamic, qr.purpose) == (
        "970418", "12010000123456", 1_234_000, True, issued.transfer_code)
    assert terminal_sim(app).ledger == []


def test_vietqr_transfer_found_by_polling_settles_once(pay_station):
    app = pay_station(printer=False)
    with app.app_context():
        service = app.extensions["payments"]
        record = service.choose_vietqr(service.start(payment_request(), "system").id, "system")
        assert service.check_vietqr(record.id, "system").state == "PENDING"
        service.bank().receive(record.qr_payload, service.clock)
        assert service.check_vietqr(record.id, "system").state == "SUCCEEDED"
        assert service.check_vietqr(record.id, "system").state == "SUCCEEDED"
        settled = PaymentRecord.get_by_id(record.id)
    assert settled.provider_ref.startswith("SIM")
    assert [a for a, _ in actions(app, record.id)].count("payments.succeeded") == 1


def test_vietqr_expires_and_a_late_transfer_raises_a_refund_alert(pay_station, station_clock):
    app = pay_station(printer=False)
    with app.app_context():
        service = app.extensions["payments"]
        record = service.choose_vietqr(service.start(payment_request(), "system").id, "system")
        station_clock.advance(service.qr_ttl_seconds + 1)
        expired = service.check_vietqr(record.id, "system")
        assert (expired.state, expired.failure_code) == ("FAILED", "expired")
        transfer = service.bank().receive(record.qr_payload, service.clock)
        service.record_transfer(transfer, "bank", "notification")
        assert PaymentRecord.get_by_id(record.id).state == "FAILED"
        [alert] = service.open_alerts()
    assert alert.kind == "late_transfer" and alert.object_ref == f"bank:{transfer.bank_txn_id}"


def test_transfer_of_a_wrong_amount_is_not_accepted(pay_station):
    from core.payments.bank import BankTransfer

    app = pay_station(printer=False)
    with app.app_context():
        service = app.extensions["payments"]
        record = service.choose_vietqr(service.start(payment_request(amount=500_000), "system").id, "system")
        service.record_transfer(BankTransfer("SIMX1", record.transfer_code, 50_000, 0.0), "bank", "notification")
        assert PaymentRecord.get_by_id(record.id).state == "PENDING"
        assert [a.kind for a in service.open_alerts()] == ["amount_mismatch"]


# ---- receipts and alerts -------------------------------------------------------------------------


def test_paper_out_keeps_the_payment_and_its_receipt_and_alerts_the_manager(pay_station):
    app = pay_station(printer_profile="paper_out")
    with app.app_context():
        service = app.extensions["payments"]
        record = service.start(payment_request(), "system")
        paid = service.pay_by_card(record.id, "system")
        receipt = ReceiptRecord.get(ReceiptRecord.payment == record.id)
        [alert] = service.open_alerts()
        assert ManagerAlert.select().count() == 1
    assert paid.state == "SUCCEEDED"
    assert (receipt.print_state, receipt.print_error) == ("failed", "paper_out")
    assert (alert.kind, alert.object_ref) == ("paper_out", f"receipt:{receipt.number}")
    assert actions(app, record.id)[-1] == ("payments.receipt.print", "failed")
    printer_sim(app).load_paper()
    with app.app_context():
        again = app.extensions["payments"].print_receipt(record.id, "staff:manager")
    assert again.print_state == "printed"


def test_plugin_that_fails_to_hear_the_outcome_is_told_again_by_reconcile(pay_station):
    app = pay_station(printer=False)
    payee = payee_module(app)
    payee.FAIL_NEXT.append(True)
    with app.app_context():
        service = app.extensions["payments"]
        record = service.start(payment_request(), "system")
        service.pay_by_card(record.id, "system")
        assert PaymentRecord.get_by_id(record.id).notified is False
        assert reconcile(service).notified == [record.id]
        assert reconcile(service).notified == []
    assert [p.id for p in payee.SETTLED].count(record.id) == 1


def test_abandoned_pending_payment_is_failed_by_reconcile(pay_station, station_clock):
    app = pay_station(printer=False)
    with app.app_context():
        service = app.extensions["payments"]
        record = service.start(payment_request(), "system")
        station_clock.advance(25 * 3600)
        assert reconcile(service).failed == [record.id]
        assert PaymentRecord.get_by_id(record.id).failure_code == "abandoned"


def test_an_unplugged_printer_is_not_ready_not_a_station_without_a_printer(pay_station):
    from hal.sim import control

    app = pay_station()
    url = next(d["url"] for d in app.extensions["station"].devices.statuses() if d["kind"] == "receipt_printer")
    control.unplug(url)
    try:
        with app.app_context():
            service = app.extensions["payments"]
            record = service.start(payment_request(), "system")
            service.pay_by_card(record.id, "system")
            receipt = ReceiptRecord.get(ReceiptRecord.payment == record.id)
            [alert] = service.open_alerts()
    finally:
        control.replug(url)
    assert receipt.print_state == "failed" and receipt.print_state != "no_printer"
    assert receipt.print_error == "unplugged"
    assert alert.kind == "print_failed" and "not connected" in alert.message_en
    with app.app_context():
        again = app.extensions["payments"].print_receipt(record.id, "staff:manager")
    assert again.print_state == "printed"


def test_only_a_station_without_a_printer_says_no_printer(pay_station):
    app = pay_station(printer=False)
    with app.app_context():
        service = app.extensions["payments"]
        record = service.start(payment_request(), "system")
        service.pay_by_card(record.id, "system")
        receipt = ReceiptRecord.get(ReceiptRecord.payment == record.id)
        assert service.open_alerts() == []
    assert receipt.print_state == "no_printer"


# ---- issue 16: the terminal's own numbers ------------------------------------------------------


def test_card_payment_keeps_the_terminals_own_trace_and_receipt_numbers(pay_station, terminal_url):
    app = pay_station(printer=False)
    with app.app_context():
        service = app.extensions["payments"]
        terminal_sim(app).options["first_trace"] = 987654  # nothing to do with the station's numbers
        first = service.pay_by_card(service.start(payment_request(reference="fine:A"), "system").id, "system")
        second = service.pay_by_card(service.start(payment_request(reference="fine:B"), "system").id, "system")
        control.set_profile(terminal_url, "decline")
        declined = service.pay_by_card(service.start(payment_request(reference="fine:C"), "system").id, "system")
    assert (first.state, first.terminal_trace, first.terminal_receipt) == ("SUCCEEDED", 987654, 1)
    assert (second.state, second.terminal_trace, second.terminal_receipt) == ("SUCCEEDED", 987655, 2)
    assert (declined.state, declined.failure_code, declined.terminal_trace) == ("FAILED", "declined", 987656)
    assert first.terminal_reference != first.terminal_trace
    assert [e.trace_number for e in terminal_sim(app).approved_charges()] == [987654, 987655]


def test_lost_answer_is_matched_by_the_terminals_last_transaction_not_by_a_station_number(pay_station,
                                                                                        terminal_url):
    app = pay_station(printer=False, terminal_options={"result_timeout": 0.3})
    with app.app_context():
        service = app.extensions["payments"]
        paid = service.pay_by_card(service.start(payment_request(reference="fine:A"), "system").id, "system")
        control.set_profile(terminal_url, "silent_after_auth")
        lost = service.pay_by_card(service.start(payment_request(reference="fine:B", amount=70_000), "system").id,
                                   "system")
        assert lost.state == "UNKNOWN"
        control.set_profile(terminal_url, "ok")
        reconcile(service, older_than=0)
        settled = PaymentRecord.get_by_id(lost.id)
    ledger = terminal_sim(app).approved_charges()
    assert [(e.trace_number, e.amount) for e in ledger] == [(1001, payment_request().amount_vnd), (1002, 70_000)]
    assert (paid.terminal_trace, settled.state, settled.terminal_trace, settled.terminal_receipt) == (
        1001, "SUCCEEDED", 1002, 2)


def test_a_claim_that_never_reached_the_terminal_is_not_charged_when_the_last_trace_is_anothers(pay_station):
    app = pay_station(printer=False)
    with app.app_context():
        service = app.extensions["payments"]
        paid = service.pay_by_card(service.start(payment_request(reference="fine:A"), "system").id, "system")
        record = service.start(payment_request(reference="fine:B"), "system")
        # The process died right after the claim, before the terminal got the authorisation.
        PaymentRecord.update(authorising_at=0.0).where(PaymentRecord.id == paid.id).execute()
        PaymentRecord.update(method="card", terminal_reference=record.id, authorising_at=1.0).where(
            PaymentRecord.id == record.id).execute()
        report = reconcile(service, older_than=0)
        failed = PaymentRecord.get_by_id(record.id)
    assert report.failed == [record.id] and (failed.state, failed.failure_code) == ("FAILED", "not_charged")
    assert len(terminal_sim(app).ledger) == 1  # the earlier payment's transaction, never charged again


def test_a_new_card_payment_first_resolves_an_earlier_lost_answer(pay_station, terminal_url):
    app = pay_station(printer=False, terminal_options={"result_timeout": 0.3})
    with app.app_context():
        service = app.extensions["payments"]
        control.set_profile(terminal_url, "silent_after_auth")
        lost = service.pay_by_card(service.start(payment_request(reference="fine:A"), "system").id, "system")
        control.set_profile(terminal_url, "ok")
        second = service.pay_by_card(service.start(payment_request(reference="fine:B"), "system").id, "system")
        first = PaymentRecord.get_by_id(lost.id)
    assert lost.state == "UNKNOWN"
    assert (first.state, first.terminal_trace, second.state, second.terminal_trace) == (
        "SUCCEEDED", 1001, "SUCCEEDED", 1002)
    assert len(terminal_sim(app).approved_charges()) == 2


def test_no_new_card_payment_while_an_earlier_one_cannot_be_resolved(pay_station, terminal_url):
    from core.payments.errors import MethodUnavailable

    app = pay_station(printer=False)
    control.set_profile(terminal_url, "unplug")
    with app.app_context():
        service = app.extensions["payments"]
        lost = service.pay_by_card(service.start(payment_request(reference="fine:A"), "system").id, "system")
        assert lost.state == "UNKNOWN"
        waiting = service.start(payment_request(reference="fine:B"), "system")
        with pytest.raises(MethodUnavailable):
            service.pay_by_card(waiting.id, "system")
        untouched = PaymentRecord.get_by_id(waiting.id)
    assert (untouched.state, untouched.method) == ("PENDING", None)
    assert len(terminal_sim(app).ledger) == 1


def test_a_lost_answer_the_terminal_cannot_decide_goes_to_a_person_and_does_not_block_the_terminal(pay_station):
    app = pay_station(printer=False)
    with app.app_context():
        service = app.extensions["payments"]
        # The terminal's last transaction is one the station knows nothing of, for another amount.
        service.terminal().authorise(99_000, 0)
        record = service.start(payment_request(reference="fine:A", amount=150_000), "system")
        PaymentRecord.update(method="card", terminal_reference=record.id, authorising_at=1.0, state="UNKNOWN").where(
            PaymentRecord.id == record.id).execute()
        assert reconcile(service, older_than=0).still_unknown == [record.id]
        [alert] = [a for a in ManagerAlert.select() if a.kind == "terminal_unmatched"]
        assert alert.object_ref == f"payment:{record.id}" and "journal" in alert.message_en
        nxt = service.pay_by_card(service.start(payment_request(reference="fine:B"), "system").id, "system")
        unmatched = PaymentRecord.get_by_id(record.id)
    assert (nxt.state, nxt.terminal_trace) == ("SUCCEEDED", 1002)
    assert unmatched.state == "UNKNOWN"  # never guessed: a person compares it with the terminal's journal
    assert [e.amount for e in terminal_sim(app).approved_charges()] == [99_000, 150_000]
