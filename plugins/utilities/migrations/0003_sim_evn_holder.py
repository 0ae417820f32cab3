"""The simulated EVN's contract holders (for the records check). Frozen table definition."""

import peewee


def migrate(db):
    class SimEvnHolder(peewee.Model):
        key_hash = peewee.CharField(max_length=64, unique=True)
        customer_code = peewee.CharField(max_length=16)
        full_name = peewee.CharField(max_length=128)
        address = peewee.CharField(max_length=300)
        updated_at = peewee.DoubleField()

        class Meta:
            database = db
            table_name = "utilities_sim_evn_holder"

    db.create_tables([SimEvnHolder])
