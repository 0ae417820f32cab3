"""Bills paid at the station encrypted at rest (issue 16).

A bill id carries the end of the customer code: it moves, with the amount, to columns
encrypted with the citizen's data key, and its keyed blind index (``bill_index``) answers
"was this bill paid here?". Existing rows are converted and the clear columns dropped in this
one transaction (a row of an erased citizen keeps nothing). Customer codes in payments'
descriptions and receipt lines are sealed by core migration 0012; saved codes were encrypted
already, and erasure deletes both tables' rows.
"""

import peewee
from playhouse.migrate import SchemaMigrator
from playhouse.migrate import migrate as run_migrations

from sdk.privacy import blind_index, seal_value

TABLE = "utilities_bill_payment"


def migrate(db: peewee.Database) -> None:
    migrator = SchemaMigrator.from_database(db)
    run_migrations(
        migrator.add_column(TABLE, "bill_id_sealed", peewee.BlobField(null=True)),
        migrator.add_column(TABLE, "bill_index", peewee.CharField(max_length=64, null=True)),
        migrator.add_column(TABLE, "amount_sealed", peewee.BlobField(null=True)),
    )
    param = db.param
    for row_id, citizen_id, bill_id, amount in db.execute_sql(
            f"SELECT id, citizen_id, bill_id, amount_vnd FROM {TABLE}").fetchall():  # nosec B608  # fixed names
        db.execute_sql(f"UPDATE {TABLE} SET bill_id_sealed = {param}, bill_index = {param}, "  # nosec B608
                       f"amount_sealed = {param} WHERE id = {param}",
                       (seal_value(TABLE, "bill_id_sealed", row_id, citizen_id, bill_id),
                        blind_index(bill_id, f"{TABLE}.bill_id"),
                        seal_value(TABLE, "amount_sealed", row_id, citizen_id, int(amount), kind="json"), row_id))
    for index in db.get_indexes(TABLE):
        if "bill_id" in index.columns:
            db.execute_sql(f'DROP INDEX IF EXISTS "{index.name}"')
    db.execute_sql(f"ALTER TABLE {TABLE} DROP COLUMN bill_id")
    db.execute_sql(f"ALTER TABLE {TABLE} DROP COLUMN amount_vnd")
    run_migrations(migrator.add_index(TABLE, ("bill_index", "payment_id"), True))
