"""The simulated bank's KYC records (for the records check). Frozen table definition."""

import peewee


def migrate(db: peewee.Database) -> None:
    class SimKyc(peewee.Model):
        key_hash = peewee.CharField(max_length=64, unique=True)
        full_name = peewee.CharField(max_length=128)
        date_of_birth = peewee.CharField(max_length=10)
        address = peewee.CharField(max_length=300)
        updated_at = peewee.DoubleField()

        class Meta:
            database = db
            table_name = "banking_sim_kyc"

    db.create_tables([SimKyc])
