"""The booking table: the phone number is encrypted at rest under the citizen's data key."""

import peewee

from sdk import EncryptedTextField, PersonalDataModel


class Booking(PersonalDataModel):
    """One vaccination appointment."""

    data_category = "personal"
    timestamp_field = "created_at"
    citizen_id = peewee.IntegerField(index=True)
    vaccine = peewee.CharField(max_length=40)
    day = peewee.CharField(max_length=10)
    phone = EncryptedTextField()
    created_at = peewee.DoubleField()

    class Meta:
        table_name = "vax_booking_booking"
