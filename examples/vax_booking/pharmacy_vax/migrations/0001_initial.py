"""Create the booking table. ``db`` is the station's peewee database."""

import peewee


def migrate(db):
    class Booking(peewee.Model):
        citizen_id = peewee.IntegerField(index=True)
        vaccine = peewee.CharField(max_length=40)
        day = peewee.CharField(max_length=10)
        phone = peewee.BlobField(null=True)
        created_at = peewee.DoubleField()

        class Meta:
            database = db
            table_name = "vax_booking_booking"

    db.create_tables([Booking])
