"""Plugin supply chain (issue 19): the TUF repository's metadata and targets, registered
publishers, staged rollouts and which stations were offered each. Frozen table definitions."""

import peewee


def migrate(db: peewee.Database) -> None:
    class Base(peewee.Model):
        class Meta:
            database = db
            legacy_table_names = False

    class TufMetadata(Base):
        role = peewee.CharField(max_length=64)
        version = peewee.IntegerField()
        body = peewee.BlobField()
        expires = peewee.DoubleField()
        created_at = peewee.DoubleField()

        class Meta:
            table_name = "hub_tuf_metadata"
            primary_key = peewee.CompositeKey("role", "version")

    class TufTarget(Base):
        path = peewee.CharField(max_length=300, primary_key=True)
        sha256 = peewee.CharField(max_length=64)
        length = peewee.BigIntegerField()
        body = peewee.BlobField()
        publisher = peewee.CharField(max_length=64, index=True)
        uploaded_at = peewee.DoubleField()

        class Meta:
            table_name = "hub_tuf_targets"

    class Publisher(Base):
        id = peewee.CharField(max_length=64, primary_key=True)
        name = peewee.CharField(max_length=200)
        keyid = peewee.CharField(max_length=64)
        public_key = peewee.TextField()
        added_at = peewee.DoubleField()
        removed_at = peewee.DoubleField(null=True)

        class Meta:
            table_name = "hub_publishers"

    class Rollout(Base):
        id = peewee.AutoField()
        plugin_id = peewee.CharField(max_length=64, index=True)
        publisher = peewee.CharField(max_length=64)
        version = peewee.CharField(max_length=64)
        previous_version = peewee.CharField(max_length=64, null=True)
        stages = peewee.TextField()
        stage = peewee.IntegerField(default=0)
        state = peewee.CharField(max_length=16)
        hold_seconds = peewee.DoubleField()
        failure_threshold = peewee.DoubleField()
        stage_started_at = peewee.DoubleField()
        created_at = peewee.DoubleField()
        created_by = peewee.CharField(max_length=128)
        updated_at = peewee.DoubleField()
        reason = peewee.TextField(default="")

        class Meta:
            table_name = "hub_rollouts"

    class RolloutStation(Base):
        rollout_id = peewee.IntegerField()
        station_id = peewee.CharField(max_length=32)
        stage = peewee.IntegerField()
        offered_at = peewee.DoubleField(null=True)
        healthy_since = peewee.DoubleField(null=True)
        status = peewee.CharField(max_length=16, default="pending")

        class Meta:
            table_name = "hub_rollout_stations"
            indexes = ((("rollout_id", "station_id"), True),)

    db.create_tables([TufMetadata, TufTarget, Publisher, Rollout, RolloutStation])
