"""Reconciliation: settle every payment whose outcome the station does not know yet.

It asks, and never charges:

* an UNKNOWN card payment, or a PENDING one whose authorisation started more than
  ``older_than`` seconds ago (the process running it died), is settled by asking the
  terminal with ``enquire(reference)``: approved → SUCCEEDED with its receipt, declined or
  never seen → FAILED; if the terminal cannot be asked it stays UNKNOWN for the next round;
* a PENDING or UNKNOWN VietQR payment is settled by asking the bank for its transfer (or
  FAILED as expired once its QR code has expired with no transfer);
* a PENDING payment nobody chose a method for within ``abandon_after`` seconds is FAILED
  (abandoned) — nothing was ever sent to a terminal or bank for it;
* a final payment whose plugin has not been told yet is told now.

``station payments reconcile`` runs one round; :func:`start_reconciler` runs rounds in a
background thread under ``station run``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from core.payments.models import (
    FINAL_STATES,
    METHOD_CARD,
    METHOD_VIETQR,
    PENDING,
    UNKNOWN,
    PaymentRecord,
)
from core.payments.service import PaymentService

log = logging.getLogger(__name__)

DEFAULT_OLDER_THAN = 300.0  # longer than the terminal's result timeout (180 s) and some margin
# A payment nobody chose a method for holds its objects (the fine, the bills) until then; half
# an hour lets a citizen who stepped away come back to it, and frees the object soon after.
DEFAULT_ABANDON_AFTER = 1800.0


@dataclass
class ReconcileReport:
    """What one round did: payment ids by outcome."""

    succeeded: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    still_unknown: list[int] = field(default_factory=list)
    still_pending: list[int] = field(default_factory=list)
    notified: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[int]]:
        return {"succeeded": self.succeeded, "failed": self.failed, "still_unknown": self.still_unknown,
                "still_pending": self.still_pending, "notified": self.notified}


def reconcile(service: PaymentService, older_than: float = DEFAULT_OLDER_THAN,
              abandon_after: float = DEFAULT_ABANDON_AFTER, actor: str = "system") -> ReconcileReport:
    """One reconciliation round (see the module docstring)."""
    report = ReconcileReport()
    now = service.clock()
    open_payments = list(PaymentRecord.select().where(PaymentRecord.state.in_((PENDING, UNKNOWN)))
                         .order_by(PaymentRecord.id))
    for payment in open_payments:
        if payment.id in service.in_flight:
            continue  # this process is talking to the terminal about it right now
        result = _settle_one(service, payment, now, older_than, abandon_after, actor)
        if result is None:
            continue
        if result.state in FINAL_STATES:
            (report.succeeded if result.state == "SUCCEEDED" else report.failed).append(result.id)
        elif result.state == UNKNOWN:
            report.still_unknown.append(result.id)
        else:
            report.still_pending.append(result.id)
    unnotified = PaymentRecord.select(PaymentRecord.id).where(
        PaymentRecord.state.in_(FINAL_STATES) & (PaymentRecord.notified == False))  # noqa: E712
    for (payment_id,) in unnotified.tuples():
        if service.deliver_notification(payment_id):
            report.notified.append(payment_id)
    return report


def _settle_one(service: PaymentService, payment: PaymentRecord, now: float, older_than: float,
                abandon_after: float, actor: str) -> PaymentRecord | None:
    if payment.method == METHOD_CARD:
        started = payment.authorising_at if payment.authorising_at is not None else payment.updated_at
        if payment.state == PENDING and now - started < older_than:
            return None  # probably still being authorised by a live process
        return service.resolve_with_terminal(payment, actor)
    if payment.method == METHOD_VIETQR:
        return service.check_vietqr(payment.id, actor)
    if payment.state == PENDING and now - payment.created_at >= abandon_after:
        failed = service._fail(payment, actor, "reconcile", "abandoned", expect=(PENDING,))
        return failed or service.get(payment.id)
    return None


class Reconciler:
    """A daemon thread running :func:`reconcile` every ``interval`` seconds until stopped."""

    def __init__(self, run_round: Callable[[], Any], interval: float = 60.0) -> None:
        self.run_round = run_round
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="payments-reconciler", daemon=True)

    def start(self) -> Reconciler:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_round()
            except Exception as exc:  # noqa: BLE001 — keep trying next round; the station keeps serving
                log.warning("payments reconciliation round failed: %s", type(exc).__name__)
            self._stop.wait(self.interval)


def start_reconciler(app: Any, interval: float = 60.0, older_than: float = DEFAULT_OLDER_THAN) -> Reconciler:
    """Start background reconciliation for ``app`` (called by ``station run``); ``.stop()`` it at exit."""
    service: PaymentService = app.extensions["payments"]

    def run_round() -> ReconcileReport:
        from core import db

        with app.app_context():
            try:
                return reconcile(service, older_than=older_than)
            finally:
                db.database.close()  # this thread's connection; the next round opens a fresh one

    return Reconciler(run_round, interval).start()
