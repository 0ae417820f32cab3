"""The payment service: one way for every plugin to take money, safely.

Rules it keeps (ARCHITECTURE section 6, ``docs/payments.md``):

* A payment is a row in integer VND with state PENDING → SUCCEEDED | FAILED | UNKNOWN.
  Every change of state is a conditional UPDATE (``WHERE state IN (...)``) committed in one
  transaction with its audit entry, so two workers can never both move a payment, and a
  crash leaves either the old state with no entry or the new state with its entry.
* **One object, at most one payment.** A payment names the objects it pays (a fine, each
  bill of a set, an order, a dossier fee — by default its ``reference``). ``start`` claims
  them in ``payment_claims`` (unique per plugin and object) in the transaction that creates
  the payment, so two tabs, reloads or concurrent starts leave exactly one open-or-succeeded
  payment per object; a later start by the same citizen returns that payment ("continue
  paying" / "already paid"). Moving to FAILED (declined, cancelled, expired, abandoned)
  deletes the claims in the same transaction; UNKNOWN keeps them until the terminal or bank
  has answered. A success is committed only while the payment still holds every claim.
* **Idempotency.** ``start`` takes the plugin's key for this attempt; the row's unique
  ``idempotency_key`` (SHA-256 of plugin, payer and key) makes concurrent starts with one
  key produce one payment. The same key with the same request returns that payment; with a
  different request it raises :class:`IdempotencyConflict`.
* **Never charged twice, never charged without a record.** A card payment is *claimed*
  (method, terminal reference, audit entry — committed) before the terminal is asked; only
  the request that wins the claim talks to the terminal, so a double tap charges once. A
  lost answer leaves the payment UNKNOWN; :mod:`core.payments.reconcile` asks the terminal
  (``enquire``) or the bank and settles it — it never starts a new charge.
* A SUCCEEDED payment gets its receipt row in the same transaction; printing happens after
  the commit, and a printer failure (paper out) only adds a manager alert.
* The plugin hears of the outcome through its ``payment_settled`` hook after the commit.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import peewee

from core.audit.log import AuditLog, transaction
from core.formatting import DEFAULT_ZONE
from core.payments.bank import BankConnector, BankTransfer, BankUnavailable
from core.payments.errors import (
    IdempotencyConflict,
    InvalidPaymentRequest,
    MethodUnavailable,
    ObjectUnavailable,
    PaymentClosed,
    PaymentNotFound,
    TerminalError,
)
from core.payments.models import (
    FAILED,
    FINAL_STATES,
    METHOD_CARD,
    METHOD_VIETQR,
    PENDING,
    SUCCEEDED,
    UNKNOWN,
    ManagerAlert,
    PaymentClaim,
    PaymentRecord,
    ReceiptRecord,
)
from core.payments.receipts import ReceiptDocument, escpos_receipt, verify_url_for
from core.payments.vietqr import encode_vietqr
from core.text import Text

log = logging.getLogger(__name__)

PAY_PREFIX = "/pay"
MAX_AMOUNT_VND = 999_999_999_999  # what a ZVT amount field holds; VietQR holds more
PURPOSE_PATTERN = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{8,128}$")
TERMINAL_REFERENCES = 1_000_000  # ZVT's 6-digit ECR reference space
MAX_RECEIPT_LINES = 12
MAX_OBJECTS = 50


class _ClaimLost(Exception):
    """A payment about to succeed no longer holds all its objects (rolls the transaction back)."""

    def __init__(self, payment_id: int) -> None:
        super().__init__(f"payment {payment_id} does not hold its objects")


@dataclass(frozen=True)
class PaymentView:
    """What plugins see of a payment (``sdk.payments.Payment``)."""

    id: int
    state: str
    amount_vnd: int
    method: str | None
    purpose: str
    reference: str
    plugin: str
    audit_index: int | None
    settled_at: float | None
    failure_code: str | None
    description: dict[str, str]
    return_url: str
    payer_citizen_id: int = 0
    receipt_number: str | None = None
    objects: tuple[str, ...] = ()
    existing: bool = False

    @property
    def pay_url(self) -> str:
        """The core payment page (method choice, QR or terminal, receipt).

        For a payment that :func:`start_payment` found already open or paid for the same
        objects (``existing``), the page says so ("continue paying", "already paid").
        """
        return f"{PAY_PREFIX}/{self.id}" + ("?resume=1" if self.existing else "")

    @property
    def resume_url(self) -> str:
        """The payment page as for a citizen coming back to it ("continue paying", "being
        verified", "already paid on …" with the receipt to print again)."""
        return f"{PAY_PREFIX}/{self.id}?resume=1"

    @property
    def receipt_url(self) -> str | None:
        """The on-screen receipt, once SUCCEEDED."""
        return f"{PAY_PREFIX}/{self.id}/receipt" if self.state == SUCCEEDED else None

    @property
    def succeeded(self) -> bool:
        return self.state == SUCCEEDED

    @property
    def open(self) -> bool:
        """Not settled yet: PENDING (being paid) or UNKNOWN (being verified)."""
        return self.state in (PENDING, UNKNOWN)


def view_of(record: PaymentRecord, existing: bool = False) -> PaymentView:
    """The plugin's view of a payment row (``existing``: found again by :meth:`PaymentService.start`)."""
    receipt = ReceiptRecord.get_or_none(ReceiptRecord.payment == record.id)
    return PaymentView(id=record.id, state=record.state, amount_vnd=int(record.amount_vnd), method=record.method,
                       purpose=record.purpose, reference=record.reference, plugin=record.plugin,
                       audit_index=record.audit_index, settled_at=record.settled_at,
                       failure_code=record.failure_code, description=record.description_dict,
                       return_url=record.return_url, payer_citizen_id=record.payer_citizen_id,
                       receipt_number=receipt.number if receipt else None, objects=record.paid_objects,
                       existing=existing)


@dataclass(frozen=True)
class PaymentRequest:
    """A plugin's request to be paid (validated by :meth:`validate`)."""

    payer_citizen_id: int
    plugin: str
    purpose: str
    reference: str
    amount_vnd: int
    idempotency_key: str
    description: dict[str, str]
    return_url: str
    receipt_lines: tuple[tuple[str, str], ...] = ()
    objects: tuple[str, ...] = ()

    def paid_objects(self) -> tuple[str, ...]:
        """What this payment pays: the declared objects, or the reference alone."""
        return self.objects or (self.reference,)

    def validate(self) -> None:
        """Raise :class:`InvalidPaymentRequest` naming the first wrong field."""
        amount = self.amount_vnd
        if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= MAX_AMOUNT_VND:
            raise InvalidPaymentRequest(f"amount_vnd must be a whole number of dong from 1 to {MAX_AMOUNT_VND}",
                                        "Số tiền phải là số nguyên đồng lớn hơn 0.")
        if not isinstance(self.purpose, str) or not PURPOSE_PATTERN.match(self.purpose):
            raise InvalidPaymentRequest("purpose must be a short machine label such as 'traffic.fine'")
        if not isinstance(self.reference, str) or not 0 < len(self.reference) <= 128 or _has_control(self.reference):
            raise InvalidPaymentRequest("reference must be 1 to 128 printable characters (the plugin's object ref)")
        if not isinstance(self.idempotency_key, str) or not KEY_PATTERN.match(self.idempotency_key):
            raise InvalidPaymentRequest("idempotency_key must be 8 to 128 characters of A-Z a-z 0-9 _ . : -",
                                        "Biểu mẫu thanh toán không hợp lệ; vui lòng thử lại.")
        description = self.description
        if (not isinstance(description, dict) or not all(isinstance(description.get(k), str)
                                                          and 0 < len(description[k]) <= 200 for k in ("vi", "en"))):
            raise InvalidPaymentRequest("description must have 'vi' and 'en' texts of 1 to 200 characters")
        url = self.return_url
        if not isinstance(url, str) or not url.startswith("/") or url.startswith("//") or "\\" in url:
            raise InvalidPaymentRequest("return_url must be a path on this station, such as /s/traffic/paid/1")
        if len(self.receipt_lines) > MAX_RECEIPT_LINES or not all(
                isinstance(label, str) and isinstance(value, str) and 0 < len(label) <= 60 and len(value) <= 100
                and not _has_control(label + value) for label, value in self.receipt_lines):
            raise InvalidPaymentRequest(f"receipt_lines must be at most {MAX_RECEIPT_LINES} (label, value) "
                                        "text pairs, labels up to 60 and values up to 100 characters")
        objects = self.objects
        if (not isinstance(objects, tuple) or len(objects) > MAX_OBJECTS or len(set(objects)) != len(objects)
                or not all(isinstance(o, str) and 0 < len(o) <= 128 and not _has_control(o) for o in objects)):
            raise InvalidPaymentRequest(f"pays_for must name 1 to {MAX_OBJECTS} different objects, each 1 to 128 "
                                        "printable characters (such as 'fine:VP250314001' or 'bill:EVN-2026-11')")

    def fingerprint(self) -> str:
        """SHA-256 of everything that defines the request (what "the same request" means)."""
        body = {"payer": self.payer_citizen_id, "plugin": self.plugin, "purpose": self.purpose,
                "reference": self.reference, "amount_vnd": self.amount_vnd, "description": self.description,
                "return_url": self.return_url, "receipt_lines": [list(row) for row in self.receipt_lines]}
        if self.objects and self.objects != (self.reference,):
            body["objects"] = list(self.objects)
        text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def scoped_key(self) -> str:
        """The key as stored: one namespace per plugin and payer."""
        return hashlib.sha256(f"{self.plugin}\x00{self.payer_citizen_id}\x00{self.idempotency_key}"
                              .encode()).hexdigest()


def _has_control(text: str) -> bool:
    return any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in text)


