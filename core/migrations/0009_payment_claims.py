"""Payment claims: at most one open-or-succeeded payment per paid object (``payment_claims``).

Adds ``payments.objects`` (the objects a payment pays, JSON) and the claims table with its
unique (plugin, object) key. Payments made before this version paid exactly their
``reference``: open and succeeded ones claim it now, the earliest first, so a station that
already holds a double payment keeps it on record but can never add a third.
"""

import json

import peewee
from playhouse.migrate import SchemaMigrator
from playhouse.migrate import migrate as run_migrations


def migrate(db: peewee.Database) -> None:
    class Base(peewee.Model):
        class Meta:
            database = db
            legacy_table_names = False

    class PaymentClaim(Base):
        plugin = peewee.CharField(max_length=64)
        object = peewee.CharField(max_length=128)
        payment_id = peewee.IntegerField(index=True)
        claimed_at = peewee.DoubleField()

        class Meta:
            table_name = "payment_claims"
            indexes = ((("plugin", "object"), True),)

    db.create_tables([PaymentClaim])
    migrator = SchemaMigrator.from_database(db)
    run_migrations(migrator.add_column("payments", "objects", peewee.TextField(null=True)))

    rows = db.execute_sql("SELECT id, plugin, reference, created_at FROM payments "
                          "WHERE state IN ('PENDING', 'UNKNOWN', 'SUCCEEDED') ORDER BY id").fetchall()
    taken: set[tuple[str, str]] = set()
    for payment_id, plugin, reference, created_at in rows:
        if (plugin, reference) in taken:
            continue
        taken.add((plugin, reference))
        PaymentClaim.create(plugin=plugin, object=reference, payment_id=payment_id, claimed_at=created_at)
    for payment_id, reference in db.execute_sql("SELECT id, reference FROM payments").fetchall():
        db.execute_sql(f"UPDATE payments SET objects = {db.param} WHERE id = {db.param}",  # nosec B608 # only placeholders (db.param) and fixed names are formatted in; values are bound parameters
                       (json.dumps([reference], ensure_ascii=False), payment_id))
