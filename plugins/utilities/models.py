"""The utilities plugin's tables: saved customer codes (encrypted, with consent) and paid bills."""

from __future__ import annotations

import peewee

from sdk import Model
from sdk.privacy import EncryptedTextField, PersonalDataModel


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


class BillPayment(Model):
    """A bill paid at this station; written in ``payment_settled`` with its audit entry."""

    bill_id = peewee.CharField(max_length=32, index=True)
    kind = peewee.CharField(max_length=16)
    payment_id = peewee.IntegerField(index=True)
    citizen_id = peewee.IntegerField(index=True)
    amount_vnd = peewee.BigIntegerField()
    paid_at = peewee.DoubleField()

    class Meta:
        table_name = "utilities_bill_payment"
        indexes = ((("bill_id", "payment_id"), True),)
