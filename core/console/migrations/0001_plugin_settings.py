"""Per-plugin settings saved from the manager console (frozen table definition)."""

import peewee


def migrate(db: peewee.Database) -> None:
    class ConsolePluginSettings(peewee.Model):
        plugin_id = peewee.CharField(primary_key=True, max_length=64)
        values = peewee.TextField()
        changed_at = peewee.DoubleField()
        changed_by = peewee.CharField(max_length=128)

        class Meta:
            database = db
            table_name = "console_plugin_settings"

    db.create_tables([ConsolePluginSettings])
