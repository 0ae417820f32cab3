"""Accurate-clean-live: adjustment requests sent to the simulated population register
(keyed hash of the ID number, field, reference; no values). Frozen table definition."""

import peewee


def migrate(db: peewee.Database) -> None:
    class RegisterRequest(peewee.Model):
        id = peewee.AutoField()
        key_hash = peewee.CharField(max_length=64, index=True)
        field = peewee.CharField(max_length=40)
        reference = peewee.CharField(max_length=40)
        at = peewee.DoubleField()

        class Meta:
            database = db
            table_name = "records_sim_register_requests"
            indexes = ((("key_hash", "field"), True),)

    db.create_tables([RegisterRequest])
