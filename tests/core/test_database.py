"""Database on both back ends: pragmas, migrations per component, transactions.

PostgreSQL tests create and drop their own database; outside CI they skip with a clear
message when no server answers, in CI (CI=true) they must run.
"""

from pathlib import Path

import peewee
import pytest

from core import db
from sdk.testing import TemporaryPostgresDatabase, require_postgres


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'station.db'}"
        return
    temp = TemporaryPostgresDatabase(require_postgres())
    try:
        yield temp.url
    finally:
        db.database.close()
        temp.drop()


def _migration_folder(tmp_path: Path, steps: dict[str, str]) -> Path:
    folder = tmp_path / "migrations"
    folder.mkdir(exist_ok=True)
    for name, body in steps.items():
        (folder / name).write_text(body)
    return folder


STEP_1 = """
import peewee
def migrate(db):
    class Thing(peewee.Model):
        name = peewee.CharField()
        class Meta:
            database = db
            table_name = "acme_thing"
    db.create_tables([Thing])
"""
STEP_2 = """
from playhouse.migrate import SchemaMigrator, migrate as run
import peewee
def migrate(db):
    run(SchemaMigrator.from_database(db).add_column("acme_thing", "size", peewee.IntegerField(default=0)))
"""
STEP_BAD = """
def migrate(db):
    db.execute_sql("CREATE TABLE acme_half (id INTEGER)")
    db.execute_sql("THIS IS NOT SQL")
"""


def test_sqlite_runs_with_wal_foreign_keys_and_full_sync(tmp_path):
    database = db.open_database("sqlite:///station.db", tmp_path)
    assert database.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert database.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert database.execute_sql("PRAGMA synchronous").fetchone()[0] == 2
    assert (tmp_path / "station.db").exists()
    database.close()


def test_core_migrations_apply_once_and_are_recorded(database_url, tmp_path):
    db.bind_database(db.open_database(database_url, tmp_path))
    first = db.migrate(db.core_migrations())
    assert [m.version for m in first] == sorted(m.version for m in db.core_migrations())
    assert db.migrate(db.core_migrations()) == []
    tables = set(db.database.get_tables())
    assert {"plugin_state", "web_session", "citizen", "staff_user", "schema_migrations"} <= tables


def test_component_migrations_are_versioned_independently(database_url, tmp_path):
    db.bind_database(db.open_database(database_url, tmp_path))
    db.migrate(db.core_migrations())
    folder = _migration_folder(tmp_path, {"0001_things.py": STEP_1})
    assert len(db.migrate(db.load_migrations("acme", folder))) == 1
    _migration_folder(tmp_path, {"0002_size.py": STEP_2})
    applied = db.migrate(db.load_migrations("acme", folder))
    assert [(m.component, m.version, m.name) for m in applied] == [("acme", 2, "size")]
    assert db.applied_versions("acme") == {1, 2}
    assert db.applied_versions("core") == {m.version for m in db.core_migrations()}
    columns = {c.name for c in db.database.get_columns("acme_thing")}
    assert columns == {"id", "name", "size"}


def test_failed_migration_leaves_nothing_half_applied(database_url, tmp_path):
    db.bind_database(db.open_database(database_url, tmp_path))
    folder = _migration_folder(tmp_path, {"0001_bad.py": STEP_BAD})
    with pytest.raises(db.DatabaseError, match="migration acme 0001_bad failed"):
        db.migrate(db.load_migrations("acme", folder))
    assert "acme_half" not in db.database.get_tables()
    assert db.applied_versions("acme") == set()


def test_plugin_switch_persists_across_restarts(database_url, make_station, fixture_plugins_dir, monkeypatch):
    from core.app import create_app

    app = make_station(plugins=["healthcare"], plugin_paths=(fixture_plugins_dir,),
                       **({"database_url": database_url} if database_url.startswith("postgres") else {}))
    station = app.extensions["station"]
    with app.app_context():
        station.plugins.set_enabled("healthcare", False, actor="test")
        station.plugins.set_enabled("fx_example", True, actor="test")
    again = create_app(station.config, clock=station.clock)
    records = again.extensions["station"].plugins.records
    assert records["healthcare"].enabled is False and records["healthcare"].state.value == "disabled"
    assert records["fx_example"].state.value == "active"


def test_unreachable_postgres_is_a_clear_error():
    with pytest.raises(db.DatabaseError, match="cannot open the database"):
        db.open_database("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")


def test_healthz_reports_an_unreachable_database(make_station, monkeypatch):
    app = make_station(plugins=[])
    monkeypatch.setattr(db.database.obj, "execute_sql", _raise)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


def _raise(*args, **kwargs):
    raise peewee.OperationalError("server closed the connection")
