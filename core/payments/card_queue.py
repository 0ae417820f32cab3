"""Card payments run on a small bounded background worker, not on a request thread.

A card authorisation waits for the citizen at the terminal (up to the driver's
``result_timeout``, 180 s). The card POST only queues the payment here and returns a page
that polls the payment's status; one worker thread (there is one terminal) runs
:meth:`PaymentService.pay_by_card`, which keeps every exactly-once rule (claim before the
terminal is asked; a lost answer is UNKNOWN, resolved from the terminal's data, never
charged again). ``[server] card_queue`` (default 4) bounds how many payments may wait; a
full queue refuses at once with "try again" and nothing is charged.

A station killed mid-exchange leaves the payment claimed (PENDING, then stale) or UNKNOWN;
reconciliation resolves it from the terminal's last transaction. Payments still queued,
not yet claimed, stay PENDING with no method: the citizen may simply pay again.
"""

from __future__ import annotations

import logging
import queue
import secrets
import threading
from typing import Any

from core.errors import StationError
from core.payments.models import PaymentRecord

log = logging.getLogger(__name__)

DEFAULT_QUEUE_SIZE = 4
#: refusals kept for the waiting pages (a long-running station must not keep every one)
MAX_KEPT_ERRORS = 256


class CardQueue:
    """A bounded queue of card payments and the worker thread that charges them."""

    def __init__(self, app: Any, size: int = DEFAULT_QUEUE_SIZE) -> None:
        self.app = app
        self._queue: queue.Queue[tuple[int, str] | None] = queue.Queue(maxsize=max(1, size))
        self._waiting: set[int] = set()  # queued or running, by payment id
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self.errors: dict[int, StationError] = {}  # why a queued payment was not charged
        self._thread: threading.Thread | None = None
        self._stopping = False

    # -- the request side -------------------------------------------------------------------

    def submit(self, payment_id: int, actor: str) -> bool:
        """Queue the payment (once: a second tab or tap is the same job). False if full."""
        with self._lock:
            if self._stopping:
                return False
            if payment_id in self._waiting:
                return True
            try:
                self._queue.put_nowait((payment_id, actor))
            except queue.Full:
                return False
            self._waiting.add(payment_id)
            self.errors.pop(payment_id, None)
            self._start_locked()
        return True

    def waiting(self, payment_id: int) -> bool:
        """True while the payment is queued or being charged by this process."""
        with self._lock:
            return payment_id in self._waiting

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until nothing is queued or running (tests, orderly shutdown)."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._waiting, timeout)

    def stop(self, timeout: float = 5.0) -> None:
        """Take no new payments; let the running exchange finish (up to ``timeout``)."""
        with self._lock:
            self._stopping = True
            thread = self._thread
        self._queue.put(None)
        if thread is not None:
            thread.join(timeout)

    # -- the worker -------------------------------------------------------------------------

    def _start_locked(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="card-payments", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            payment_id, actor = job
            try:
                with self.app.app_context():
                    self.app.extensions["payments"].pay_by_card(payment_id, actor)
            except StationError as exc:  # nothing charged (terminal away, earlier payment unresolved…)
                self.errors[payment_id] = exc
                while len(self.errors) > MAX_KEPT_ERRORS:  # the oldest first (dicts keep insertion order)
                    self.errors.pop(next(iter(self.errors)))
            except Exception:  # noqa: BLE001 — the service already recorded what it could
                log.exception("card payment %s: the worker failed", payment_id)
            finally:
                with self._idle:
                    self._waiting.discard(payment_id)
                    self._idle.notify_all()


def status_token(payment_id: int) -> str:
    """The payment's opaque status token (made once; a second tab gets the same one)."""
    PaymentRecord.update(status_token=secrets.token_urlsafe(18)).where(
        (PaymentRecord.id == payment_id) & PaymentRecord.status_token.is_null()).execute()
    return str(PaymentRecord.get_by_id(payment_id).status_token)


def payment_for_token(token: str) -> PaymentRecord | None:
    """The payment behind a status token, or None."""
    if not token or len(token) > 32:
        return None
    return PaymentRecord.get_or_none(PaymentRecord.status_token == token)
