"""The simulated social security's insured people and pending adjustment requests (for the
records check). Frozen table definitions."""

import peewee


def migrate(db: peewee.Database) -> None:
    class SimInsured(peewee.Model):
        key_hash = peewee.CharField(max_length=64, unique=True)
        full_name = peewee.CharField(max_length=128)
        date_of_birth = peewee.CharField(max_length=10)
        sex = peewee.CharField(max_length=8)
        address = peewee.CharField(max_length=300)

        class Meta:
            database = db
            table_name = "healthcare_sim_bhxh_insured"

    class SimAdjustment(peewee.Model):
        key_hash = peewee.CharField(max_length=64)
        field = peewee.CharField(max_length=40)
        reference = peewee.CharField(max_length=40)
        at = peewee.DoubleField()

        class Meta:
            database = db
            table_name = "healthcare_sim_bhxh_request"
            indexes = ((("key_hash", "field"), True),)

    db.create_tables([SimInsured, SimAdjustment])
