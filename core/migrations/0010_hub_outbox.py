"""The station's link to its fleet hub, the durable outbox, and witness cosignatures.

``hub_link`` (one row) names the hub and the id it gave the station; ``hub_outbox`` holds
what must reach the hub, in order, until it acknowledged it; ``audit_cosignatures`` keeps
each checkpoint the hub's witness cosigned.
"""

import peewee


def migrate(db: peewee.Database) -> None:
    class Base(peewee.Model):
        class Meta:
            database = db
            legacy_table_names = False

    class HubLink(Base):
        id = peewee.IntegerField(primary_key=True)
        hub_url = peewee.CharField(max_length=500)
        station_id = peewee.CharField(max_length=32)
        witness_key = peewee.TextField()
        enrolled_at = peewee.DoubleField()
        witnessed_size = peewee.BigIntegerField(default=0)

        class Meta:
            table_name = "hub_link"

    class HubOutbox(Base):
        id = peewee.AutoField()
        message_id = peewee.CharField(max_length=64, unique=True)
        kind = peewee.CharField(max_length=32)
        body = peewee.TextField()
        created_at = peewee.DoubleField()
        sent_at = peewee.DoubleField(null=True, index=True)
        attempts = peewee.IntegerField(default=0)
        last_error = peewee.TextField(null=True)

        class Meta:
            table_name = "hub_outbox"

    class AuditCosignature(Base):
        size = peewee.BigIntegerField(primary_key=True)
        witness_key = peewee.TextField()
        note = peewee.TextField()
        cosigned_at = peewee.DoubleField()

        class Meta:
            table_name = "audit_cosignatures"

    db.create_tables([HubLink, HubOutbox, AuditCosignature])
