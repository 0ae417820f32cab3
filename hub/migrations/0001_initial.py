"""The hub's first tables: enrolment codes, stations, received messages, witnessed logs,
alerts and staff accounts."""

import peewee


def migrate(db: peewee.Database) -> None:
    from hub.db import HUB_TABLES

    with db.bind_ctx(HUB_TABLES):
        db.create_tables(HUB_TABLES)
