"""Fines paid at the station."""

import peewee


def migrate(db):
    class FinePayment(peewee.Model):
        violation_id = peewee.CharField(max_length=32, index=True)
        decision_number = peewee.CharField(max_length=64)
        payment_id = peewee.IntegerField(unique=True)
        amount_vnd = peewee.BigIntegerField()
        citizen_id = peewee.IntegerField(index=True)
        paid_at = peewee.DoubleField()

        class Meta:
            database = db
            table_name = "traffic_fine_payment"

    db.create_tables([FinePayment])
