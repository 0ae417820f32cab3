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

**One object, at most one payment.** A payment pays one or more objects: by default its
``reference``; a payment that settles several things at once (a set of bills) names each in
``pays_for``. The station keeps at most one open-or-paid payment per object of a plugin,
whatever the number of tabs, reloads or concurrent requests: starting another payment for
an object the citizen is already paying returns that payment (``payment.existing`` is True
and its ``pay_url`` says "continue paying", "being verified" or "already paid"). Use
:func:`payment_for` to show an object's state on the plugin's own pages instead of a "pay"
button while a payment holds it.

Errors: :class:`PaymentError` (and :class:`IdempotencyConflict` — the same key with another
request; :class:`ObjectUnavailable` — another citizen's payment holds the object) are
``UserInputError`` subclasses the station shows as friendly pages.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app

from core.errors import LoginRequired
from core.payments.errors import (
    IdempotencyConflict,
    ObjectUnavailable,
    PaymentError,
    PaymentNotFound,
)
from core.payments.models import FAILED, PENDING, SUCCEEDED, UNKNOWN
from core.payments.service import PaymentRequest, view_of
from core.payments.service import PaymentView as Payment
from sdk.accessors import current_citizen, current_plugin_id


def start_payment(*, amount_vnd: int, purpose: str, reference: str, idempotency_key: str,
                  description: dict[str, str], return_url: str,
                  receipt_lines: Iterable[tuple[str, str]] = (),
                  pays_for: Iterable[str] | None = None) -> Payment:
    """Create (or, for the same key and request, find again) a payment by the citizen at the terminal.

    ``pays_for`` (sdk 1.1) names the objects the payment pays, such as
    ``["bill:EVN:PE0123-2026-10", "bill:EVN:PE0123-2026-11"]``; by default the payment pays
    its ``reference``. When this citizen already has an open or paid payment holding these
    objects, that payment is returned (``existing`` True) instead of a second one.

    Redirect the citizen to ``payment.pay_url``. Raises :class:`PaymentError` for a bad
    request, :class:`IdempotencyConflict` when the key was used for a different one and
    :class:`ObjectUnavailable` when another citizen's payment holds an object.
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
                             receipt_lines=tuple((str(a), str(b)) for a, b in receipt_lines),
                             objects=tuple(pays_for) if pays_for is not None else ())
    record, existing = current_app.extensions["payments"].start_claiming(request, current_actor())
    return view_of(record, existing=existing)


def payment_for(obj: str) -> Payment | None:
    """The open (PENDING or UNKNOWN) or SUCCEEDED payment holding ``obj`` of this plugin, or None.

    Plugins show it instead of a "pay" button: ``payment.open`` and ``state == UNKNOWN`` →
    "payment being verified"; ``succeeded`` → "paid on …, receipt …". Works for any
    citizen's payment (staff pages), so do not show another citizen's payment details.
    """
    plugin = current_plugin_id()
    if plugin is None:
        raise PaymentError("payment_for is called from a plugin's page or hook")
    record = current_app.extensions["payments"].payment_for(plugin, str(obj))
    return view_of(record) if record is not None else None


def get_payment(payment_id: int) -> Payment:
    """A payment of the citizen at the terminal (or any, for staff of the station); 404 otherwise."""
    from core.payments.web import payment_view

    return payment_view(int(payment_id))


__all__ = ["FAILED", "PENDING", "SUCCEEDED", "UNKNOWN", "IdempotencyConflict", "ObjectUnavailable", "Payment",
           "PaymentError", "PaymentNotFound", "get_payment", "payment_for", "start_payment"]
