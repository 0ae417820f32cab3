"""The hub's configuration key and the desired configuration last applied (one row)."""

import peewee


def migrate(db: peewee.Database) -> None:
    class HubDesiredConfig(peewee.Model):
        id = peewee.IntegerField(primary_key=True)
        config_key = peewee.TextField(null=True)
        version = peewee.BigIntegerField(default=0)
        etag = peewee.CharField(max_length=80, null=True)
        document = peewee.TextField(default="{}")
        checked_at = peewee.DoubleField(null=True)
        status = peewee.CharField(max_length=16, default="none")
        problems = peewee.TextField(default="[]")

        class Meta:
            database = db
            table_name = "hub_desired_config"

    db.create_tables([HubDesiredConfig])
