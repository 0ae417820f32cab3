"""Desired configuration: per-fleet/group/station documents, group membership, what each
station reported applying, and the hub's own audit trail of staff actions.

The tables are defined here as they were when this migration was written (frozen), not
imported from hub.db, so later model changes never change what this step creates.
"""

import peewee


def migrate(db: peewee.Database) -> None:
    class Base(peewee.Model):
        class Meta:
            database = db
            legacy_table_names = False

    class ConfigScope(Base):
        scope = peewee.CharField(max_length=100, primary_key=True)
        document = peewee.TextField()
        revision = peewee.IntegerField(default=1)
        updated_at = peewee.DoubleField()
        updated_by = peewee.CharField(max_length=64)

        class Meta:
            table_name = "hub_config_scopes"

    class GroupMember(Base):
        station_id = peewee.CharField(max_length=32)
        group_name = peewee.CharField(max_length=64)

        class Meta:
            table_name = "hub_group_members"
            indexes = ((("station_id", "group_name"), True),)

    class ConfigReport(Base):
        station_id = peewee.CharField(max_length=32, primary_key=True)
        version = peewee.BigIntegerField()
        status = peewee.CharField(max_length=16)
        problems = peewee.TextField(default="[]")
        reported_at = peewee.DoubleField()

        class Meta:
            table_name = "hub_config_reports"

    class HubEvent(Base):
        id = peewee.AutoField()
        at = peewee.DoubleField()
        actor = peewee.CharField(max_length=128)
        action = peewee.CharField(max_length=64)
        object_ref = peewee.CharField(max_length=200, default="")
        details = peewee.TextField(default="{}")

        class Meta:
            table_name = "hub_events"

    db.create_tables([ConfigScope, GroupMember, ConfigReport, HubEvent])
