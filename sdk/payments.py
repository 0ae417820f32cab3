"""Payments for plugins: ask the station's payment service to collect money.

    from sdk.payments import start_payment, get_payment

    payment = start_payment(
        amount_vnd=750000, purpose="traffic.fine", reference="fine:123",
        idempotency_key=request.form["attempt"],          # one per attempt, from the form
        description={"vi": "Nộp phạt ...", "en": "Traffic fine ..."},
        return_url=url_for("traffic.paid", fine_id=123),
        receipt_lines=[("Quyết định số", "123/QĐ-XPHC")])
    return redirect(payment.pay_url)

The payer is the citizen at the terminal and the plugin is the one serving the request. The
core page lets the citizen pay by VietQR transfer or on the card terminal, prints the receipt
and sends them to ``return_url``. The plugin learns the outcome in its ``payment_settled``
hook (after the commit; a SUCCEEDED or FAILED :class:`Payment`), where it makes its own
change inside ``sdk.transaction()`` with its own ``sdk.audit(...)`` entry. Make that handler
idempotent: after a crash at the wrong moment it may be called again for the same payment.

Errors: :class:`PaymentError` (and :class:`IdempotencyConflict` — the same key with another
request) are ``UserInputError`` subclasses the station shows as friendly pages.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app

from core.errors import LoginRequired
from core.payments.errors import IdempotencyConflict, PaymentError, PaymentNotFound
from core.payments.models import FAILED, PENDING, SUCCEEDED, UNKNOWN
from core.payments.service import PaymentRequest, view_of
from core.payments.service import PaymentView as Payment
from sdk.accessors import current_citizen, current_plugin_id


def start_payment(*, amount_vnd: int, purpose: str, reference: str, idempotency_key: str,
                  description: dict[str, str], return_url: str,
                  receipt_lines: Iterable[tuple[str, str]] = ()) -> Payment:
    """Create (or, for the same key and request, find again) a payment by the citizen at the terminal.

    Redirect the citizen to ``payment.pay_url``. Raises :class:`PaymentError` for a bad
    request and :class:`IdempotencyConflict` when the key was used for a different one.
    """
    from core.audit.api import current_actor

    citizen = current_citizen()
    if citizen is None:
        raise LoginRequired("Only a citizen logged in at the station can pay.")
    plugin = current_plugin_id()
    if plugin is None:
        raise PaymentError("start_payment is called from a plugin's page")
    request = PaymentRequest(payer_citizen_id=citizen.id, plugin=plugin, purpose=purpose, reference=reference,
                             amount_vnd=amount_vnd, idempotency_key=idempotency_key,
                             description=dict(description) if isinstance(description, dict) else description,
                             return_url=return_url,
                             receipt_lines=tuple((str(a), str(b)) for a, b in receipt_lines))
    return view_of(current_app.extensions["payments"].start(request, current_actor()))


def get_payment(payment_id: int) -> Payment:
    """A payment of the citizen at the terminal (or any, for staff of the station); 404 otherwise."""
    from core.payments.web import payment_view

    return payment_view(int(payment_id))


__all__ = ["FAILED", "PENDING", "SUCCEEDED", "UNKNOWN", "IdempotencyConflict", "Payment", "PaymentError",
           "PaymentNotFound", "get_payment", "start_payment"]
