"""Prescription orders and teleconsultation bookings encrypted at rest (issue 16).

The prescription code and the medicines of each order, and the doctor, specialty and joining
details of each booking, move to encrypted columns (the citizen's data key, as screenings);
the code also gets its keyed blind index so what was sold of a prescription is still found.
Every existing row is converted and the clear columns dropped in this one transaction (a
row of an erased citizen keeps nothing).
"""

import json

import peewee
from playhouse.migrate import SchemaMigrator
from playhouse.migrate import migrate as run_migrations

from sdk.privacy import blind_index, seal_value

ORDERS = "healthcare_rx_order"
BOOKINGS = "healthcare_booking"


def _update(db: peewee.Database, table: str, row_id: int, values: dict) -> None:
    assignments = ", ".join(f"{column} = {db.param}" for column in values)
    db.execute_sql(f"UPDATE {table} SET {assignments} WHERE id = {db.param}",  # nosec B608  # fixed names
                   (*values.values(), row_id))


def migrate(db: peewee.Database) -> None:
    migrator = SchemaMigrator.from_database(db)
    run_migrations(
        migrator.add_column(ORDERS, "code_sealed", peewee.BlobField(null=True)),
        migrator.add_column(ORDERS, "code_index", peewee.CharField(max_length=64, null=True)),
        migrator.add_column(ORDERS, "lines_sealed", peewee.BlobField(null=True)),
        migrator.add_index(ORDERS, ("code_index",), False),
        migrator.add_column(BOOKINGS, "doctor_name_sealed", peewee.BlobField(null=True)),
        migrator.add_column(BOOKINGS, "specialty_sealed", peewee.BlobField(null=True)),
        migrator.add_column(BOOKINGS, "join_sealed", peewee.BlobField(null=True)),
    )
    for row_id, citizen_id, code, lines in db.execute_sql(
            f"SELECT id, citizen_id, code, lines FROM {ORDERS}").fetchall():  # nosec B608  # fixed names
        _update(db, ORDERS, row_id, {
            "code_sealed": seal_value(ORDERS, "code_sealed", row_id, citizen_id, code),
            "code_index": blind_index(code, f"{ORDERS}.code"),
            "lines_sealed": seal_value(ORDERS, "lines_sealed", row_id, citizen_id, json.loads(lines), kind="json")})
    for row_id, citizen_id, doctor, specialty, join in db.execute_sql(
            f"SELECT id, citizen_id, doctor_name, specialty, {_quoted('join')} "  # nosec B608  # fixed names
            f"FROM {BOOKINGS}").fetchall():
        _update(db, BOOKINGS, row_id, {
            "doctor_name_sealed": seal_value(BOOKINGS, "doctor_name_sealed", row_id, citizen_id, doctor),
            "specialty_sealed": seal_value(BOOKINGS, "specialty_sealed", row_id, citizen_id, json.loads(specialty),
                                           kind="json"),
            "join_sealed": None if join is None else seal_value(BOOKINGS, "join_sealed", row_id, citizen_id,
                                                                json.loads(join), kind="json")})
    for index in db.get_indexes(ORDERS):
        if "code" in index.columns:
            db.execute_sql(f'DROP INDEX IF EXISTS "{index.name}"')
    for table, column in ((ORDERS, "code"), (ORDERS, "lines"), (BOOKINGS, "doctor_name"),
                          (BOOKINGS, "specialty"), (BOOKINGS, "join")):
        db.execute_sql(f"ALTER TABLE {table} DROP COLUMN {_quoted(column)}")


def _quoted(name: str) -> str:
    return f'"{name}"'  # "join" is an SQL keyword
