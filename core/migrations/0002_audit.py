"""The append-only audit log: entries (leaf bytes), Merkle nodes, head and signed checkpoints."""

import peewee


def migrate(db: peewee.Database) -> None:
    class Base(peewee.Model):
        class Meta:
            database = db
            legacy_table_names = False

    class AuditEntry(Base):
        idx = peewee.BigIntegerField(primary_key=True)
        leaf = peewee.TextField()
        leaf_hash = peewee.BlobField()

        class Meta:
            table_name = "audit_entry"

    class AuditNode(Base):
        level = peewee.SmallIntegerField()
        idx = peewee.BigIntegerField()
        hash = peewee.BlobField()

        class Meta:
            table_name = "audit_node"
            primary_key = peewee.CompositeKey("level", "idx")

    class AuditHead(Base):
        id = peewee.IntegerField(primary_key=True)
        size = peewee.BigIntegerField()
        checkpoint_size = peewee.BigIntegerField()
        checkpoint_at = peewee.DoubleField()

        class Meta:
            table_name = "audit_head"

    class AuditCheckpoint(Base):
        size = peewee.BigIntegerField(primary_key=True)
        root = peewee.BlobField()
        note = peewee.TextField()
        created_at = peewee.DoubleField()

        class Meta:
            table_name = "audit_checkpoint"

    db.create_tables([AuditEntry, AuditNode, AuditHead, AuditCheckpoint])
    AuditHead.create(id=1, size=0, checkpoint_size=0, checkpoint_at=0.0)
