"""Simulator tables exist only where the simulator runs (issue 15)."""

from __future__ import annotations

import importlib

import peewee

from core import db
from core.payments import web as payments_web


def _tables(app):
    with app.app_context():
        return set(db.database.get_tables())


def test_the_bank_simulator_creates_its_book_where_it_runs(make_station):
    app = make_station(plugins=[])
    assert "bank_sim_transfers" in _tables(app)


def test_a_station_with_a_real_bank_has_no_simulator_table(make_station, monkeypatch):
    class RealBank:
        def __init__(self, settings):
            self.settings = settings

    monkeypatch.setitem(payments_web.BANK_CONNECTORS, "acme_bank", RealBank)
    app = make_station(plugins=[], connectors={"bank": {"kind": "acme_bank"}})
    tables = _tables(app)
    assert "bank_sim_transfers" not in tables
    assert {"payments", "payment_receipts", "manager_alerts"} <= tables


def test_migration_0015_drops_an_unused_simulator_book_and_keeps_one_in_use(tmp_path):
    migration = importlib.import_module("core.migrations.0015_simulator_tables_on_demand")
    for used in (False, True):
        database = peewee.SqliteDatabase(str(tmp_path / f"station-{used}.db"))
        database.execute_sql("CREATE TABLE bank_sim_transfers (id INTEGER PRIMARY KEY, amount_vnd INTEGER)")
        if used:
            database.execute_sql("INSERT INTO bank_sim_transfers (amount_vnd) VALUES (50000)")
        migration.migrate(database)
        assert ("bank_sim_transfers" in database.get_tables()) is used
        database.close()
    empty = peewee.SqliteDatabase(str(tmp_path / "fresh.db"))
    migration.migrate(empty)  # nothing to drop: no error
    assert empty.get_tables() == []
