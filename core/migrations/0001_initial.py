"""Core tables: plugin switches, server-side sessions, citizens and staff.

Migrations define frozen copies of the tables as they were at this version, so later
changes to the live models never change what an old migration does.
"""

import peewee


def migrate(db: peewee.Database) -> None:
    class Base(peewee.Model):
        class Meta:
            database = db
            legacy_table_names = False

    class PluginState(Base):
        plugin_id = peewee.CharField(primary_key=True, max_length=64)
        enabled = peewee.BooleanField()
        changed_at = peewee.DoubleField()
        changed_by = peewee.CharField(max_length=128)

        class Meta:
            table_name = "plugin_state"

    class WebSession(Base):
        id_hash = peewee.CharField(primary_key=True, max_length=64)
        data = peewee.TextField()
        created_at = peewee.DoubleField()
        last_seen_at = peewee.DoubleField(index=True)
        staff = peewee.BooleanField(default=False)

        class Meta:
            table_name = "web_session"

    class Citizen(Base):
        id_hash = peewee.CharField(max_length=64, unique=True)
        created_at = peewee.DoubleField()

        class Meta:
            table_name = "citizen"

    class StaffUser(Base):
        username = peewee.CharField(max_length=64, unique=True)
        display_name = peewee.CharField(max_length=128, default="")
        password_hash = peewee.CharField(max_length=255, default="")
        roles = peewee.CharField(max_length=255, default="")
        active = peewee.BooleanField(default=True)
        created_at = peewee.DoubleField()

        class Meta:
            table_name = "staff_user"

    db.create_tables([PluginState, WebSession, Citizen, StaffUser])
