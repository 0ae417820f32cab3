"""Twenty concurrent requests with one idempotency key: one payment, one charge (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from payment_helpers import at_once, audit_entries, payment_request, terminal_sim

from core import db
from core.payments.errors import PaymentClosed
from core.payments.models import PaymentRecord, ReceiptRecord
from sdk.testing import TemporaryPostgresDatabase, require_postgres

REQUESTS = 20


def _pay_concurrently(app, key: str) -> list[object]:
    """REQUESTS threads each start the payment with ``key`` and press "pay by card" at once."""
    service = app.extensions["payments"]

    def tap(slot: int) -> object:
        record = service.start(payment_request(citizen_id=7, key=key, amount=4_000_000), "citizen:7")
        return service.pay_by_card(record.id, "citizen:7")

    return at_once(app, REQUESTS, tap)


def _assert_one_payment_one_charge(app, outcomes) -> None:
    errors = [o for o in outcomes if isinstance(o, Exception) and not isinstance(o, PaymentClosed)]
    assert errors == []
    with app.app_context():
        [payment] = list(PaymentRecord.select())
        assert ReceiptRecord.select().count() == 1
    assert {o.id for o in outcomes if isinstance(o, PaymentRecord)} == {payment.id}
    assert payment.state == "SUCCEEDED"
    charges = terminal_sim(app).approved_charges()
    assert [(c.trace_number, c.amount) for c in charges] == [(payment.terminal_trace, 4_000_000)]
    assert len(terminal_sim(app).ledger) == 1
    actions = [e["action"] for e in audit_entries(app, f"payment:{payment.id}")]
    assert actions.count("payments.start") == 1
    assert actions.count("payments.card.authorise") == 1
    assert actions.count("payments.succeeded") == 1


def test_twenty_concurrent_requests_with_one_key_make_one_payment_and_one_charge(pay_station):
    app = pay_station(printer=False)
    _assert_one_payment_one_charge(app, _pay_concurrently(app, "double-tap-key-0001"))


@pytest.mark.postgres
def test_twenty_concurrent_requests_with_one_key_on_postgresql(pay_station):
    temp = TemporaryPostgresDatabase(require_postgres())
    try:
        app = pay_station(printer=False, database_url=temp.url)
        _assert_one_payment_one_charge(app, _pay_concurrently(app, "double-tap-key-0002"))
    finally:
        db.database.close()
        temp.drop()
