"""Staff login: TOTP secret (encrypted), and the failed-login throttle."""

import peewee
from playhouse.migrate import SchemaMigrator
from playhouse.migrate import migrate as run_migrations


def migrate(db: peewee.Database) -> None:
    class LoginThrottle(peewee.Model):
        key = peewee.CharField(primary_key=True, max_length=128)
        failures = peewee.IntegerField()
        first_failure_at = peewee.DoubleField()
        blocked_until = peewee.DoubleField()

        class Meta:
            database = db
            table_name = "login_throttle"

    db.create_tables([LoginThrottle])
    migrator = SchemaMigrator.from_database(db)
    run_migrations(migrator.add_column("staff_user", "totp_secret", peewee.TextField(default="")))
