"""The database handle and the schema migrations runner.

One peewee :class:`DatabaseProxy` (``database``) is bound at start to SQLite (default,
WAL, foreign keys on, ``synchronous=FULL``) or PostgreSQL (``postgresql://`` URL).
Every model — core's and plugins' — uses it, so a plugin's business change and the core's
audit entry can share one transaction.

Migrations are Python modules named ``NNNN_description.py`` in a component's
``migrations`` folder, each with ``def migrate(db): ...``. The runner applies the missing
ones in order, each in its own transaction, and records them in ``schema_migrations``
per component (``core`` or a plugin id), so core and every plugin version their tables
independently.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlparse

import peewee
from playhouse.db_url import connect as connect_url

from core.errors import DatabaseError
from core.sqlite_writers import QueuedWritersSqliteDatabase

database = peewee.DatabaseProxy()

SQLITE_PRAGMAS = {"journal_mode": "wal", "foreign_keys": 1, "synchronous": 2, "busy_timeout": 10000}
MIGRATION_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.py$")


class BaseModel(peewee.Model):
    """Base class of every table: bound to the station's database proxy."""

    class Meta:
        database = database
        legacy_table_names = False


class SchemaMigration(BaseModel):
    """One applied migration of one component."""

    component = peewee.CharField(max_length=64)
    version = peewee.IntegerField()
    name = peewee.CharField(max_length=128)
    applied_at = peewee.DateTimeField()

    class Meta:
        table_name = "schema_migrations"
        primary_key = peewee.CompositeKey("component", "version")


def open_database(url: str, home: Path | None = None) -> peewee.Database:
    """Open the database named by ``url`` (relative SQLite paths are under ``home``)."""
    parsed = urlparse(url)
    try:
        if parsed.scheme == "sqlite":
            path = unquote(url[len("sqlite:///"):]) if url.startswith("sqlite:///") else ""
            if path in ("", ":memory:"):
                db = QueuedWritersSqliteDatabase(":memory:", pragmas=SQLITE_PRAGMAS)
            else:
                file = Path(path)
                if not file.is_absolute() and home is not None:
                    file = home / file
                file.parent.mkdir(parents=True, exist_ok=True)
                restrict_file_mode(file)
                db = QueuedWritersSqliteDatabase(str(file), pragmas=SQLITE_PRAGMAS, check_same_thread=False)
        elif parsed.scheme in ("postgres", "postgresql"):
            db = connect_url(url.replace("postgres://", "postgresql://", 1))
        else:
            raise DatabaseError(f"unsupported database URL scheme {parsed.scheme!r}")
        db.connect(reuse_if_open=True)
    except peewee.DatabaseError as exc:  # OperationalError, or "file is not a database", "malformed"
        raise DatabaseError(f"cannot open the database ({_redact(url)}): {exc}".strip()) from None
    except ImportError as exc:
        raise DatabaseError(f"database driver missing for {parsed.scheme}: {exc}; "
                            "install citizen-station[postgres]") from None
    return db


def restrict_file_mode(file: Path) -> None:
    """The database holds personal data: owner-only (0600). SQLite creates the ``-wal`` and
    ``-shm`` files with the database file's mode; existing ones are tightened too."""
    file.touch(mode=0o600, exist_ok=True)
    for path in (file, file.with_name(file.name + "-wal"), file.with_name(file.name + "-shm")):
        if path.exists() and path.stat().st_mode & 0o077:
            path.chmod(0o600)


def bind_database(db: peewee.Database) -> None:
    """Point every model at ``db``."""
    database.initialize(db)


def is_reachable() -> bool:
    """True when a trivial query succeeds on the bound database."""
    try:
        database.execute_sql("SELECT 1").fetchone()
        return True
    except Exception:  # any failure means "not reachable" for /healthz
        try:
            database.close()
        except Exception:
            pass
        return False


@dataclass(frozen=True)
class Migration:
    """One migration step of a component."""

    component: str
    version: int
    name: str
    apply: Callable[[peewee.Database], None]


def load_migrations(component: str, folder: Path) -> list[Migration]:
    """Load the ``NNNN_name.py`` migration modules in ``folder``, in version order."""
    if not folder.is_dir():
        return []
    found = []
    for file in sorted(folder.iterdir()):
        match = MIGRATION_FILE.match(file.name)
        if not match:
            continue
        spec = importlib.util.spec_from_file_location(f"_station_migration_{component}_{file.stem}", file)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        if not callable(getattr(module, "migrate", None)):
            raise DatabaseError(f"migration {file} has no migrate(db) function")
        found.append(Migration(component, int(match.group(1)), match.group(2), module.migrate))
    versions = [m.version for m in found]
    if len(versions) != len(set(versions)):
        raise DatabaseError(f"duplicate migration version in {folder}")
    return found


def applied_versions(component: str) -> set[int]:
    """Versions of ``component`` already applied."""
    return {row.version for row in SchemaMigration.select().where(SchemaMigration.component == component)}


def migrate(migrations: list[Migration], clock: Callable[[], datetime] | None = None) -> list[Migration]:
    """Apply the migrations not yet applied, each with its record in one transaction.

    Returns the migrations that were applied now.
    """
    now = clock or (lambda: datetime.now(UTC))
    db = database.obj
    db.create_tables([SchemaMigration], safe=True)
    done: dict[str, set[int]] = {}
    if migrations:  # one read of the applied versions of every component (at each start)
        for row in SchemaMigration.select(SchemaMigration.component, SchemaMigration.version):
            done.setdefault(row.component, set()).add(row.version)
    applied = []
    for step in migrations:
        versions = done.setdefault(step.component, set())
        if step.version in versions:
            continue
        try:
            with db.atomic():
                step.apply(db)
                SchemaMigration.create(component=step.component, version=step.version,
                                       name=step.name, applied_at=now())
        except peewee.DatabaseError as exc:
            raise DatabaseError(f"migration {step.component} {step.version:04d}_{step.name} failed: {exc}") from None
        versions.add(step.version)
        applied.append(step)
    return applied


CORE_MIGRATIONS = Path(__file__).parent / "migrations"


def core_migrations() -> list[Migration]:
    """The core's own migrations."""
    return load_migrations("core", CORE_MIGRATIONS)


def _redact(url: str) -> str:
    parsed = urlparse(url)
    if parsed.password:
        return url.replace(parsed.password, "***")
    return url
