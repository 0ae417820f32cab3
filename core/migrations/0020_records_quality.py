"""Accurate-clean-live: events of the records check (mismatch found, correction filed,
resolved), with no citizen and no values."""

import peewee


def migrate(db: peewee.Database) -> None:
    class QualityEvent(peewee.Model):
        id = peewee.AutoField()
        system = peewee.CharField(max_length=40)
        field = peewee.CharField(max_length=40)
        event = peewee.CharField(max_length=16)
        at = peewee.DoubleField(index=True)

        class Meta:
            database = db
            table_name = "records_quality_events"

    db.create_tables([QualityEvent])
