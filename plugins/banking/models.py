"""The banking plugin's tables (``banking_*``) and the simulated bank's (``banking_sim_*``).

The plugin keeps only what the station must answer for: each transfer attempt by its
idempotency key (unique: a retried or double-tapped attempt finds its first result), the
day's use of the transfer limit, and the accounts opened at this station. Balances and
transactions belong to the bank; with the embedded simulator they live in the
``banking_sim_*`` tables of the station database, so a simulated debit and the station's
audit entry commit in one transaction.
"""

from __future__ import annotations

import peewee

from sdk import Model
from sdk.privacy import EncryptedJSONField, EncryptedTextField, PersonalDataModel

SUCCEEDED = "SUCCEEDED"
REFUSED = "REFUSED"


class Transfer(PersonalDataModel):
    """One transfer attempt: the result the idempotency key always answers with.

    The accounts and the amount are encrypted with the citizen's data key (issue 16); the
    record is the citizen's own request, kept without a consent gate.
    """

    data_category = "financial"
    requires_consent = False
    idempotency_key = peewee.CharField(max_length=64, unique=True)
    request_hash = peewee.CharField(max_length=64)
    citizen_id = peewee.IntegerField(index=True)
    from_account = EncryptedTextField(column_name="from_account_sealed", null=True)
    to_bin = peewee.CharField(max_length=6)
    to_kind = peewee.CharField(max_length=8)
    to_number_last4 = EncryptedTextField(column_name="to_number_last4_sealed", null=True)
    amount_vnd = EncryptedJSONField(column_name="amount_sealed", null=True)
    state = peewee.CharField(max_length=16)
    refusal = peewee.CharField(max_length=32, null=True)
    bank_ref = peewee.CharField(max_length=64, null=True)
    biometric = peewee.BooleanField(default=False)
    created_at = peewee.DoubleField()
    audit_index = peewee.BigIntegerField(null=True)
    # sha256(citizen | request | Vietnam day): one sent transfer per identical request and day
    # (docs/payments.md); NULL when refused or when the citizen chose to send it again.
    dedupe_key = peewee.CharField(max_length=64, null=True, unique=True)

    class Meta:
        table_name = "banking_transfer"


class DailyUsage(Model):
    """How much of the daily limit a citizen used on one (Vietnam) calendar day."""

    citizen_id = peewee.IntegerField()
    day = peewee.CharField(max_length=10)
    used_vnd = peewee.BigIntegerField(default=0)

    class Meta:
        table_name = "banking_daily_usage"
        indexes = ((("citizen_id", "day"), True),)


class AccountOpening(PersonalDataModel):
    """An account opened at this station after eKYC (the number encrypted, issue 16)."""

    data_category = "financial"
    requires_consent = False
    citizen_id = peewee.IntegerField(index=True)
    account_number = EncryptedTextField(column_name="account_number_sealed", null=True)
    face_score = peewee.IntegerField()
    opened_at = peewee.DoubleField()
    audit_index = peewee.BigIntegerField(null=True)

    class Meta:
        table_name = "banking_account_opening"


# -- the simulated bank's own storage ------------------------------------------------------


class SimCustomer(Model):
    """A customer of the simulated bank, found by a hash of the ID number."""

    cif = peewee.CharField(max_length=16, unique=True)
    key_hash = peewee.CharField(max_length=64, unique=True)
    holder_name = peewee.CharField(max_length=128)  # as NAPAS shows it: capitals, no diacritics
    created_at = peewee.DoubleField()

    class Meta:
        table_name = "banking_sim_customer"


class SimAccount(Model):
    """An account at the simulated bank. ``balance = opening_balance + sum(entries)``."""

    number = peewee.CharField(max_length=32, unique=True)
    cif = peewee.CharField(max_length=16, index=True)
    product = peewee.CharField(max_length=32)
    opening_balance = peewee.BigIntegerField()
    balance = peewee.BigIntegerField()
    opened_at = peewee.DoubleField()

    class Meta:
        table_name = "banking_sim_account"


class SimEntry(Model):
    """One booking on an account (signed amount, VND)."""

    account_number = peewee.CharField(max_length=32, index=True)
    amount = peewee.BigIntegerField()
    balance_after = peewee.BigIntegerField()
    at = peewee.DoubleField(index=True)
    kind = peewee.CharField(max_length=16)  # seed | transfer_out | transfer_in
    description = peewee.CharField(max_length=140)
    counterparty = peewee.CharField(max_length=160, default="")
    reference = peewee.CharField(max_length=64, default="", index=True)

    class Meta:
        table_name = "banking_sim_entry"


class SimOrder(Model):
    """A payment order the simulated bank executed, by the station's order reference."""

    reference = peewee.CharField(max_length=64, unique=True)
    bank_ref = peewee.CharField(max_length=32)
    amount = peewee.BigIntegerField()
    balance_after = peewee.BigIntegerField()

    class Meta:
        table_name = "banking_sim_order"


PLUGIN_TABLES = [Transfer, DailyUsage, AccountOpening]
SIM_TABLES = [SimCustomer, SimAccount, SimEntry, SimOrder]
