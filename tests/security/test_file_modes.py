"""Issue 16 item 3 (files): the SQLite database and its -wal/-shm files are owner-only (0600),
whatever the umask; secrets stay 0700/0600."""

from __future__ import annotations

import os
import stat

from core import db


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_database_wal_and_shm_are_created_0600_even_with_a_loose_umask(make_station):
    old = os.umask(0o022)
    try:
        app = make_station(plugins=[])
        with app.app_context():
            app.extensions["station"].audit.record("test.write", actor="test")  # makes -wal and -shm
    finally:
        os.umask(old)
    home = app.extensions["station"].config.home
    database = home / "station.db"
    files = [database, home / "station.db-wal", home / "station.db-shm"]
    assert all(f.exists() for f in files), [f.name for f in files if not f.exists()]
    assert {f.name: _mode(f) for f in files} == {f.name: 0o600 for f in files}
    assert _mode(home / "secrets") == 0o700
    assert all(_mode(f) == 0o600 for f in (home / "secrets").iterdir())


def test_an_existing_world_readable_database_is_tightened(tmp_path):
    file = tmp_path / "station.db"
    file.write_bytes(b"")
    file.chmod(0o644)
    db.restrict_file_mode(file)
    assert _mode(file) == 0o600
