"""Card payments keep the terminal's own numbers: ``payments.terminal_trace`` and ``terminal_receipt``.

A ZVT terminal assigns the trace and receipt number of every transaction. The station keeps
them on the payment (approved or declined) so that a lost answer can be matched against the
terminal's last transaction: a trace number another payment already holds is not this one.
Also ``payments.status_token``: the opaque token in the URL of the card waiting page and its
status JSON (never the payment id, which can be counted through).
"""

import peewee
from playhouse.migrate import SchemaMigrator
from playhouse.migrate import migrate as run_migrations


def migrate(db: peewee.Database) -> None:
    migrator = SchemaMigrator.from_database(db)
    run_migrations(
        migrator.add_column("payments", "terminal_trace", peewee.IntegerField(null=True)),
        migrator.add_column("payments", "terminal_receipt", peewee.IntegerField(null=True)),
        migrator.add_index("payments", ("terminal_trace",), False),
        migrator.add_column("payments", "status_token", peewee.CharField(max_length=32, null=True)),
        migrator.add_index("payments", ("status_token",), True),
    )
