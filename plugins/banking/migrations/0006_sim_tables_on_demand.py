"""Simulator tables only where the simulator runs: drop the simulated bank's empty tables, which
0001 and 0005 created in every database. The simulator creates them when a station uses it
(``SimulatedCoreBanking.ensure_seeded``); a table with rows in it is kept."""

import peewee

SIM_TABLES = ("banking_sim_order", "banking_sim_entry", "banking_sim_account", "banking_sim_customer",
              "banking_sim_kyc")


def migrate(db: peewee.Database) -> None:
    existing = set(db.get_tables())
    for table in SIM_TABLES:
        if table in existing and db.execute_sql(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0:  # nosec B608  # a fixed table name
            db.execute_sql(f"DROP TABLE {table}")
