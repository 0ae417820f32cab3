"""healthcare tables at version 1 (frozen copies: later model changes never alter this)."""

import peewee


def migrate(db: peewee.Database) -> None:
    class Base(peewee.Model):
        class Meta:
            database = db

    class Screening(Base):
        citizen_id = peewee.IntegerField(index=True)
        taken_at = peewee.DoubleField()
        state = peewee.CharField(max_length=16, default="in_progress")
        vitals = peewee.BlobField(null=True)

        class Meta:
            table_name = "healthcare_screening"

    class RxOrder(Base):
        citizen_id = peewee.IntegerField(index=True)
        code = peewee.CharField(max_length=14, index=True)
        state = peewee.CharField(max_length=24, default="awaiting_approval")
        lines = peewee.TextField()
        total_vnd = peewee.BigIntegerField()
        pickup_code = peewee.CharField(max_length=8)
        created_at = peewee.DoubleField()
        decided_at = peewee.DoubleField(null=True)
        pharmacist_id = peewee.IntegerField(null=True)
        payment_id = peewee.CharField(max_length=64, null=True)
        paid_at = peewee.DoubleField(null=True)
        posted = peewee.BooleanField(default=False)

        class Meta:
            table_name = "healthcare_rx_order"

    class ShopOrder(Base):
        citizen_id = peewee.IntegerField(index=True)
        state = peewee.CharField(max_length=16, default="paying")
        lines = peewee.TextField()
        total_vnd = peewee.BigIntegerField()
        pickup_code = peewee.CharField(max_length=8)
        created_at = peewee.DoubleField()
        payment_id = peewee.CharField(max_length=64, null=True)
        paid_at = peewee.DoubleField(null=True)

        class Meta:
            table_name = "healthcare_shop_order"

    class Booking(Base):
        citizen_id = peewee.IntegerField(index=True)
        slot_id = peewee.CharField(max_length=40)
        doctor_name = peewee.CharField(max_length=80)
        specialty = peewee.TextField()
        start = peewee.DoubleField()
        minutes = peewee.IntegerField()
        state = peewee.CharField(max_length=16, default="booked")
        join = peewee.TextField(null=True)
        screening_id = peewee.IntegerField(null=True)
        created_at = peewee.DoubleField()

        class Meta:
            table_name = "healthcare_booking"

    db.create_tables([Screening, RxOrder, ShopOrder, Booking])
