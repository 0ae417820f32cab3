"""Plugin supply chain (issue 19): what each plugin was installed from (TUF-verified wheel),
the site's unsigned-plugin switch as last seen, and the last plugin offers from the hub."""

import peewee


def migrate(db: peewee.Database) -> None:
    class Base(peewee.Model):
        class Meta:
            database = db

    class PluginInstall(Base):
        plugin_id = peewee.CharField(primary_key=True, max_length=64)
        version = peewee.CharField(max_length=64)
        publisher = peewee.CharField(max_length=64)
        target_path = peewee.CharField(max_length=300)
        wheel_sha256 = peewee.CharField(max_length=64)
        record_sha256 = peewee.CharField(max_length=64)
        previous_version = peewee.CharField(max_length=64, null=True)
        installed_at = peewee.DoubleField()
        last_outcome = peewee.TextField(default="{}")

        class Meta:
            table_name = "plugin_installs"

    class PluginSupplyState(Base):
        id = peewee.IntegerField(primary_key=True)
        allow_unsigned = peewee.BooleanField(default=False)
        offers_version = peewee.BigIntegerField(default=0)
        changed_at = peewee.DoubleField()

        class Meta:
            table_name = "plugin_supply_state"

    db.create_tables([PluginInstall, PluginSupplyState])
