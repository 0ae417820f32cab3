"""Payments: payment records, receipts, manager alerts and the bank simulator's book."""

import peewee


def migrate(db: peewee.Database) -> None:
    class Base(peewee.Model):
        class Meta:
            database = db
            legacy_table_names = False

    class PaymentRecord(Base):
        idempotency_key = peewee.CharField(max_length=64, unique=True)
        request_hash = peewee.CharField(max_length=64)
        payer_citizen_id = peewee.IntegerField(index=True)
        plugin = peewee.CharField(max_length=64)
        purpose = peewee.CharField(max_length=64)
        reference = peewee.CharField(max_length=128)
        amount_vnd = peewee.BigIntegerField()
        description = peewee.TextField()
        return_url = peewee.TextField()
        receipt_lines = peewee.TextField(default="[]")
        state = peewee.CharField(max_length=16, index=True)
        method = peewee.CharField(max_length=16, null=True)
        created_at = peewee.DoubleField()
        updated_at = peewee.DoubleField()
        settled_at = peewee.DoubleField(null=True)
        terminal_reference = peewee.IntegerField(null=True, index=True)
        authorising_at = peewee.DoubleField(null=True)
        transfer_code = peewee.CharField(max_length=25, null=True, unique=True)
        qr_payload = peewee.TextField(null=True)
        expires_at = peewee.DoubleField(null=True)
        provider_ref = peewee.CharField(max_length=64, null=True)
        failure_code = peewee.CharField(max_length=32, null=True)
        audit_index = peewee.BigIntegerField(null=True)
        notified = peewee.BooleanField(default=False)

        class Meta:
            table_name = "payments"

    class ReceiptRecord(Base):
        payment = peewee.ForeignKeyField(PaymentRecord, unique=True, on_delete="RESTRICT")
        number = peewee.CharField(max_length=64, unique=True)
        created_at = peewee.DoubleField()
        audit_index = peewee.BigIntegerField()
        print_state = peewee.CharField(max_length=16, default="pending")
        print_error = peewee.CharField(max_length=32, null=True)
        printed_at = peewee.DoubleField(null=True)

        class Meta:
            table_name = "payment_receipts"

    class ManagerAlert(Base):
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

    class BankSimTransfer(Base):
        bank_txn_id = peewee.CharField(max_length=32, unique=True)
        transfer_code = peewee.CharField(max_length=25, index=True)
        bin = peewee.CharField(max_length=6)
        account = peewee.CharField(max_length=19)
        amount_vnd = peewee.BigIntegerField()
        received_at = peewee.DoubleField()

        class Meta:
            table_name = "bank_sim_transfers"

    db.create_tables([PaymentRecord, ReceiptRecord, ManagerAlert, BankSimTransfer])
