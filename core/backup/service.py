"""Backups of a running station and their verified restore (no Flask, no click).

A backup is a folder ``<site>-<UTC time>/`` holding the database snapshot and
``manifest.json``: the format, site, time, database kind, the snapshot's SHA-256, the
audit log's size and root hash, the latest signed checkpoint and each component's schema
version. SQLite snapshots use SQLite's online backup API (consistent while the station
writes); PostgreSQL snapshots are ``pg_dump --format=custom``. Secrets are never in it:
``secrets_to`` copies them to a separate folder the operator names (another medium).

A restore first checks the snapshot's hash and recomputes its whole audit log (leaves,
roots, checkpoint signatures) with the station's verifier key — before anything is
replaced — and refuses a log shorter than the one it replaces unless forced. The restore
itself is recorded in the restored log (``station.restore``), forced or not.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

import peewee

from core import db
from core.config import Config
from core.errors import StationError, UserInputError
from core.startup import sqlite_path

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "station.db"
PG_FILE = "station.pgdump"


class BackupError(StationError):
    """A backup could not be written or a restore was refused; the message says why."""


@dataclass(frozen=True)
class AuditSummary:
    """What a manifest says about the audit log of a snapshot."""

    size: int
    root_hash: str
    checkpoint: str | None


@dataclass(frozen=True)
class RestoreReport:
    """What a restore did."""

    audit_size: int
    replaced_size: int | None
    forced: bool
    kept_as: str | None
    secrets_copied: list[str]


# ---- helpers --------------------------------------------------------------------------

def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def bound(database: peewee.Database) -> Iterator[None]:
    """Point the station's models at ``database`` for the block, then back."""
    previous = db.database.obj
    db.bind_database(database)
    try:
        yield
    finally:
        database.close()
        if previous is not None:
            db.bind_database(previous)


def make_audit_log(config: Config, secrets_dir: Path | None = None) -> Any:
    """An :class:`AuditLog` of the site, signing and verifying with the key in ``secrets_dir``."""
    from cryptography.hazmat.primitives import serialization

    from core.audit.log import AuditLog
    from core.audit.note import NoteSigner
    from core.secrets import SIGNING_KEY

    path = (secrets_dir or config.secrets_dir) / SIGNING_KEY
    if not path.exists():
        raise BackupError(f"the station's signing key {path} is missing: the audit log cannot be verified "
                          "(restore the secrets with --secrets FOLDER)")
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    seed = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                             serialization.NoEncryption())
    return AuditLog(config.site_id, NoteSigner.from_seed(f"citizen-station/{config.site_id}", seed), time.time,
                    config.audit["checkpoint_every"], config.audit["checkpoint_seconds"])


def audit_summary() -> AuditSummary:
    """Size, root hash and latest signed checkpoint of the bound database's audit log."""
    from core.audit.merkle import root_at
    from core.audit.store import AuditCheckpoint, AuditHead, DatabaseNodeStore

    head = AuditHead.get_or_none(AuditHead.id == 1)
    size = head.size if head else 0
    root = root_at(DatabaseNodeStore(), size) if size else hashlib.sha256(b"").digest()
    latest = AuditCheckpoint.select().order_by(AuditCheckpoint.size.desc()).first()
    return AuditSummary(size, root.hex(), latest.note if latest else None)


def schema_versions() -> dict[str, int]:
    """The newest applied migration of each component in the bound database."""
    versions: dict[str, int] = {}
    for row in db.SchemaMigration.select():
        versions[row.component] = max(versions.get(row.component, 0), row.version)
    return dict(sorted(versions.items()))


# ---- backup ---------------------------------------------------------------------------

def backup(config: Config, target: Path, secrets_to: Path | None = None,
           now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> Path:
    """Write a consistent snapshot of the running station's database into a new folder in ``target``.

    Returns the backup folder. ``secrets_to`` (another folder, kept apart from the backup)
    also receives a copy of the secrets, mode 0600.
    """
    stamp = now().strftime("%Y%m%dT%H%M%SZ")
    folder = Path(target) / f"{config.site_id}-{stamp}"
    for number in range(2, 100):  # two backups in one second: a new folder, never an overwrite
        if not folder.exists():
            break
        folder = Path(target) / f"{config.site_id}-{stamp}-{number}"
    if folder.exists():
        raise BackupError(f"{folder} already exists")
    folder.mkdir(parents=True, mode=0o700)
    try:
        source = sqlite_path(config)
        if source is not None:
            kind, file = "sqlite", folder / SQLITE_FILE
            _sqlite_snapshot(source, file)
            snapshot = peewee.SqliteDatabase(str(file), pragmas={"query_only": 1})  # stays journal_mode=DELETE
        else:
            kind, file = "postgresql", folder / PG_FILE
            _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(file), _libpq_url(config.database_url)])
            snapshot = db.open_database(config.database_url)  # pg_dump saw one transaction's view
        with bound(snapshot):
            summary, versions = audit_summary(), schema_versions()
        manifest = {"format": FORMAT, "site_id": config.site_id, "created_at": now().isoformat(),
                    "database": kind, "file": file.name, "sha256": _sha256(file),
                    "audit": {"size": summary.size, "root_hash": summary.root_hash,
                              "checkpoint": summary.checkpoint},
                    "schema": versions, "secrets": "separate" if secrets_to else "not included"}
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        _fsync_dir(folder)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    if secrets_to is not None:
        copy_secrets(config.secrets_dir, Path(secrets_to))
    return folder


