"""banking_transfer.dedupe_key: the same transfer confirmed twice (two tabs) is sent once.

Unique, NULL for refused transfers and for a transfer the citizen deliberately sends again.
"""

import peewee
from playhouse.migrate import SchemaMigrator
from playhouse.migrate import migrate as run_migrations


def migrate(db):
    migrator = SchemaMigrator.from_database(db)
    run_migrations(
        migrator.add_column("banking_transfer", "dedupe_key", peewee.CharField(max_length=64, null=True)),
        migrator.add_index("banking_transfer", ("dedupe_key",), True),
    )
