"""The built-in plugins' simulator tables exist only where their simulator runs (issue 15):
the simulated bank's books (banking) and the simulated public-service portal's (admin)."""

from __future__ import annotations

import importlib

import peewee
import pytest

from core import db
from core.errors import ConfigError

BANK_TABLES = {"banking_sim_customer", "banking_sim_account", "banking_sim_entry", "banking_sim_order",
               "banking_sim_kyc"}


def _tables(app):
    with app.app_context():
        return set(db.database.get_tables())


def test_the_simulated_bank_creates_its_books_on_first_use_only(make_station):
    from plugins.banking.views import bank

    app = make_station(plugins=["banking"])
    tables = _tables(app)
    assert not BANK_TABLES & tables and any(t.startswith("banking_") for t in tables)
    with app.test_request_context("/s/banking/"):
        assert bank().simulated
    assert BANK_TABLES <= _tables(app)


def test_a_bank_connector_other_than_the_simulator_creates_no_simulator_table(make_station):
    from plugins.banking.views import bank

    app = make_station(plugins=["banking"], connectors={"bank": {"kind": "acme_core_banking"}})
    with app.test_request_context("/s/banking/"), pytest.raises(ConfigError):
        bank()  # the only kind the plugin ships is its simulator: another is refused, not simulated
    assert not BANK_TABLES & _tables(app)


def test_the_simulated_portal_creates_its_book_on_first_use_only(make_station):
    from plugins.admin.connector import UnknownDossier, portal

    app = make_station(plugins=["admin"])
    assert "admin_portal_sim" not in _tables(app)
    with app.test_request_context("/s/admin/"), pytest.raises(UnknownDossier):
        portal().status("MP-000000-0001", 0.0)
    assert "admin_portal_sim" in _tables(app)


@pytest.mark.parametrize(("module", "tables"), [
    ("plugins.banking.migrations.0006_sim_tables_on_demand", sorted(BANK_TABLES)),
    ("plugins.admin.migrations.0002_portal_sim_on_demand", ["admin_portal_sim"]),
])
def test_the_migrations_drop_unused_simulator_tables_and_keep_used_ones(tmp_path, module, tables):
    migration = importlib.import_module(module)
    database = peewee.SqliteDatabase(str(tmp_path / "station.db"))
    for table in tables:
        database.execute_sql(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY)")
    database.execute_sql(f"INSERT INTO {tables[0]} (id) VALUES (1)")  # this one was used
    migration.migrate(database)
    assert set(database.get_tables()) == {tables[0]}
    migration.migrate(database)  # again: nothing left to drop, no error
    database.close()