def _sqlite_snapshot(source: Path, file: Path) -> None:
    """SQLite's online backup API: a consistent copy while others read and write."""
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30) as src, sqlite3.connect(file) as dst:
        src.backup(dst)
    with sqlite3.connect(file) as dst:  # a standalone file: no WAL beside it
        dst.execute("PRAGMA journal_mode=DELETE")
    os.chmod(file, 0o600)


def copy_secrets(source: Path, target: Path, overwrite: bool = False) -> list[str]:
    """Copy every secret file from ``source`` to ``target`` (mode 0700/0600); returns the names.

    An existing different file in ``target`` is refused unless ``overwrite``.
    """
    target.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(target, 0o700)
    copied = []
    for path in sorted(p for p in source.iterdir() if p.is_file()):
        destination = target / path.name
        content = path.read_bytes()
        if destination.exists():
            if destination.read_bytes() == content:
                continue
            if not overwrite:
                raise BackupError(f"{destination} exists with other content; refusing to replace a key "
                                  "(use --force if you are sure)")
        temporary = target / f".{path.name}.{secrets.token_hex(4)}"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, destination)
        copied.append(path.name)
    _fsync_dir(target)
    return copied


# ---- restore --------------------------------------------------------------------------

def read_manifest(folder: Path) -> dict[str, Any]:
    """The backup's manifest, with its snapshot's hash checked."""
    path = Path(folder) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserInputError(f"{path} not found: {folder} is not a station backup") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise BackupError(f"{path} is damaged: {exc}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: unknown backup format {manifest.get('format')!r}")
    file = Path(folder) / manifest["file"]
    if not file.exists() or _sha256(file) != manifest["sha256"]:
        raise BackupError(f"{file} does not match the SHA-256 in its manifest: the backup is damaged")
    return manifest


def restore(config: Config, folder: Path, *, force: bool = False, secrets_from: Path | None = None,
            actor: str = "cli") -> RestoreReport:
    """Replace the site's database by the backup in ``folder``, after verifying it.

    Refused (:class:`BackupError`, nothing replaced) when the snapshot is damaged, its audit
    log does not verify or does not match the manifest, it belongs to another site, or its
    log is shorter than the current one and ``force`` is not given.
    """
    manifest = read_manifest(folder)
    if manifest["site_id"] != config.site_id:
        raise BackupError(f"this backup is of site {manifest['site_id']!r}, not {config.site_id!r}")
    copied: list[str] = []
    if secrets_from is not None:
        copied = copy_secrets(Path(secrets_from), config.secrets_dir, overwrite=force)
    kind = "sqlite" if sqlite_path(config) is not None else "postgresql"
    if manifest["database"] != kind:
        raise BackupError(f"this backup is of a {manifest['database']} database; the site uses {kind}")
    audit = make_audit_log(config)
    staged = _stage(config, Path(folder) / manifest["file"], kind)
    try:
        with bound(staged.open()):
            report = audit.verify()
            summary = audit_summary()
        if not report.ok:
            raise BackupError(f"the backup's audit log does not verify ({report.problem}); nothing was replaced")
        expected = manifest["audit"]
        if (summary.size, summary.root_hash) != (expected["size"], expected["root_hash"]):
            raise BackupError("the backup's audit log does not match its manifest; nothing was replaced")
        current = _current_audit_size(config)
        if current is not None and current > summary.size and not force:
            raise BackupError(f"the backup's audit log has {summary.size} entries, fewer than the {current} of "
                              "the database it would replace: restoring it would roll the log back. "
                              "Use --force if this is really meant (the restore is audited)")
        kept = staged.replace_current()
    except BaseException:
        staged.discard()
        raise
    with bound(db.open_database(config.database_url, config.home)):
        from core.audit.log import transaction

        with transaction():
            audit.record("station.restore", actor=actor, object_ref=f"backup:{Path(folder).name}",
                         details={"size": summary.size, "replaced_size": current, "forced": force,
                                  "rolled_back": current is not None and current > summary.size})
        audit.checkpoint()
    return RestoreReport(summary.size, current, force, kept, copied)


