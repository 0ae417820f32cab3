"""Saved customer codes (encrypted) and bills paid at the station."""

import peewee


def migrate(db):
    class SavedCode(peewee.Model):
        citizen_id = peewee.IntegerField(index=True)
        kind = peewee.CharField(max_length=16)
        code = peewee.BlobField()
        saved_at = peewee.DoubleField()

        class Meta:
            database = db
            table_name = "utilities_saved_code"

    class BillPayment(peewee.Model):
        bill_id = peewee.CharField(max_length=32, index=True)
        kind = peewee.CharField(max_length=16)
        payment_id = peewee.IntegerField(index=True)
        citizen_id = peewee.IntegerField(index=True)
        amount_vnd = peewee.BigIntegerField()
        paid_at = peewee.DoubleField()

        class Meta:
            database = db
            table_name = "utilities_bill_payment"
            indexes = ((("bill_id", "payment_id"), True),)

    db.create_tables([SavedCode, BillPayment])
