"""Transfers' accounts and amounts, and opened account numbers, encrypted at rest (issue 16).

Each moves to a column encrypted with the citizen's data key; every existing row is converted
and the clear columns dropped in this one transaction (a row of an erased citizen keeps
nothing). The simulated bank's own ``banking_sim_*`` tables are the bank's books, not the
station's, and are left as they are.
"""

import peewee
from playhouse.migrate import SchemaMigrator
from playhouse.migrate import migrate as run_migrations

from sdk.privacy import seal_value

TRANSFERS = "banking_transfer"
OPENINGS = "banking_account_opening"


def _update(db: peewee.Database, table: str, row_id: int, values: dict) -> None:
    assignments = ", ".join(f"{column} = {db.param}" for column in values)
    db.execute_sql(f"UPDATE {table} SET {assignments} WHERE id = {db.param}",  # nosec B608  # fixed names
                   (*values.values(), row_id))


def migrate(db: peewee.Database) -> None:
    migrator = SchemaMigrator.from_database(db)
    run_migrations(
        migrator.add_column(TRANSFERS, "from_account_sealed", peewee.BlobField(null=True)),
        migrator.add_column(TRANSFERS, "to_number_last4_sealed", peewee.BlobField(null=True)),
        migrator.add_column(TRANSFERS, "amount_sealed", peewee.BlobField(null=True)),
        migrator.add_column(OPENINGS, "account_number_sealed", peewee.BlobField(null=True)),
    )
    for row_id, citizen_id, account, last4, amount in db.execute_sql(
            f"SELECT id, citizen_id, from_account, to_number_last4, amount_vnd FROM {TRANSFERS}").fetchall():  # nosec B608
        _update(db, TRANSFERS, row_id, {
            "from_account_sealed": seal_value(TRANSFERS, "from_account_sealed", row_id, citizen_id, account),
            "to_number_last4_sealed": seal_value(TRANSFERS, "to_number_last4_sealed", row_id, citizen_id, last4),
            "amount_sealed": seal_value(TRANSFERS, "amount_sealed", row_id, citizen_id, int(amount), kind="json")})
    for row_id, citizen_id, number in db.execute_sql(
            f"SELECT id, citizen_id, account_number FROM {OPENINGS}").fetchall():  # nosec B608
        _update(db, OPENINGS, row_id, {
            "account_number_sealed": seal_value(OPENINGS, "account_number_sealed", row_id, citizen_id, number)})
    for table, column in ((TRANSFERS, "from_account"), (TRANSFERS, "to_number_last4"), (TRANSFERS, "amount_vnd"),
                          (OPENINGS, "account_number")):
        db.execute_sql(f"ALTER TABLE {table} DROP COLUMN {column}")
