"""Tables of the payment service: payments, receipts, manager alerts, the bank simulator's book.

Amounts are integer VND. A payment's ``state`` moves PENDING → SUCCEEDED | FAILED | UNKNOWN
(UNKNOWN → SUCCEEDED | FAILED once the terminal or bank has been asked); each move commits
with its audit entry. ``docs/payments.md`` describes every column that matters.
"""

from __future__ import annotations

import json
from typing import Any

import peewee

from core.db import BaseModel
from core.payments.sealing import CLAIM_PURPOSE, BlindIndexField, SealedTextField, seal_row

PENDING = "PENDING"
SUCCEEDED = "SUCCEEDED"
FAILED = "FAILED"
UNKNOWN = "UNKNOWN"
STATES = (PENDING, SUCCEEDED, FAILED, UNKNOWN)
FINAL_STATES = (SUCCEEDED, FAILED)

METHOD_VIETQR = "vietqr"
METHOD_CARD = "card"
METHODS = (METHOD_VIETQR, METHOD_CARD)
SEALED_FIELDS = ("description", "receipt_lines")


class PaymentRecord(BaseModel):
    """One payment attempt of one citizen for one plugin's object."""

    idempotency_key = peewee.CharField(max_length=64, unique=True)  # SHA-256 of plugin, payer, key
    request_hash = peewee.CharField(max_length=64)
    payer_citizen_id = peewee.IntegerField(index=True)
    plugin = peewee.CharField(max_length=64)
    purpose = peewee.CharField(max_length=64)
    reference = peewee.CharField(max_length=128)
    amount_vnd = peewee.BigIntegerField()
    description = SealedTextField()  # JSON {"vi": ..., "en": ...}, encrypted (core.payments.sealing)
    return_url = peewee.TextField()
    receipt_lines = SealedTextField(default="[]")  # JSON [[label, value], ...], encrypted
    state = peewee.CharField(max_length=16, index=True)
    method = peewee.CharField(max_length=16, null=True)
    created_at = peewee.DoubleField()
    updated_at = peewee.DoubleField()
    settled_at = peewee.DoubleField(null=True)
    terminal_reference = peewee.IntegerField(null=True, index=True)
    authorising_at = peewee.DoubleField(null=True)
    terminal_trace = peewee.IntegerField(null=True, index=True)  # the card terminal's own trace number
    terminal_receipt = peewee.IntegerField(null=True)  # the card terminal's own receipt number
    status_token = peewee.CharField(max_length=32, null=True, unique=True)  # opaque: the card waiting page's URL
    transfer_code = peewee.CharField(max_length=25, null=True, unique=True)
    qr_payload = peewee.TextField(null=True)
    expires_at = peewee.DoubleField(null=True)
    provider_ref = peewee.CharField(max_length=64, null=True)
    failure_code = peewee.CharField(max_length=32, null=True)
    audit_index = peewee.BigIntegerField(null=True)
    notified = peewee.BooleanField(default=False)
    objects = peewee.TextField(null=True)  # JSON ["fine:VP1", ...]: what it pays (claims while open or paid)

    class Meta:
        table_name = "payments"

    def save(self, force_insert: bool = False, only: Any = None) -> Any:
        """Save, sealing the description and receipt lines with the payer's data key."""
        clear = seal_row(self, SEALED_FIELDS)
        try:
            return super().save(force_insert=force_insert, only=only)
        finally:
            self.__data__.update(clear)

    @property
    def description_dict(self) -> dict[str, str]:
        return json.loads(self.description)

    @property
    def paid_objects(self) -> tuple[str, ...]:
        """The objects this payment pays (its ``reference`` for payments made before claims)."""
        return tuple(json.loads(self.objects)) if self.objects else (self.reference,)

    @property
    def receipt_rows(self) -> list[tuple[str, str]]:
        return [(str(label), str(value)) for label, value in json.loads(self.receipt_lines)]


class PaymentClaim(BaseModel):
    """One object held by one payment: the row exists while the payment is open or succeeded.

    The unique (plugin, object) key is the guarantee that an object — a fine, one bill, an
    order, a dossier fee — has at most one open-or-succeeded payment, whatever the number of
    tabs, reloads or concurrent requests. A payment that fails (declined, cancelled, expired)
    deletes its claims in the same transaction, which releases the objects.
    """

    plugin = peewee.CharField(max_length=64)
    object = BlindIndexField(CLAIM_PURPOSE)  # keyed blind index of the object, never the clear ref
    payment_id = peewee.IntegerField(index=True)
    claimed_at = peewee.DoubleField()

    class Meta:
        table_name = "payment_claims"
        indexes = ((("plugin", "object"), True),)


class ReceiptRecord(BaseModel):
    """The receipt of a SUCCEEDED payment, written in the same transaction as the success."""

    payment = peewee.ForeignKeyField(PaymentRecord, unique=True, backref="receipts", on_delete="RESTRICT")
    number = peewee.CharField(max_length=64, unique=True)
    created_at = peewee.DoubleField()
    audit_index = peewee.BigIntegerField()
    print_state = peewee.CharField(max_length=16, default="pending")  # pending|printed|failed|no_printer
    print_error = peewee.CharField(max_length=32, null=True)
    printed_at = peewee.DoubleField(null=True)

    class Meta:
        table_name = "payment_receipts"


class ManagerAlert(BaseModel):
    """Something a station manager must see and act on (paper out, a late transfer...)."""

    created_at = peewee.DoubleField()
    source = peewee.CharField(max_length=32)
    kind = peewee.CharField(max_length=32)
    object_ref = peewee.CharField(max_length=128, null=True)
    message_vi = peewee.TextField()
    message_en = peewee.TextField()
    resolved_at = peewee.DoubleField(null=True)
    resolved_by = peewee.CharField(max_length=64, null=True)

    class Meta:
        table_name = "manager_alerts"

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "created_at": self.created_at, "source": self.source, "kind": self.kind,
                "object": self.object_ref, "message": {"vi": self.message_vi, "en": self.message_en},
                "resolved_at": self.resolved_at, "resolved_by": self.resolved_by}


class BankSimTransfer(BaseModel):
    """SIMULATOR: a NAPAS 247 transfer the simulated bank received for the station's account."""

    bank_txn_id = peewee.CharField(max_length=32, unique=True)
    transfer_code = peewee.CharField(max_length=25, index=True)
    bin = peewee.CharField(max_length=6)
    account = peewee.CharField(max_length=19)
    amount_vnd = peewee.BigIntegerField()
    received_at = peewee.DoubleField()

    class Meta:
        table_name = "bank_sim_transfers"
