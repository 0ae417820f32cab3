"""Payments' descriptions and receipt lines encrypted with the payer's data key; claimed objects
stored as keyed blind indexes (issue 16). Existing rows are converted in this one transaction.

A payer already erased has no data key: their rows get the neutral "erased" text instead of
keeping the clear value.
"""

import peewee

from core.payments.sealing import CLAIM_PURPOSE, ERASED, is_sealed, seal_text
from core.privacy.blind_index import blind_index, is_blind_index
from core.privacy.keys import DataErased


def migrate(db: peewee.Database) -> None:
    rows = db.execute_sql("SELECT id, idempotency_key, payer_citizen_id, description, receipt_lines "
                          "FROM payments").fetchall()
    for row_id, key, payer, description, lines in rows:
        values = {}
        for column, value in (("description", description), ("receipt_lines", lines)):
            if value is None or is_sealed(value):
                continue
            try:
                values[column] = seal_text(column, key, int(payer), value)
            except DataErased:
                values[column] = ERASED[column]
        if values:
            assignments = ", ".join(f"{column} = {db.param}" for column in values)
            db.execute_sql(f"UPDATE payments SET {assignments} WHERE id = {db.param}",  # nosec B608  # fixed names
                           (*values.values(), row_id))
    for claim_id, obj in db.execute_sql("SELECT id, object FROM payment_claims").fetchall():
        if not is_blind_index(obj):
            db.execute_sql(f"UPDATE payment_claims SET object = {db.param} WHERE id = {db.param}",  # nosec B608
                           (blind_index(obj, CLAIM_PURPOSE), claim_id))
