"""The utilities plugin's tables: saved customer codes (encrypted, with consent) and paid bills
(encrypted, found by keyed blind index)."""

from __future__ import annotations

import peewee

from sdk.privacy import EncryptedJSONField, EncryptedTextField, PersonalDataModel


class SavedCode(PersonalDataModel):
    """A customer code the citizen saved to their profile (only after consenting)."""

    data_category = "personal"
    plugin_id = "utilities"
    timestamp_field = "saved_at"
    citizen_id = peewee.IntegerField(index=True)
    kind = peewee.CharField(max_length=16)
    code = EncryptedTextField()
    saved_at = peewee.DoubleField()

    class Meta:
        table_name = "utilities_saved_code"


class BillPayment(PersonalDataModel):
    """A bill paid at this station; written in ``payment_settled`` with its audit entry.

    The bill id (it carries the end of the customer code) and the amount are encrypted with
    the citizen's data key (issue 16); ``bill_index`` (its keyed blind index) answers "was this
    bill paid here?". No consent gate: the record is the citizen's own payment.
    """

    data_category = "financial"
    requires_consent = False
    blind_indexes = {"bill_index": "bill_id"}
    bill_id = EncryptedTextField(column_name="bill_id_sealed", null=True)
    bill_index = peewee.CharField(max_length=64, null=True)
    kind = peewee.CharField(max_length=16)
    payment_id = peewee.IntegerField(index=True)
    citizen_id = peewee.IntegerField(index=True)
    amount_vnd = EncryptedJSONField(column_name="amount_sealed", null=True)
    paid_at = peewee.DoubleField()

    class Meta:
        table_name = "utilities_bill_payment"
        indexes = ((("bill_index", "payment_id"), True),)
