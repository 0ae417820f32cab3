"""Simulator tables only where simulators run: drop the bank simulator's book from databases
that never used it (0006 created it everywhere). The simulated bank creates its table when a
station runs it (``core.payments.web.install_payments``); a book with transfers in it is kept."""

import peewee


def migrate(db: peewee.Database) -> None:
    if "bank_sim_transfers" not in db.get_tables():
        return
    if db.execute_sql("SELECT COUNT(*) FROM bank_sim_transfers").fetchone()[0] == 0:
        db.execute_sql("DROP TABLE bank_sim_transfers")