def _current_audit_size(config: Config) -> int | None:
    """Size of the audit log the restore would replace; ``None`` if there is none to read."""
    from core.startup import StartupRefused, open_existing_database

    try:
        database = open_existing_database(config)
    except (StartupRefused, StationError):
        return None
    with bound(database):
        try:
            from core.audit.store import AuditHead

            head = AuditHead.get_or_none(AuditHead.id == 1)
        except peewee.DatabaseError:
            return None
        return head.size if head else 0


class _SqliteStage:
    def __init__(self, config: Config, snapshot: Path) -> None:
        self.target = sqlite_path(config)
        self.target.parent.mkdir(parents=True, exist_ok=True)
        self.staged = self.target.with_name(f"{self.target.name}.restoring-{secrets.token_hex(4)}")
        shutil.copyfile(snapshot, self.staged)
        os.chmod(self.staged, 0o600)

    def open(self) -> peewee.Database:
        return db.open_database(f"sqlite:///{self.staged}")

    def replace_current(self) -> str | None:
        kept = None
        if self.target.exists():
            kept_path = self.target.with_name(f"{self.target.name}.replaced-{time.strftime('%Y%m%dT%H%M%S')}")
            os.replace(self.target, kept_path)
            kept = str(kept_path)
        for suffix in ("-wal", "-shm"):
            leftover = self.target.with_name(self.target.name + suffix)
            if leftover.exists():
                leftover.unlink()
        for suffix in ("-wal", "-shm"):
            staged_extra = self.staged.with_name(self.staged.name + suffix)
            if staged_extra.exists():
                staged_extra.unlink()
        os.replace(self.staged, self.target)
        _fsync_dir(self.target.parent)
        return kept

    def discard(self) -> None:
        for path in (self.staged, self.staged.with_name(self.staged.name + "-wal"),
                     self.staged.with_name(self.staged.name + "-shm")):
            if path.exists():
                path.unlink()


class _PostgresStage:
    """Restores the dump into a scratch database, then swaps names with the site's database."""

    def __init__(self, config: Config, snapshot: Path) -> None:
        self.url = config.database_url.replace("postgres://", "postgresql://", 1)
        parsed = urlparse(self.url)
        self.name = parsed.path.lstrip("/")
        self.scratch = f"{self.name}_restoring_{secrets.token_hex(3)}"
        self.admin = urlunparse(parsed._replace(path="/postgres"))
        self._admin_sql(f'CREATE DATABASE "{self.scratch}"')
        _run(["pg_restore", "--no-owner", "--exit-on-error", "--dbname",
              _libpq_url(urlunparse(parsed._replace(path="/" + self.scratch))), str(snapshot)])

    def _admin_sql(self, *statements: str) -> None:
        import psycopg2

        try:
            connection = psycopg2.connect(self.admin)
        except psycopg2.Error as exc:
            raise BackupError(f"cannot reach PostgreSQL: {str(exc).strip()}") from None
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
        except psycopg2.Error as exc:
            raise BackupError(f"PostgreSQL refused the restore ({str(exc).strip()}); stop the station "
                              "before restoring") from None
        finally:
            connection.close()

    def open(self) -> peewee.Database:
        return db.open_database(urlunparse(urlparse(self.url)._replace(path="/" + self.scratch)))

    def replace_current(self) -> str | None:
        kept = f"{self.name}_replaced_{time.strftime('%Y%m%d%H%M%S')}"
        self._admin_sql(f'ALTER DATABASE "{self.name}" RENAME TO "{kept}"',
                        f'ALTER DATABASE "{self.scratch}" RENAME TO "{self.name}"')
        return kept

    def discard(self) -> None:
        self._admin_sql(f'DROP DATABASE IF EXISTS "{self.scratch}" WITH (FORCE)')


def _stage(config: Config, snapshot: Path, kind: str) -> _SqliteStage | _PostgresStage:
    return _SqliteStage(config, snapshot) if kind == "sqlite" else _PostgresStage(config, snapshot)


def _libpq_url(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


def _run(command: list[str]) -> None:
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=3600)
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is not installed (install the PostgreSQL client tools)") from None
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[:500]}")
