"""Desired configuration: per-fleet/group/station documents, group membership, what each
station reported applying, and the hub's own audit trail of staff actions."""

import peewee


def migrate(db: peewee.Database) -> None:
    from hub.db import DESIRED_CONFIG_TABLES

    with db.bind_ctx(DESIRED_CONFIG_TABLES):
        db.create_tables(DESIRED_CONFIG_TABLES, safe=True)
