"""Key-encryption keys on disk, per-citizen data keys in the database, and KEK rotation.

Files in ``secrets/`` (mode 0600):

* ``data.kek`` — the current KEK: every new data key is wrapped by it;
* ``data.kek.new`` — the next KEK while a rotation is in progress (written before any data
  key is wrapped by it, so an interrupted rotation never leaves a key wrapped by a missing KEK);
* ``data.kek.<kek id>.old`` — a retiring KEK, deleted only once no data key refers to it.

The station can unwrap with any of them, so it keeps working at every step of an interrupted
rotation; running ``station keys rotate`` again completes it.

Table ``citizen_key``: one row per citizen and key version with the wrapped key, the id of
the KEK that wraps it, and ``destroyed_at`` once the citizen is erased (crypto-shredding:
``wrapped_key`` and ``kek_id`` are set to NULL, the row stays as a tombstone so a leftover
ciphertext reports :class:`DataErased` instead of "unknown key").
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import peewee
from flask import Flask, current_app, has_app_context

from core.audit.log import transaction
from core.db import BaseModel, database
from core.privacy import sealed
from core.privacy.crypto import (
    KEY_SIZE,
    PrivacyError,
    Random,
    kek_id,
    new_key,
    unwrap_data_key,
    wrap_data_key,
)
from core.secrets import read_raw_key
from core.station import current_station

KEK_FILE = "data.kek"
NEXT_KEK_FILE = "data.kek.new"
OLD_KEK_SUFFIX = ".old"


class DataErased(PrivacyError):
    """The citizen's data was erased: their data key is destroyed and the value is gone for good."""

    http_status = 410

    def __init__(self, message: str = "This personal data was erased at the citizen's request and can no "
                                      "longer be read.") -> None:
        super().__init__(message)


class KeyMissing(PrivacyError):
    """A data key or the key-encryption key it needs cannot be found."""


class CitizenKey(BaseModel):
    """One wrapped data key of one citizen (or its tombstone after erasure)."""

    citizen_id = peewee.IntegerField()
    key_version = peewee.IntegerField()
    wrapped_key = peewee.BlobField(null=True)
    kek_id = peewee.CharField(max_length=16, null=True, index=True)
    created_at = peewee.DoubleField()
    destroyed_at = peewee.DoubleField(null=True)

    class Meta:
        table_name = "citizen_key"
        primary_key = peewee.CompositeKey("citizen_id", "key_version")


class KeyRing:
    """The station's KEKs by id, read from ``secrets/``: current, next and retiring ones."""

    def __init__(self, secrets_dir: Path) -> None:
        self.secrets_dir = Path(secrets_dir)
        self._known: dict[str, bytes] = {}

    def current(self) -> tuple[str, bytes]:
        """The KEK that wraps new data keys, read from disk each time (it changes on rotation)."""
        kek = read_raw_key(self.secrets_dir, KEK_FILE)
        ident = kek_id(kek)
        self._known[ident] = kek
        return ident, kek

    def get(self, ident: str) -> bytes:
        """The KEK with id ``ident``; looks on disk again when it is not known yet."""
        if ident not in self._known:
            self.reload()
        kek = self._known.get(ident)
        if kek is None:
            raise KeyMissing(f"key-encryption key {ident} is not in {self.secrets_dir}; restore it from the "
                             "station's key backup (data keys wrapped by it cannot be opened)")
        return kek

    def known(self) -> dict[str, bytes]:
        """Every KEK on disk by id (re-read)."""
        self.reload()
        return dict(self._known)

    def reload(self) -> None:
        """Read every KEK file in the secrets folder."""
        for path in self.kek_files():
            kek = path.read_bytes()
            if len(kek) == KEY_SIZE:  # a short file is an interrupted write nothing refers to
                self._known[kek_id(kek)] = kek

    def known_ids(self) -> set[str]:
        """Ids of the KEKs read so far (call :meth:`reload` first to read every file)."""
        return set(self._known)

    def kek_files(self) -> list[Path]:
        """``data.kek``, ``data.kek.new`` and every ``data.kek.<id>.old`` that exist."""
        names = [KEK_FILE, NEXT_KEK_FILE]
        found = [self.secrets_dir / n for n in names if (self.secrets_dir / n).exists()]
        return found + sorted(self.secrets_dir.glob(f"{KEK_FILE}.*{OLD_KEK_SUFFIX}"))


