"""Transfers: checks, the idempotent execution, refusals — each with its audit entry.

``execute_transfer`` is the one place money moves. In one database transaction it claims the
idempotency key (a unique row), reserves the day's limit, has the bank execute the order and
writes the audit entry; a refusal rolls the reservation back and is recorded and audited
instead. A second attempt with the same key — a retry, a double tap, a concurrent request —
gets the first attempt's result and moves nothing: on SQLite the write transactions are
serialised, on PostgreSQL the second INSERT of the key waits for the first transaction and
then fails on the unique constraint, after which the committed row is read.

The same holds across forms: an identical transfer (same citizen, accounts, amount and
description, same Vietnam day — :func:`dedupe_key`) confirmed from a second tab is not sent;
the citizen sees the first one and may deliberately send it again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta, timezone

import peewee

from sdk import UserInputError, audit, pick, transaction

from .connector import BankRefusal, CoreBanking, TransferOrder
from .models import REFUSED, SUCCEEDED, DailyUsage, Transfer
from .rules import face_check_required

VIETNAM = timezone(timedelta(hours=7))
NAPAS_MAX_VND = 499_999_999
"""NAPAS 247 takes a single transfer below 500 million VND."""

REFUSALS = {
    "insufficient_funds": ("Số dư không đủ để thực hiện giao dịch này.",
                           "Your balance is not enough for this transfer."),
    "over_daily_limit": ("Giao dịch vượt hạn mức chuyển khoản trong ngày.",
                         "This transfer is over your daily transfer limit."),
    "beneficiary_not_found": ("Không tìm thấy tài khoản hoặc thẻ người nhận tại ngân hàng đã chọn. "
                              "Vui lòng kiểm tra lại số và ngân hàng.",
                              "No such account or card at the chosen bank. Please check the number "
                              "and the bank."),
    "biometric_mismatch": ("Khuôn mặt không khớp với ảnh trong thẻ căn cước. Giao dịch bị từ chối.",
                           "Your face did not match the portrait on your ID card. The transfer was refused."),
    "liveness_failed": ("Không xác nhận được người thật trước camera. Giao dịch bị từ chối.",
                        "The camera could not confirm a live person. The transfer was refused."),
    "account_not_found": ("Tài khoản nguồn không thuộc về bạn.",
                          "The account to pay from is not yours."),
    "biometric_required": ("Giao dịch này cần xác thực khuôn mặt trước (trên 10 triệu đồng, hoặc làm tổng "
                           "chuyển trong ngày vượt 20 triệu đồng).",
                           "This transfer needs the face check first (above 10 million VND, or it takes the "
                           "day's total above 20 million VND)."),
}


class TransferRefused(Exception):
    """A refusal with a stable ``code`` (audit, tests) and a message for the citizen."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code

    @property
    def message(self) -> str:
        vi, en = REFUSALS.get(self.code, ("Giao dịch bị từ chối.", "The transfer was refused."))
        return pick(vi, en)


