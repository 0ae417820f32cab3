"""Personal data protection: per-citizen data keys, the consent ledger and the access log."""

import peewee


def migrate(db: peewee.Database) -> None:
    class Base(peewee.Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Citizen(Base):
        id_hash = peewee.CharField(max_length=64, unique=True)
        created_at = peewee.FloatField()

        class Meta:
            table_name = "citizen"

    class CitizenKey(Base):
        citizen = peewee.ForeignKeyField(Citizen, column_name="citizen_id", on_delete="RESTRICT", index=False)
        key_version = peewee.IntegerField()
        wrapped_key = peewee.BlobField(null=True)
        kek_id = peewee.CharField(max_length=16, null=True, index=True)
        created_at = peewee.DoubleField()
        destroyed_at = peewee.DoubleField(null=True)

        class Meta:
            table_name = "citizen_key"
            primary_key = peewee.CompositeKey("citizen", "key_version")

    class ConsentEvent(Base):
        citizen = peewee.ForeignKeyField(Citizen, column_name="citizen_id", on_delete="RESTRICT", index=False)
        plugin_id = peewee.CharField(max_length=64)
        category = peewee.CharField(max_length=32)
        action = peewee.CharField(max_length=16)
        wording_hash = peewee.CharField(max_length=64)
        plugin_version = peewee.CharField(max_length=64)
        language = peewee.CharField(max_length=8)
        at = peewee.DoubleField()

        class Meta:
            table_name = "privacy_consent"
            indexes = ((("citizen", "plugin_id", "category"), False),)

    class AccessRecord(Base):
        citizen_id = peewee.IntegerField(index=True)
        accessor = peewee.CharField(max_length=96)
        plugin_id = peewee.CharField(max_length=64)
        category = peewee.CharField(max_length=32)
        table_name = peewee.CharField(max_length=128)
        purpose = peewee.TextField()
        basis = peewee.CharField(max_length=32)
        at = peewee.DoubleField(index=True)

        class Meta:
            table_name = "privacy_access"

    db.create_tables([CitizenKey, ConsentEvent, AccessRecord])
