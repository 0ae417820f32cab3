"""Hub console staff: a role (viewer, operator, admin — existing accounts keep full rights as
admin) and an optional TOTP secret with the last step used (a code works once)."""

import peewee


def migrate(db: peewee.Database) -> None:
    db.execute_sql("ALTER TABLE hub_staff ADD COLUMN IF NOT EXISTS role VARCHAR(16) NOT NULL DEFAULT 'admin'")
    db.execute_sql("ALTER TABLE hub_staff ADD COLUMN IF NOT EXISTS totp_secret TEXT NOT NULL DEFAULT ''")
    db.execute_sql("ALTER TABLE hub_staff ADD COLUMN IF NOT EXISTS totp_last_step BIGINT NOT NULL DEFAULT 0")
