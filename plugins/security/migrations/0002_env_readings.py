"""Environmental readings (radiation, fine dust): no personal data (frozen copy)."""

import peewee


def migrate(db: peewee.Database) -> None:
    class EnvReading(peewee.Model):
        kind = peewee.CharField(max_length=32)
        values = peewee.TextField()
        taken_at = peewee.DoubleField(index=True)

        class Meta:
            database = db
            table_name = "security_env_reading"

    db.create_tables([EnvReading])
