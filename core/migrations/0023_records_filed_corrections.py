"""Accurate-clean-live: corrections filed, until the system holds the card's value
(``records_filed_corrections``: keyed hash of the ID number, system, field, reference; no
values), and ``processed_at`` on the simulated register's requests. Frozen table definition."""

import peewee
from playhouse.migrate import SchemaMigrator
from playhouse.migrate import migrate as run_migrations


def migrate(db: peewee.Database) -> None:
    class FiledCorrection(peewee.Model):
        id = peewee.AutoField()
        key_hash = peewee.CharField(max_length=64, index=True)
        system = peewee.CharField(max_length=40)
        field = peewee.CharField(max_length=40)
        reference = peewee.CharField(max_length=64)
        filed_at = peewee.DoubleField()
        resolved_at = peewee.DoubleField(null=True)

        class Meta:
            database = db
            table_name = "records_filed_corrections"

    db.create_tables([FiledCorrection])
    migrator = SchemaMigrator.from_database(db)
    run_migrations(migrator.add_column("records_sim_register_requests", "processed_at",
                                       peewee.DoubleField(null=True)))
