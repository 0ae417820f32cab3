"""Staff accounts: a password set by a manager must be changed at the next login (issue 23)."""

import peewee
from playhouse.migrate import SchemaMigrator
from playhouse.migrate import migrate as run_migrations


def migrate(db: peewee.Database) -> None:
    migrator = SchemaMigrator.from_database(db)
    run_migrations(migrator.add_column("staff_user", "must_change_password", peewee.BooleanField(default=False)))