@dataclass(frozen=True)
class TransferDraft:
    """A validated transfer request (see :mod:`.schemas`)."""

    from_account: str
    to_bin: str
    to_kind: str
    to_number: str
    amount: int
    description: str

    def fingerprint(self) -> str:
        """SHA-256 of the canonical request: the same key with another body is an error."""
        text = json.dumps(asdict(self), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class TransferOutcome:
    transfer: Transfer
    replayed: bool
    duplicate: bool = False  # an identical transfer was already sent today: this one was not

    @property
    def succeeded(self) -> bool:
        return self.transfer.state == SUCCEEDED


def vietnam_day(epoch: float) -> str:
    """The calendar day in Vietnam (UTC+7) of an instant: the daily limit's period."""
    return datetime.fromtimestamp(epoch, UTC).astimezone(VIETNAM).date().isoformat()


def used_today(citizen_id: int, now: float) -> int:
    row = DailyUsage.get_or_none((DailyUsage.citizen_id == citizen_id) & (DailyUsage.day == vietnam_day(now)))
    return row.used_vnd if row else 0


def audit_refusal(citizen_id: int, code: str, amount: int, to_bin: str, action: str = "banking.transfer",
                  object_ref: str = "transfer:new", details: dict | None = None) -> None:
    """Record a refusal that moved nothing (its own transaction)."""
    with transaction():
        audit(action, actor=f"citizen:{citizen_id}", object_ref=object_ref, outcome="refused",
              details={"reason": code, "amount": amount, "to_bin": to_bin, **(details or {})})


def precheck(bank: CoreBanking, citizen_id: int, cif: str, draft: TransferDraft, daily_limit: int, now: float):
    """Before the confirmation screen: the beneficiary's name, the limit and the balance.

    Returns the beneficiary; raises :class:`TransferRefused` (not yet audited).
    """
    beneficiary = bank.lookup_beneficiary(draft.to_bin, draft.to_number, draft.to_kind)
    if beneficiary is None:
        raise TransferRefused("beneficiary_not_found")
    if used_today(citizen_id, now) + draft.amount > daily_limit:
        raise TransferRefused("over_daily_limit")
    balances = {a.number: a.balance for a in bank.accounts(cif)}
    if draft.from_account not in balances:
        raise TransferRefused("account_not_found")
    if balances[draft.from_account] < draft.amount:
        raise TransferRefused("insufficient_funds")
    return beneficiary


def _reserve_daily(citizen_id: int, day: str, amount: int, limit: int) -> int:
    """Add ``amount`` to the day's use within ``limit``; returns the use before this transfer.

    The UPDATE holds the row's write lock until the transaction ends, so the value read back is
    this transaction's own and two concurrent transfers see each other in order.
    """
    DailyUsage.insert(citizen_id=citizen_id, day=day, used_vnd=0).on_conflict_ignore().execute()
    reserved = (DailyUsage.update(used_vnd=DailyUsage.used_vnd + amount)
                .where((DailyUsage.citizen_id == citizen_id) & (DailyUsage.day == day)
                       & (DailyUsage.used_vnd + amount <= limit)).execute())
    if reserved != 1:
        raise TransferRefused("over_daily_limit")
    row = DailyUsage.get((DailyUsage.citizen_id == citizen_id) & (DailyUsage.day == day))
    return row.used_vnd - amount


def _replay(key: str, citizen_id: int, fingerprint: str) -> Transfer | None:
    row = Transfer.get_or_none(Transfer.idempotency_key == key)
    if row is None:
        return None
    if row.citizen_id != citizen_id or row.request_hash != fingerprint:
        raise UserInputError(pick("Biểu mẫu này đã được dùng cho một giao dịch khác. Vui lòng bắt đầu lại.",
                                  "This form was already used for a different transfer. Please start again."))
    return row


def _thresholds(single: int | None, daily: int | None) -> dict[str, int]:
    return {k: v for k, v in (("single_above", single), ("daily_above", daily)) if v is not None}


def dedupe_key(citizen_id: int, draft: TransferDraft, now: float) -> str:
    """What makes two transfers "the same": one citizen, the same request (from account,
    beneficiary, amount, description) on the same Vietnam calendar day (docs/payments.md)."""
    text = f"{citizen_id}|{draft.fingerprint()}|{vietnam_day(now)}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _same_sent(dedupe: str | None) -> Transfer | None:
    return Transfer.get_or_none(Transfer.dedupe_key == dedupe) if dedupe else None


def execute_transfer(bank: CoreBanking, *, citizen_id: int, cif: str, key: str, draft: TransferDraft,
                     daily_limit: int, biometric: bool, now: float,
                     face_thresholds: tuple[int, int] | None = None, send_again: bool = False) -> TransferOutcome:
    """Move the money once for ``key`` (see the module docstring); refusals are results too.

    ``biometric`` says a fresh face check passed for this transfer. The Decision 2345/QĐ-NHNN rule
    (:func:`.rules.face_check_required`) is checked again here against the day's use as reserved
    in this transaction, so two transfers confirmed together cannot both skip the face check
    that one of them needs; ``face_thresholds`` is the site's (single, daily) pair if stricter.

    An identical transfer already sent today (another tab's form, a form filled in twice) is
    not sent again: the outcome is that transfer with ``duplicate`` set, unless the citizen
    chose ``send_again`` after being told.
    """
    single, daily = face_thresholds or (None, None)
    fingerprint = draft.fingerprint()
    existing = _replay(key, citizen_id, fingerprint)
    if existing is not None:
        return TransferOutcome(existing, True)
    dedupe = None if send_again else dedupe_key(citizen_id, draft, now)
    sent = _same_sent(dedupe)
    if sent is not None:
        return TransferOutcome(sent, True, duplicate=True)
    try:
        with transaction():
            row = Transfer.create(
                idempotency_key=key, request_hash=fingerprint, citizen_id=citizen_id,
                from_account=draft.from_account, to_bin=draft.to_bin, to_kind=draft.to_kind,
                to_number_last4=draft.to_number[-4:], amount_vnd=draft.amount, state="PENDING",
                biometric=biometric, created_at=now, dedupe_key=dedupe)
            details = {"amount": draft.amount, "to_bin": draft.to_bin, "biometric": biometric}
            try:
                with transaction():  # a savepoint: a refusal undoes the limit reservation
                    used_before = _reserve_daily(citizen_id, vietnam_day(now), draft.amount, daily_limit)
                    if not biometric and face_check_required(draft.amount, used_before,
                                                             **_thresholds(single, daily)):
                        raise TransferRefused("biometric_required")
                    result = bank.transfer(TransferOrder(key, cif, draft.from_account, draft.to_bin, draft.to_kind,
                                                         draft.to_number, draft.amount, draft.description), now)
            except (TransferRefused, BankRefusal) as refusal:
                row.state, row.refusal, row.dedupe_key = REFUSED, refusal.code, None
                receipt = audit("banking.transfer", actor=f"citizen:{citizen_id}",
                                object_ref=f"transfer:{row.id}", outcome="refused",
                                details={**details, "reason": refusal.code})
            else:
                row.state, row.bank_ref = SUCCEEDED, result.bank_ref
                receipt = audit("banking.transfer", actor=f"citizen:{citizen_id}",
                                object_ref=f"transfer:{row.id}", outcome="ok",
                                details={**details, "bank_ref": result.bank_ref})
            row.audit_index = receipt.index
            row.save()
    except peewee.IntegrityError:
        # Another request committed first (PostgreSQL: we waited for it): this key, or the
        # identical transfer from another tab.
        existing = _replay(key, citizen_id, fingerprint)
        if existing is not None:
            return TransferOutcome(existing, True)
        sent = _same_sent(dedupe)
        if sent is None:
            raise
        return TransferOutcome(sent, True, duplicate=True)
    return TransferOutcome(row, False)