class DataKeys:
    """Creates, unwraps and destroys citizens' data keys."""

    def __init__(self, ring: KeyRing, clock: Callable[[], float], rng: Random = os.urandom) -> None:
        self.ring = ring
        self.clock = clock
        self.rng = rng

    def for_writing(self, citizen_id: int) -> tuple[int, bytes]:
        """The citizen's current data key (version, key), created on first use.

        :class:`DataErased` when the citizen was erased: nothing new is written for them.
        """
        row = self._latest(citizen_id)
        if row is None:
            with transaction():
                lock_key_table()
                ident, kek = self.ring.current()  # read under the lock: see rotate_kek
                key = new_key(self.rng)
                (CitizenKey.insert(citizen_id=citizen_id, key_version=1, created_at=self.clock(), kek_id=ident,
                                   wrapped_key=wrap_data_key(kek, key, citizen_id, 1, self.rng))
                 .on_conflict_ignore().execute())
                row = self._latest(citizen_id)
        return row.key_version, self._unwrap(row)

    def for_reading(self, citizen_id: int, key_version: int) -> bytes:
        """The data key a ciphertext names; :class:`DataErased` if it was destroyed."""
        row = CitizenKey.get_or_none((CitizenKey.citizen_id == citizen_id)
                                     & (CitizenKey.key_version == key_version))
        if row is None:
            raise KeyMissing("an encrypted value names a data key that does not exist (the row was written for "
                             "another citizen or the key table was restored from an older backup)")
        return self._unwrap(row)

    def ensure_not_erased(self, citizen_id: int) -> None:
        """:class:`DataErased` when the citizen's key was destroyed (nothing new is stored for them)."""
        row = self._latest(citizen_id)
        if row is not None and row.destroyed_at is not None:
            raise DataErased()

    def destroy(self, citizen_id: int) -> int:
        """Crypto-shred every data key of the citizen (a tombstone is kept); returns how many."""
        now = self.clock()
        count = (CitizenKey.update(wrapped_key=None, kek_id=None, destroyed_at=now)
                 .where((CitizenKey.citizen_id == citizen_id) & CitizenKey.destroyed_at.is_null()).execute())
        (CitizenKey.insert(citizen_id=citizen_id, key_version=1, created_at=now, destroyed_at=now)
         .on_conflict_ignore().execute())
        return count

    def _latest(self, citizen_id: int) -> CitizenKey | None:
        return (CitizenKey.select().where(CitizenKey.citizen_id == citizen_id)
                .order_by(CitizenKey.key_version.desc()).first())

    def _unwrap(self, row: CitizenKey) -> bytes:
        if row.destroyed_at is not None or row.wrapped_key is None:
            raise DataErased()
        return unwrap_data_key(self.ring.get(row.kek_id), bytes(row.wrapped_key), row.citizen_id, row.key_version)


def lock_key_table() -> None:
    """Serialise writers of ``citizen_key`` (SQLite: the IMMEDIATE transaction already does)."""
    if not isinstance(database.obj, peewee.SqliteDatabase):
        database.execute_sql("LOCK TABLE citizen_key IN SHARE ROW EXCLUSIVE MODE")


_STANDALONE: list[DataKeys] = []  # a stack, process-wide: worker threads of a tool see it too


@contextmanager
def standalone_keys(secrets_dir: Path, clock: Callable[[], float]) -> Iterator[DataKeys]:
    """Data keys outside an app context: for core migrations that encrypt existing rows
    (they run before the app exists)."""
    keys = DataKeys(KeyRing(Path(secrets_dir)), clock)
    _STANDALONE.append(keys)
    try:
        yield keys
    finally:
        _STANDALONE.remove(keys)


def standalone_secrets_dir() -> Path | None:
    """The secrets folder of :func:`standalone_keys` when one is active."""
    return _STANDALONE[-1].ring.secrets_dir if _STANDALONE else None


def data_keys(app: Flask | None = None) -> DataKeys:
    """The station's data key service (created on first use, inside an app context)."""
    if app is None and not has_app_context():
        if _STANDALONE:
            return _STANDALONE[-1]
    app = app or current_app._get_current_object()
    keys = app.extensions.get("privacy.data_keys")
    if keys is None:
        station = current_station(app)
        keys = app.extensions.setdefault("privacy.data_keys",
                                         DataKeys(KeyRing(station.config.secrets_dir), station.clock))
    return keys


# ---- rotation -------------------------------------------------------------------------