class PaymentService:
    """Starts, pays, settles and reconciles payments (see the module docstring).

    Collaborators are injected so the service runs without Flask (CLI, crash tests):
    ``terminal()`` / ``printer()`` return the HAL driver or None, ``bank()`` the bank
    connector, ``notify(view)`` tells the plugin, ``public_url()`` is the base of the
    receipts' verification links.
    """

    def __init__(self, *, audit: AuditLog, clock: Callable[[], float], site: dict[str, Any],
                 terminal: Callable[[], Any | None], printer: Callable[[], Any | None],
                 bank: Callable[[], BankConnector], notify: Callable[[PaymentView], None] | None = None,
                 public_url: Callable[[], str] = lambda: "http://127.0.0.1:8080", simulated: bool = True,
                 qr_ttl_seconds: float = 900.0, busy_wait_seconds: float = 3.0,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.audit = audit
        self.clock = clock
        self.site = site
        self.on_alert: Callable[[dict[str, Any]], None] | None = None  # push (core.alerts.push), never blocks
        self.terminal = terminal
        self.printer = printer
        self.bank = bank
        self.notify = notify
        self.public_url = public_url
        self.simulated = simulated
        self.qr_ttl_seconds = qr_ttl_seconds
        self.busy_wait_seconds = busy_wait_seconds
        self.sleep = sleep
        self.in_flight: set[int] = set()  # card authorisations running in this process
        self.progress: dict[int, int] = {}  # last intermediate status code per payment
        self._notify_lock = threading.Lock()

    # ---- reading ---------------------------------------------------------------------

    def get(self, payment_id: int) -> PaymentRecord:
        """The payment row (:class:`PaymentNotFound` if there is none)."""
        record = PaymentRecord.get_or_none(PaymentRecord.id == payment_id)
        if record is None:
            raise PaymentNotFound()
        return record

    def receipt_of(self, payment_id: int) -> ReceiptRecord | None:
        """The receipt row of a SUCCEEDED payment."""
        return ReceiptRecord.get_or_none(ReceiptRecord.payment == payment_id)

    # ---- starting --------------------------------------------------------------------

    def start(self, request: PaymentRequest, actor: str) -> PaymentRecord:
        """Create the payment for ``request`` or return the one made with the same key.

        Also returns, instead of creating a second one, the citizen's own open or paid
        payment for the same objects (see :meth:`start_claiming`).
        """
        return self.start_claiming(request, actor)[0]

    def start_claiming(self, request: PaymentRequest, actor: str) -> tuple[PaymentRecord, bool]:
        """Start a payment that claims its objects: ``(payment, existing)``.

        ``existing`` is True when an earlier payment of this citizen already holds the
        objects (open: continue paying it; UNKNOWN: being verified; SUCCEEDED: already
        paid). Raises :class:`ObjectUnavailable` when another citizen's payment holds
        them, or when they are held by several payments.
        """
        request.validate()
        key, fingerprint = request.scoped_key(), request.fingerprint()
        existing = self._by_key(key, fingerprint)
        if existing is not None:
            return existing, False
        objects = request.paid_objects()
        holders = self.holders(request.plugin, objects)
        if holders:
            return self._held(request, holders), True
        now = self.clock()
        try:
            with transaction():
                record = PaymentRecord.create(
                    idempotency_key=key, request_hash=fingerprint, payer_citizen_id=request.payer_citizen_id,
                    plugin=request.plugin, purpose=request.purpose, reference=request.reference,
                    amount_vnd=request.amount_vnd, description=json.dumps(request.description, ensure_ascii=False),
                    return_url=request.return_url,
                    receipt_lines=json.dumps([list(r) for r in request.receipt_lines], ensure_ascii=False),
                    state=PENDING, created_at=now, updated_at=now,
                    objects=json.dumps(list(objects), ensure_ascii=False))
                PaymentClaim.insert_many([{"plugin": request.plugin, "object": obj, "payment_id": record.id,
                                           "claimed_at": now} for obj in objects]).execute()
                self._audit("payments.start", record.id, actor, "ok",
                            {"plugin": request.plugin, "purpose": request.purpose, "reference": request.reference,
                             "amount_vnd": request.amount_vnd, "objects": len(objects)})
        except peewee.IntegrityError:
            # Another request committed first (PostgreSQL: we waited for it): the same key,
            # or a payment that claimed one of the objects.
            existing = self._by_key(key, fingerprint)
            if existing is not None:
                return existing, False
            holders = self.holders(request.plugin, objects)
            if not holders:
                raise
            return self._held(request, holders), True
        return record, False

    @staticmethod
    def holders(plugin: str, objects: tuple[str, ...]) -> list[PaymentRecord]:
        """The payments (open or succeeded) holding any of ``objects`` of ``plugin``, oldest first."""
        ids = {claim.payment_id for claim in PaymentClaim.select(PaymentClaim.payment_id).where(
            (PaymentClaim.plugin == plugin) & PaymentClaim.object.in_(list(objects)))}
        if not ids:
            return []
        return list(PaymentRecord.select().where(PaymentRecord.id.in_(list(ids))).order_by(PaymentRecord.id))

    @staticmethod
    def _held(request: PaymentRequest, holders: list[PaymentRecord]) -> PaymentRecord:
        if len(holders) == 1 and holders[0].payer_citizen_id == request.payer_citizen_id:
            return holders[0]
        if any(holder.state == SUCCEEDED for holder in holders):
            raise ObjectUnavailable("This has already been paid.", "Khoản này đã được thanh toán.")
        raise ObjectUnavailable("This is being paid in another payment right now. Please try again in a few minutes.",
                                "Khoản này đang được thanh toán trong một lượt khác. Vui lòng thử lại sau ít phút.")

    def payment_for(self, plugin: str, obj: str) -> PaymentRecord | None:
        """The open or succeeded payment holding ``obj`` of ``plugin``, if any."""
        claim = PaymentClaim.get_or_none((PaymentClaim.plugin == plugin) & (PaymentClaim.object == obj))
        return PaymentRecord.get_or_none(PaymentRecord.id == claim.payment_id) if claim is not None else None

    @staticmethod
    def _by_key(key: str, fingerprint: str) -> PaymentRecord | None:
        record = PaymentRecord.get_or_none(PaymentRecord.idempotency_key == key)
        if record is not None and record.request_hash != fingerprint:
            raise IdempotencyConflict(
                "This payment attempt was already used for a different payment; start again from the service.",
                "Lượt thanh toán này đã được dùng cho một khoản khác; vui lòng bắt đầu lại từ dịch vụ.")
        return record

    # ---- transitions -----------------------------------------------------------------

    def _audit(self, action: str, payment_id: int, actor: str, outcome: str, details: dict[str, Any]) -> Any:
        return self.audit.record(action, actor=actor, plugin="core", object_ref=f"payment:{payment_id}",
                                 outcome=outcome, details=details)

    def _transition(self, payment_id: int, *, expect: tuple[str, ...], changes: dict[str, Any], action: str,
                    outcome: str, details: dict[str, Any], actor: str, extra_where: Any = None
                    ) -> PaymentRecord | None:
        """Move the payment if it is in one of ``expect`` (and ``extra_where``), with its audit entry.

        Returns the updated row, or None when another worker moved it first (nothing written).
        A move to SUCCEEDED also writes the receipt row, all in the same transaction.
        """
        now = self.clock()
        new_state = changes.get("state")
        with transaction():
            query = PaymentRecord.update(updated_at=now, **changes).where(
                (PaymentRecord.id == payment_id) & PaymentRecord.state.in_(expect))
            if extra_where is not None:
                query = query.where(extra_where)
            if query.execute() != 1:
                return None
            if new_state == SUCCEEDED and not self._holds_all_claims(payment_id):
                raise _ClaimLost(payment_id)  # rolls the move back; _succeed turns it into a refund
            if new_state == FAILED:
                PaymentClaim.delete().where(PaymentClaim.payment_id == payment_id).execute()
            entry = self._audit(action, payment_id, actor, outcome, details)
            if new_state in FINAL_STATES:
                PaymentRecord.update(audit_index=entry.index, settled_at=now).where(
                    PaymentRecord.id == payment_id).execute()
            if new_state == SUCCEEDED:
                ReceiptRecord.create(payment=payment_id, number=self.receipt_number(payment_id), created_at=now,
                                     audit_index=entry.index, print_state="pending")
        return PaymentRecord.get_by_id(payment_id)

    @staticmethod
    def _holds_all_claims(payment_id: int) -> bool:
        record = PaymentRecord.get_by_id(payment_id)
        held = PaymentClaim.select().where(PaymentClaim.payment_id == payment_id).count()
        return held == len(record.paid_objects)

    @staticmethod
    def receipt_number(payment_id: int) -> str:
        """The receipt's number: ``BL`` and the payment id, eight digits."""
        return f"BL{payment_id:08d}"

    def _succeed(self, payment: PaymentRecord, actor: str, via: str, provider_ref: str | None,
                 expect: tuple[str, ...] = (PENDING, UNKNOWN), extra: dict[str, Any] | None = None
                 ) -> PaymentRecord | None:
        try:
            return self._transition(
                payment.id, expect=expect, changes={"state": SUCCEEDED, "provider_ref": provider_ref,
                                                    "failure_code": None, **(extra or {})},
                action="payments.succeeded", outcome="ok", actor=actor,
                details={"method": payment.method, "amount_vnd": int(payment.amount_vnd), "via": via,
                         "provider_ref": provider_ref, "receipt": self.receipt_number(payment.id),
                         "plugin": payment.plugin, "reference": payment.reference})
        except _ClaimLost:
            return self._refund_due(payment, actor, via, provider_ref, extra)

    def _refund_due(self, payment: PaymentRecord, actor: str, via: str, provider_ref: str | None,
                    extra: dict[str, Any] | None = None) -> PaymentRecord | None:
        """Money arrived for a payment whose objects another payment already paid: never book
        it; the payment fails as ``refund_due`` and staff are told to refund the money."""
        refused = self._transition(
            payment.id, expect=(PENDING, UNKNOWN), changes={"state": FAILED, "failure_code": "refund_due",
                                                            "provider_ref": provider_ref, **(extra or {})},
            action="payments.refund_due", outcome="failed", actor=actor,
            details={"method": payment.method, "amount_vnd": int(payment.amount_vnd), "via": via,
                     "provider_ref": provider_ref})
        self.alert("payments", "refund_due", f"payment:{payment.id}",
                   f"Đã nhận tiền cho khoản thanh toán số {payment.id} nhưng khoản này đã được thanh toán trước đó; "
                   "cần hoàn tiền cho công dân.",
                   f"Money arrived for payment {payment.id}, but what it pays was already paid by another "
                   "payment; refund the citizen.")
        return refused

    def _fail(self, payment: PaymentRecord, actor: str, via: str, code: str,
              expect: tuple[str, ...] = (PENDING, UNKNOWN), extra: dict[str, Any] | None = None
              ) -> PaymentRecord | None:
        return self._transition(
            payment.id, expect=expect, changes={"state": FAILED, "failure_code": code, **(extra or {})},
            action="payments.failed", outcome="failed", actor=actor,
            details={"method": payment.method, "code": code, "via": via})

    # ---- card terminal ---------------------------------------------------------------

    def card_available(self) -> bool:
        """True when the station has a payment terminal in its inventory."""
        return self.terminal() is not None

    def pay_by_card(self, payment_id: int, actor: str,
                    on_progress: Callable[[int], None] | None = None) -> PaymentRecord:
        """Charge the payment on the card terminal — at most once, whatever happens.

        Only the caller that claims the payment talks to the terminal; everyone else (a
        double tap, a second browser tab) gets the payment as it stands. Returns the row
        afterwards: SUCCEEDED, FAILED (declined), UNKNOWN (answer lost) or, when the
        terminal certainly never received the request, PENDING again with no method.
        """
        payment = self.get(payment_id)
        if payment.state != PENDING or payment.method == METHOD_CARD:
            return payment
        if payment.method is not None:
            raise PaymentClosed("This payment is already being paid by bank transfer (VietQR).",
                                "Khoản này đang được thanh toán bằng chuyển khoản VietQR.")
        driver = self.terminal()
        if driver is None:
            raise MethodUnavailable("This station has no card terminal; please pay by VietQR transfer.",
                                    "Trạm không có máy thanh toán thẻ; vui lòng chuyển khoản VietQR.")
        self._settle_earlier_card_payments(payment.id, actor)
        reference = payment.id % TERMINAL_REFERENCES
        # In flight before the claim commits, so no other thread "resolves" it meanwhile.
        self.in_flight.add(payment.id)
        try:
            claimed = self._transition(
                payment.id, expect=(PENDING,), extra_where=PaymentRecord.method.is_null(),
                changes={"method": METHOD_CARD, "terminal_reference": reference, "authorising_at": self.clock()},
                action="payments.card.authorise", outcome="ok", actor=actor,
                details={"terminal_reference": reference, "amount_vnd": int(payment.amount_vnd)})
        except BaseException:
            self.in_flight.discard(payment.id)
            raise
        if claimed is None:
            self.in_flight.discard(payment.id)
            return self.get(payment_id)
        try:
            final = self._authorise(driver, claimed, reference, actor, on_progress)
        finally:
            self.in_flight.discard(payment.id)
            self.progress.pop(payment.id, None)
        if final.state in FINAL_STATES:
            self.after_settle(final, print_receipt=True)
        return final

    def _settle_earlier_card_payments(self, payment_id: int, actor: str) -> None:
        """Resolve card payments whose answer was lost before the terminal takes a new one.

        The terminal reports only its *last* transaction, so a lost answer must be looked up
        before another authorisation hides it. If one stays unresolved (terminal unreachable,
        answer undecided) no new card payment starts: nothing is charged, the citizen may pay
        by VietQR. A payment the terminal's data cannot decide (manager alert
        ``terminal_unmatched``) does not block the terminal: only a person can settle it.
        """
        lost = PaymentRecord.select().where(
            (PaymentRecord.method == METHOD_CARD) & (PaymentRecord.id != payment_id)
            & PaymentRecord.terminal_trace.is_null()
            & ((PaymentRecord.state == UNKNOWN)
               | ((PaymentRecord.state == PENDING) & PaymentRecord.authorising_at.is_null(False))))
        for earlier in list(lost.order_by(PaymentRecord.id.desc())):
            if earlier.id in self.in_flight or _left_to_a_person(earlier.id):
                continue  # being charged by another thread; or the terminal's data cannot decide it
            settled = self.resolve_with_terminal(earlier, actor)
            if settled.state not in FINAL_STATES and not _left_to_a_person(earlier.id):
                raise MethodUnavailable(
                    "The card terminal has an earlier payment whose result is not known yet; nothing was "
                    "charged. Please pay by VietQR transfer or ask the staff.",
                    "Máy thanh toán thẻ còn một giao dịch trước chưa rõ kết quả; chưa trừ tiền. "
                    "Vui lòng chuyển khoản VietQR hoặc hỏi nhân viên.")

    def _authorise(self, driver: Any, payment: PaymentRecord, reference: int, actor: str,
                   on_progress: Callable[[int], None] | None) -> PaymentRecord:
        from hal.drivers.payment_terminal import PaymentDeclined, PaymentOutcomeUnknown
        from hal.errors import DeviceBusy, HalError

        def progress(code: int) -> None:
            self.progress[payment.id] = code
            if on_progress is not None:
                on_progress(code)

        deadline = time.monotonic() + self.busy_wait_seconds
        try:
            while True:
                try:
                    result = driver.authorise(int(payment.amount_vnd), reference, progress)
                    break
                except DeviceBusy:  # a heartbeat holds the port for a moment: nothing was sent
                    if time.monotonic() >= deadline:
                        raise
                    self.sleep(0.05)
        except PaymentDeclined as exc:
            return (self._fail(payment, actor, "terminal", "declined", extra=_terminal_numbers(exc.result))
                    or self.get(payment.id))
        except PaymentOutcomeUnknown as exc:
            return self._mark_unknown(payment, actor, exc.code)
        except HalError as exc:
            # The terminal certainly did not receive the authorisation (driver contract):
            # release the claim so the citizen may try again or pay another way.
            code = getattr(exc, "code", type(exc).__name__)
            released = self._transition(
                payment.id, expect=(PENDING,), extra_where=PaymentRecord.terminal_reference == reference,
                changes={"method": None, "terminal_reference": None, "authorising_at": None},
                action="payments.card.not_sent", outcome="failed", actor=actor,
                details={"terminal_reference": reference, "code": str(code)[:32]})
            if released is None:
                return self.get(payment.id)
            raise TerminalError(Text(
                vi="Máy thanh toán thẻ hiện không sẵn sàng; chưa trừ tiền. Vui lòng thử lại sau hoặc chuyển khoản VietQR.",
                en="The card terminal is not available right now; nothing was charged. "
                   "Try again in a moment or pay by VietQR transfer.")) from None
        except Exception:  # noqa: BLE001 — anything unexpected after the claim: assume it may have charged
            log.exception("payment %s: unexpected error during authorisation", payment.id)
            return self._mark_unknown(payment, actor, "driver_error")
        if result.amount_vnd is not None and result.amount_vnd != int(payment.amount_vnd):
            self.alert("payments", "amount_mismatch", f"payment:{payment.id}",
                       "Máy POS báo số tiền khác với khoản thanh toán; cần kiểm tra.",
                       "The terminal reported a different amount than the payment; check it.")
            return self._mark_unknown(payment, actor, "amount_mismatch")
        provider = f"{result.terminal_id or ''}/{result.receipt_number or ''}".strip("/") or None
        return (self._succeed(payment, actor, "terminal", provider, extra=_terminal_numbers(result))
                or self.get(payment.id))

    def _mark_unknown(self, payment: PaymentRecord, actor: str, why: str) -> PaymentRecord:
        moved = self._transition(
            payment.id, expect=(PENDING,), changes={"state": UNKNOWN, "failure_code": why[:32]},
            action="payments.unknown", outcome="failed", actor=actor,
            details={"method": payment.method, "terminal_reference": payment.terminal_reference, "why": why[:32]})
        return moved or self.get(payment.id)

    def resolve_with_terminal(self, payment: PaymentRecord, actor: str) -> PaymentRecord:
        """Find out from the terminal what became of a claimed card payment and settle it.

        Never a new charge: the terminal reports its last transaction (Repeat Receipt) with
        its own trace number, and :meth:`_match_last_transaction` decides whether it is this
        payment's. Leaves the payment as it is (UNKNOWN) when the terminal cannot be asked
        now or its answer does not decide the question (a manager alert says so).
        """
        from hal.errors import HalError

        driver = self.terminal()
        if driver is None or payment.terminal_reference is None:
            return self._mark_unknown(payment, actor, "no_terminal") if payment.state == PENDING else payment
        try:
            answer = driver.last_transaction()
        except HalError as exc:
            log.warning("payment %s: terminal enquiry failed (%s: %s)", payment.id, type(exc).__name__, exc)
            return self._mark_unknown(payment, actor, "enquiry_failed") if payment.state == PENDING else payment
        verdict = self._match_last_transaction(payment, answer)
        if verdict == "not_charged":
            settled = self._fail(payment, actor, "enquiry", "not_charged")
        elif verdict == "undecided":
            self.alert("payments", "terminal_unmatched", f"payment:{payment.id}",
                       f"Không xác định được khoản thanh toán thẻ số {payment.id} từ giao dịch cuối của máy POS; "
                       "cần đối chiếu nhật ký của máy POS.",
                       f"Card payment {payment.id} could not be matched with the terminal's last transaction; "
                       "check the terminal's journal.")
            return self._mark_unknown(payment, actor, "unmatched") if payment.state == PENDING else payment
        elif answer.outcome == "approved":
            provider = f"{answer.terminal_id or ''}/{answer.receipt_number or ''}".strip("/") or None
            settled = self._succeed(payment, actor, "enquiry", provider, extra=_terminal_numbers(answer))
        else:
            settled = self._fail(payment, actor, "enquiry", "declined", extra=_terminal_numbers(answer))
        return settled or self.get(payment.id)

    @staticmethod
    def _match_last_transaction(payment: PaymentRecord, answer: Any) -> str:
        """``mine``, ``not_charged`` or ``undecided`` for the terminal's last transaction.

        The station talks to its terminal one payment at a time, so a lost authorisation is
        the terminal's last transaction unless a later one followed. A trace number another
        payment holds is that payment's: if that payment was claimed before this one, this
        one never reached the terminal. An unknown trace number with this payment's amount
        is this payment's, provided no later card payment is still unresolved.
        """
        if answer.outcome == "not_found" or answer.trace_number is None:
            return "not_charged" if answer.outcome == "not_found" else "undecided"
        if payment.terminal_trace is not None:
            return "mine" if payment.terminal_trace == answer.trace_number else "undecided"
        def claimed_at(record: PaymentRecord) -> float:
            return record.authorising_at if record.authorising_at is not None else record.created_at

        since = claimed_at(payment)
        holder = (PaymentRecord.select().where((PaymentRecord.terminal_trace == answer.trace_number)
                                               & (PaymentRecord.id != payment.id))
                  .order_by(PaymentRecord.id.desc()).first())
        if holder is not None:
            return "not_charged" if claimed_at(holder) < since else "undecided"
        later = PaymentRecord.select().where(
            (PaymentRecord.method == METHOD_CARD) & PaymentRecord.terminal_trace.is_null()
            & PaymentRecord.state.in_((PENDING, UNKNOWN)) & (PaymentRecord.id != payment.id)
            & (PaymentRecord.authorising_at > since)).exists()
        if later or answer.amount_vnd != int(payment.amount_vnd):
            return "undecided"
        return "mine"

    # ---- VietQR ----------------------------------------------------------------------

    def choose_vietqr(self, payment_id: int, actor: str) -> PaymentRecord:
        """Issue the dynamic VietQR code for the payment (once; again returns the same code)."""
        payment = self.get(payment_id)
        if payment.method == METHOD_VIETQR or payment.state != PENDING:
            return payment
        if payment.method is not None:
            raise PaymentClosed("This payment is already being paid by card.",
                                "Khoản này đang được thanh toán bằng thẻ.")
        merchant = self.bank().merchant
        code = f"CS{payment.id}{secrets.token_hex(3).upper()}"
        payload = encode_vietqr(merchant.bin, merchant.account, amount=int(payment.amount_vnd), purpose=code,
                                dynamic=True)
        issued = self._transition(
            payment.id, expect=(PENDING,), extra_where=PaymentRecord.method.is_null(),
            changes={"method": METHOD_VIETQR, "transfer_code": code, "qr_payload": payload,
                     "expires_at": self.clock() + self.qr_ttl_seconds},
            action="payments.vietqr.issue", outcome="ok", actor=actor,
            details={"transfer_code": code, "amount_vnd": int(payment.amount_vnd), "bin": merchant.bin})
        return issued or self.get(payment_id)

    def check_vietqr(self, payment_id: int, actor: str) -> PaymentRecord:
        """Poll the bank for the payment's transfer; settle it, or fail it once the QR expired."""
        payment = self.get(payment_id)
        if payment.method != METHOD_VIETQR or payment.state not in (PENDING, UNKNOWN):
            return payment
        try:
            transfer = self.bank().transfer_for(payment.transfer_code)
        except BankUnavailable:
            return payment
        if transfer is not None:
            return self.record_transfer(transfer, actor, via="poll") or self.get(payment_id)
        if payment.expires_at is not None and self.clock() > payment.expires_at:
            expired = self._fail(payment, actor, "poll", "expired")
            if expired is not None:
                self.after_settle(expired)
                return expired
        return self.get(payment_id)

    def record_transfer(self, transfer: BankTransfer, actor: str, via: str) -> PaymentRecord | None:
        """The bank received ``transfer`` (notification or poll): settle its payment once."""
        payment = PaymentRecord.get_or_none(PaymentRecord.transfer_code == transfer.transfer_code)
        if payment is None:
            self.alert("payments", "unknown_transfer", f"bank:{transfer.bank_txn_id}",
                       "Ngân hàng báo một khoản chuyển khoản không khớp khoản thanh toán nào; cần hoàn tiền.",
                       "The bank reported a transfer that matches no payment; it must be refunded.")
            return None
        if payment.state == SUCCEEDED and payment.provider_ref == transfer.bank_txn_id:
            return payment  # the same transfer told twice (notification and poll)
        if payment.state in (PENDING, UNKNOWN) and transfer.amount_vnd == int(payment.amount_vnd):
            settled = self._succeed(payment, actor, via, transfer.bank_txn_id)
            if settled is not None:
                self.after_settle(settled, print_receipt=via != "reconcile")
                return settled
            return self.get(payment.id)
        kind = "amount_mismatch" if payment.state in (PENDING, UNKNOWN) else "late_transfer"
        self.alert("payments", kind, f"bank:{transfer.bank_txn_id}",
                   f"Khoản chuyển khoản cho thanh toán số {payment.id} không thể ghi nhận ({kind}); cần hoàn tiền.",
                   f"A transfer for payment {payment.id} cannot be accepted ({kind}); it must be refunded.")
        return payment

    def cancel(self, payment_id: int, actor: str) -> PaymentRecord:
        """The citizen gives up a PENDING payment (not while the terminal is charging)."""
        payment = self.get(payment_id)
        if payment.state != PENDING:
            return payment
        if payment.method == METHOD_CARD:
            raise PaymentClosed("The card terminal is processing this payment; wait for its answer.",
                                "Máy POS đang xử lý khoản này; vui lòng chờ kết quả.")
        if payment.method == METHOD_VIETQR:
            checked = self.check_vietqr(payment_id, actor)
            if checked.state != PENDING:
                return checked
        cancelled = self._fail(payment, actor, "citizen", "cancelled", expect=(PENDING,))
        if cancelled is not None:
            self.after_settle(cancelled)
            return cancelled
        return self.get(payment_id)

    # ---- after a final state ---------------------------------------------------------

    def after_settle(self, payment: PaymentRecord, print_receipt: bool = False) -> None:
        """Tell the plugin and (for a SUCCEEDED payment at the kiosk) print the receipt."""
        self.deliver_notification(payment.id)
        if print_receipt and payment.state == SUCCEEDED:
            self.print_receipt(payment.id, actor="system")

    def deliver_notification(self, payment_id: int) -> bool:
        """Call the plugin's ``payment_settled`` for a final payment not yet notified.

        At least once: the flag is set after the hook returned, so a crash in between
        repeats the call after restart (plugins' handlers are idempotent).
        """
        if self.notify is None:
            return False
        with self._notify_lock:
            payment = self.get(payment_id)
            if payment.state not in FINAL_STATES or payment.notified:
                return False
            try:
                self.notify(view_of(payment))
            except Exception as exc:  # noqa: BLE001 — a plugin's error must not lose the payment
                log.warning("payment %s: plugin %s payment_settled raised %s; will retry",
                            payment.id, payment.plugin, type(exc).__name__)
                return False
            PaymentRecord.update(notified=True).where(PaymentRecord.id == payment_id).execute()
            return True

    # ---- receipts --------------------------------------------------------------------

    def receipt_document(self, payment: PaymentRecord, receipt: ReceiptRecord) -> ReceiptDocument:
        """What the receipt of ``payment`` says."""
        site = self.site
        return ReceiptDocument(
            site_name={"vi": site.get("name_vi", ""), "en": site.get("name_en", "")},
            site_address=site.get("address", ""), number=receipt.number, issued_at=float(receipt.created_at),
            description=payment.description_dict, amount_vnd=int(payment.amount_vnd), method=payment.method or "",
            payment_id=payment.id, reference=payment.reference, provider_ref=payment.provider_ref,
            rows=tuple(payment.receipt_rows), audit_index=int(receipt.audit_index),
            verify_url=verify_url_for(self.public_url(), int(receipt.audit_index)), simulated=self.simulated,
            zone=site.get("timezone") or DEFAULT_ZONE)

    def print_receipt(self, payment_id: int, actor: str) -> ReceiptRecord:
        """Print the receipt on the station's ESC/POS printer, recording how it went.

        Paper out (or any printer failure) never loses the payment: the receipt stays on
        screen and downloadable, the print state says ``failed`` and a manager alert is
        raised so someone loads paper.
        """
        from core.devices import ABSENT, DeviceUnavailable, use_driver

        payment = self.get(payment_id)
        receipt = self.receipt_of(payment_id)
        if receipt is None:
            raise PaymentClosed("Only a completed payment has a receipt.", "Chỉ khoản đã thanh toán mới có biên lai.")
        document = escpos_receipt(self.receipt_document(payment, receipt))
        try:  # the station's one device-use path: absent / not ready (reason) / busy / failed
            use_driver("receipt_printer", self.printer(), lambda printer: printer.print_receipt(document))
        except DeviceUnavailable as exc:
            if exc.state == ABSENT:  # only a station without a printer says so — not a printer out of paper
                ReceiptRecord.update(print_state="no_printer").where(ReceiptRecord.id == receipt.id).execute()
                return ReceiptRecord.get_by_id(receipt.id)
            code = exc.reason_code if exc.code in ("not_ready", "error") else exc.code
            with transaction():
                ReceiptRecord.update(print_state="failed", print_error=str(code)[:32]).where(
                    ReceiptRecord.id == receipt.id).execute()
                self._audit("payments.receipt.print", payment_id, actor, "failed",
                            {"receipt": receipt.number, "code": str(code)[:32], "state": exc.state})
                if code == "paper_out":
                    self.alert("printer", "paper_out", f"receipt:{receipt.number}",
                               "Máy in biên lai hết giấy: hãy lắp cuộn giấy mới và in lại biên lai "
                               f"{receipt.number}.",
                               f"The receipt printer is out of paper: load a new roll and reprint receipt "
                               f"{receipt.number}.")
                else:
                    self.alert("printer", "print_failed", f"receipt:{receipt.number}",
                               f"Không in được biên lai {receipt.number}: {exc.vi}",
                               f"Receipt {receipt.number} could not be printed: {exc.en}")
            return ReceiptRecord.get_by_id(receipt.id)
        with transaction():
            ReceiptRecord.update(print_state="printed", print_error=None, printed_at=self.clock()).where(
                ReceiptRecord.id == receipt.id).execute()
            self._audit("payments.receipt.print", payment_id, actor, "ok", {"receipt": receipt.number})
            self._resolve_alerts_of(f"receipt:{receipt.number}", actor)  # the reprint dealt with them
        return ReceiptRecord.get_by_id(receipt.id)

    # ---- manager alerts --------------------------------------------------------------

    def alert(self, source: str, kind: str, object_ref: str | None, message_vi: str, message_en: str) -> ManagerAlert:
        """Raise an alert for the station manager (one open alert per kind and object)."""
        with transaction():
            existing = ManagerAlert.get_or_none((ManagerAlert.kind == kind) & (ManagerAlert.object_ref == object_ref)
                                                & ManagerAlert.resolved_at.is_null())
            if existing is not None:
                return existing
            alert = ManagerAlert.create(created_at=self.clock(), source=source, kind=kind, object_ref=object_ref,
                                        message_vi=message_vi, message_en=message_en)
        if self.on_alert is not None:
            self.on_alert({"alert": alert.id, "created_at": alert.created_at, "source": source, "kind": kind,
                           "object": object_ref, "message_vi": message_vi, "message_en": message_en})
        return alert

    @staticmethod
    def open_alerts() -> list[ManagerAlert]:
        """Unresolved alerts, newest first (for the manager console)."""
        return list(ManagerAlert.select().where(ManagerAlert.resolved_at.is_null())
                    .order_by(ManagerAlert.id.desc()))

    def _resolve_alerts_of(self, object_ref: str, who: str) -> None:
        """Resolve (audited) every open alert about ``object_ref``, in the caller's transaction."""
        for alert in ManagerAlert.select().where((ManagerAlert.object_ref == object_ref)
                                                 & ManagerAlert.resolved_at.is_null()):
            self.resolve_alert(alert.id, who)

    @staticmethod
    def open_alert_count() -> int:
        """How many alerts wait for the manager (the console's badge)."""
        return ManagerAlert.select().where(ManagerAlert.resolved_at.is_null()).count()

    def resolve_alert(self, alert_id: int, who: str) -> None:
        """Mark an alert as dealt with (audited)."""
        with transaction():
            if ManagerAlert.update(resolved_at=self.clock(), resolved_by=who[:64]).where(
                    (ManagerAlert.id == alert_id) & ManagerAlert.resolved_at.is_null()).execute():
                self.audit.record("payments.alert.resolve", actor=who, plugin="core",
                                  object_ref=f"alert:{alert_id}")


def _terminal_numbers(result: Any) -> dict[str, Any]:
    """The card terminal's own trace and receipt numbers, as columns of the payment."""
    return {"terminal_trace": result.trace_number, "terminal_receipt": result.receipt_number}


def _left_to_a_person(payment_id: int) -> bool:
    """True once the terminal's last transaction could not decide the payment (alert raised)."""
    return ManagerAlert.select().where((ManagerAlert.kind == "terminal_unmatched")
                                       & (ManagerAlert.object_ref == f"payment:{payment_id}")).exists()
