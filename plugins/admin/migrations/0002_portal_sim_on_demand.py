"""Simulator tables only where the simulator runs: drop the simulated portal's book when it is
empty (0001 created it in every database). ``PortalSimulator`` creates it on first use; a book
with dossiers in it is kept."""

import peewee


def migrate(db: peewee.Database) -> None:
    if "admin_portal_sim" not in db.get_tables():
        return
    if db.execute_sql("SELECT COUNT(*) FROM admin_portal_sim").fetchone()[0] == 0:
        db.execute_sql("DROP TABLE admin_portal_sim")
