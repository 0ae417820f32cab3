"""Staff login hardening: the last TOTP time step used (a code works once per account)."""

import peewee
from playhouse.migrate import SchemaMigrator
from playhouse.migrate import migrate as run_migrations


def migrate(db: peewee.Database) -> None:
    migrator = SchemaMigrator.from_database(db)
    run_migrations(migrator.add_column("staff_user", "totp_last_step", peewee.BigIntegerField(default=0)))