@dataclass
class RotationReport:
    """What a rotation did (ids only, never key material)."""

    new_kek_id: str
    old_kek_ids: list[str]
    rewrapped: int
    resumed: bool
    retired: list[str] = field(default_factory=list)
    resealed: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def rotate_kek(secrets_dir: Path, record_audit: Callable[..., Any], rng: Random = os.urandom) -> RotationReport:
    """Replace the station KEK and re-wrap every data key with the new one.

    Steps, each safe to interrupt (re-running resumes at the first unfinished one):

    1. write ``data.kek.new`` (or reuse it: an earlier rotation was interrupted);
    2. keep the current KEK as ``data.kek.<id>.old``;
    3. in one transaction, re-wrap every data key not wrapped by the new KEK and append the
       ``keys.rotate`` audit entry (ids and counts only);
    4. make the new KEK current (atomic rename over ``data.kek``);
    5. re-wrap stragglers made meanwhile by a running station, then delete every ``.old`` KEK
       that no data key refers to any more.

    ``record_audit(action, details=...)`` appends the audit entry inside the transaction.
    """
    secrets_dir = Path(secrets_dir)
    ring = KeyRing(secrets_dir)
    next_path = secrets_dir / NEXT_KEK_FILE
    if next_path.exists() and next_path.stat().st_size != KEY_SIZE:
        next_path.unlink()  # torn write of step 1: no data key can refer to it yet
    resumed = next_path.exists()
    if not resumed:
        _write_secret_file(next_path, new_key(rng))
    new_kek = next_path.read_bytes()
    new_id = kek_id(new_kek)
    current_id, current = ring.current()
    if current_id != new_id:
        old_path = secrets_dir / f"{KEK_FILE}.{current_id}{OLD_KEK_SUFFIX}"
        if not old_path.exists():
            _write_secret_file(old_path, current)
    ring.reload()
    with transaction():
        lock_key_table()
        old_ids = sorted({row.kek_id for row in CitizenKey.select(CitizenKey.kek_id).where(
            CitizenKey.kek_id.is_null(False) & (CitizenKey.kek_id != new_id))})
        rewrapped = _rewrap(ring, new_id, new_kek, rng)
        resealed = sealed.reseal_all(ring, new_kek)
        _check_all_open(new_id, new_kek)  # before anything commits or the new KEK becomes current
        record_audit("keys.rotate", details={"from": old_ids, "to": new_id, "rewrapped": rewrapped,
                                             "resealed": sum(resealed.values()), "resumed": resumed})
    os.replace(next_path, secrets_dir / KEK_FILE)
    _fsync_dir(secrets_dir)
    report = RotationReport(new_id, old_ids, rewrapped, resumed, resealed=resealed)
    report.retired = retire_unused_keks(secrets_dir, rng)
    return report


def retire_unused_keks(secrets_dir: Path, rng: Random = os.urandom) -> list[str]:
    """Delete every ``data.kek.<id>.old`` file that no data key refers to; returns their ids."""
    ring = KeyRing(secrets_dir)
    current_id, current = ring.current()
    ring.reload()
    with transaction():
        lock_key_table()
        _rewrap(ring, current_id, current, rng)
        sealed.reseal_all(ring, current)  # values sealed by a running station meanwhile
    retired = []
    with transaction():
        lock_key_table()  # nobody wraps a new key while we look and delete
        in_use = {row.kek_id for row in CitizenKey.select(CitizenKey.kek_id).distinct()
                  .where(CitizenKey.kek_id.is_null(False))}
        in_use |= {ident for ident in sealed.kek_ids_in_use() if ident is not None}
        for path in sorted(secrets_dir.glob(f"{KEK_FILE}.*{OLD_KEK_SUFFIX}")):
            ident = kek_id(path.read_bytes())
            if ident not in in_use and ident != current_id:
                path.unlink()
                retired.append(ident)
    if retired:
        _fsync_dir(secrets_dir)
    return retired


def key_status(secrets_dir: Path) -> dict[str, Any]:
    """KEK files present and how many data keys each wraps (for ``station keys status``)."""
    ring = KeyRing(secrets_dir)
    current_id, _ = ring.current()
    files = {}
    for path in ring.kek_files():
        files[path.name] = kek_id(path.read_bytes())
    sealed_by_kek: dict[str, int] = {}
    for ident in sealed.kek_ids_in_use():
        sealed_by_kek[ident or "legacy"] = 0
    for column in sealed.SEALED_COLUMNS:
        for (value,) in column.model.select(column.field()).where(column.field() != "").tuples():
            name = sealed.sealed_kek_id(value) or "legacy"
            sealed_by_kek[name] = sealed_by_kek.get(name, 0) + 1
    counts = {ident or "destroyed": n for ident, n in
              CitizenKey.select(CitizenKey.kek_id, peewee.fn.COUNT(CitizenKey.citizen_id))
              .group_by(CitizenKey.kek_id).tuples()}
    return {"current_kek_id": current_id, "files": files, "data_keys_by_kek": counts,
            "sealed_secrets_by_kek": sealed_by_kek,
            "rotation_in_progress": (Path(secrets_dir) / NEXT_KEK_FILE).exists()}


def _check_all_open(new_id: str, new_kek: bytes) -> None:
    """Every live data key must now be wrapped by the new KEK and unwrap with it."""
    for row in CitizenKey.select().where(CitizenKey.kek_id.is_null(False)):
        if row.kek_id != new_id:
            raise KeyMissing(f"data key of citizen {row.citizen_id} is still wrapped by KEK {row.kek_id}")
        unwrap_data_key(new_kek, bytes(row.wrapped_key), row.citizen_id, row.key_version)


def _rewrap(ring: KeyRing, new_id: str, new_kek: bytes, rng: Random) -> int:
    rows = list(CitizenKey.select().where(CitizenKey.kek_id.is_null(False) & (CitizenKey.kek_id != new_id)))
    for row in rows:
        key = unwrap_data_key(ring.get(row.kek_id), bytes(row.wrapped_key), row.citizen_id, row.key_version)
        (CitizenKey.update(wrapped_key=wrap_data_key(new_kek, key, row.citizen_id, row.key_version, rng),
                           kek_id=new_id)
         .where((CitizenKey.citizen_id == row.citizen_id) & (CitizenKey.key_version == row.key_version))
         .execute())
    return len(rows)


def _write_secret_file(path: Path, content: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
