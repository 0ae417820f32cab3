"""Banking tables as of plugin version 1.0.0: transfers, daily limit use, account openings,
and the embedded simulated bank (customers, accounts, bookings, executed orders).

Frozen copies: later changes to plugins/banking/models.py never change this migration.
"""

import peewee


def migrate(db):
    class Base(peewee.Model):
        class Meta:
            database = db

    class Transfer(Base):
        idempotency_key = peewee.CharField(max_length=64, unique=True)
        request_hash = peewee.CharField(max_length=64)
        citizen_id = peewee.IntegerField(index=True)
        from_account = peewee.CharField(max_length=32)
        to_bin = peewee.CharField(max_length=6)
        to_kind = peewee.CharField(max_length=8)
        to_number_last4 = peewee.CharField(max_length=4)
        amount_vnd = peewee.BigIntegerField()
        state = peewee.CharField(max_length=16)
        refusal = peewee.CharField(max_length=32, null=True)
        bank_ref = peewee.CharField(max_length=64, null=True)
        biometric = peewee.BooleanField(default=False)
        created_at = peewee.DoubleField()
        audit_index = peewee.BigIntegerField(null=True)

        class Meta:
            table_name = "banking_transfer"

    class DailyUsage(Base):
        citizen_id = peewee.IntegerField()
        day = peewee.CharField(max_length=10)
        used_vnd = peewee.BigIntegerField(default=0)

        class Meta:
            table_name = "banking_daily_usage"
            indexes = ((("citizen_id", "day"), True),)

    class AccountOpening(Base):
        citizen_id = peewee.IntegerField(index=True)
        account_number = peewee.CharField(max_length=32)
        face_score = peewee.IntegerField()
        opened_at = peewee.DoubleField()
        audit_index = peewee.BigIntegerField(null=True)

        class Meta:
            table_name = "banking_account_opening"

    class SimCustomer(Base):
        cif = peewee.CharField(max_length=16, unique=True)
        key_hash = peewee.CharField(max_length=64, unique=True)
        holder_name = peewee.CharField(max_length=128)
        created_at = peewee.DoubleField()

        class Meta:
            table_name = "banking_sim_customer"

    class SimAccount(Base):
        number = peewee.CharField(max_length=32, unique=True)
        cif = peewee.CharField(max_length=16, index=True)
        product = peewee.CharField(max_length=32)
        opening_balance = peewee.BigIntegerField()
        balance = peewee.BigIntegerField()
        opened_at = peewee.DoubleField()

        class Meta:
            table_name = "banking_sim_account"

    class SimEntry(Base):
        account_number = peewee.CharField(max_length=32, index=True)
        amount = peewee.BigIntegerField()
        balance_after = peewee.BigIntegerField()
        at = peewee.DoubleField(index=True)
        kind = peewee.CharField(max_length=16)
        description = peewee.CharField(max_length=140)
        counterparty = peewee.CharField(max_length=160, default="")
        reference = peewee.CharField(max_length=64, default="", index=True)

        class Meta:
            table_name = "banking_sim_entry"

    class SimOrder(Base):
        reference = peewee.CharField(max_length=64, unique=True)
        bank_ref = peewee.CharField(max_length=32)
        amount = peewee.BigIntegerField()
        balance_after = peewee.BigIntegerField()

        class Meta:
            table_name = "banking_sim_order"

    db.create_tables([Transfer, DailyUsage, AccountOpening, SimCustomer, SimAccount, SimEntry, SimOrder])
