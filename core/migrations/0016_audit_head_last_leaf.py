"""``audit_head.last_leaf``: the leaf hash of the last committed audit entry.

A process caches the Merkle frontier it built with its last append. Equal tree size alone does
not prove the cache is the committed tree's: when that append was rolled back and another
process appended at the same index, the cache holds the rolled-back leaf. Every append now
writes its leaf hash on the head row; the cache is used only when it matches.
"""

import peewee
from playhouse.migrate import SchemaMigrator
from playhouse.migrate import migrate as run_migrations


def migrate(db: peewee.Database) -> None:
    migrator = SchemaMigrator.from_database(db)
    run_migrations(migrator.add_column("audit_head", "last_leaf", peewee.BlobField(null=True)))
    db.execute_sql("UPDATE audit_head SET last_leaf = (SELECT leaf_hash FROM audit_entry "
                   "WHERE audit_entry.idx = audit_head.size - 1) WHERE id = 1")
