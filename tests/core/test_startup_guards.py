"""Start-up guards: a station refuses a site whose database or keys are missing, empty or damaged.

Failures 1-4 of the fault campaign (issue 22): a missing or empty database was replaced by a
fresh one, a missing ``data.kek`` was generated anew, a truncated database gave two
tracebacks, and secret files with mode 0644 or no content were accepted.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory):
    home = tmp_path_factory.mktemp("template") / "site"
    assert main(["--home", str(home), "init", "--demo"]) == 0
    from core import db

    db.database.close()  # the last connection folds the WAL into station.db
    return home


@pytest.fixture
def site(demo_template, tmp_path, capsys):
    import shutil

    home = tmp_path / "site"
    shutil.copytree(demo_template, home)
    capsys.readouterr()
    return home


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def refused(home: Path, capsys, *args: str) -> str:
    assert main(["--home", str(home), *(args or ("run", "--port", str(free_port())))]) == 1
    captured = capsys.readouterr()
    assert "serving at" not in captured.out
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    return lines[0]


def test_missing_database_is_refused_not_replaced(site, capsys):
    (site / "station.db").unlink()
    line = refused(site, capsys)
    assert "Không có cơ sở dữ liệu" in line and "the database" in line and "is missing" in line
    assert "station restore" in line
    assert not (site / "station.db").exists()


def test_empty_database_is_refused_and_left_as_it_is(site, capsys):
    (site / "station.db").write_bytes(b"")
    line = refused(site, capsys, "plugins", "list")
    assert "rỗng" in line and "is empty (0 bytes)" in line and "station restore" in line
    assert (site / "station.db").stat().st_size == 0


def test_only_init_and_migrate_create_a_database(site, capsys):
    (site / "station.db").unlink()
    refused(site, capsys, "audit", "verify")
    assert not (site / "station.db").exists()
    assert main(["--home", str(site), "migrate"]) == 0
    assert (site / "station.db").stat().st_size > 0
    assert main(["--home", str(site), "plugins", "list"]) == 0


def test_truncated_database_names_the_file_and_points_to_restore_without_traceback(site):
    database = site / "station.db"
    with database.open("r+b") as handle:
        handle.truncate(40_000)  # a torn copy: the schema pages survive, the data pages do not
    env = {**os.environ, "STATION_HOME": str(site)}
    result = subprocess.run([sys.executable, "-m", "core.cli", "run", "--port", str(free_port())], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(database) in lines[0] and "bị hỏng" in lines[0] and "is damaged" in lines[0]
    assert "station restore" in lines[0]


def test_a_file_that_is_not_a_database_is_refused_as_damaged(site, capsys):
    (site / "station.db").write_bytes(b"this is not sqlite" * 100)
    assert "is damaged (not a SQLite database file)" in refused(site, capsys)


@pytest.mark.parametrize("name", ["data.kek", "hmac.key", "station_ed25519.pem"])
def test_missing_key_of_an_initialised_site_is_refused_not_made_anew(site, capsys, name):
    (site / "secrets" / name).unlink()
    line = refused(site, capsys)
    assert name in line and "is missing" in line and "station restore --secrets" in line
    assert not (site / "secrets" / name).exists()
    # nor does `station init` quietly make one beside the existing data
    assert main(["--home", str(site), "init"]) == 1
    capsys.readouterr()
    assert not (site / "secrets" / name).exists()


def test_kek_that_wraps_citizen_data_must_be_present(site, capsys):
    import sqlite3

    with sqlite3.connect(site / "station.db") as connection:
        connection.execute("INSERT INTO citizen (id_hash, created_at) VALUES ('x', 0)")
        connection.execute("INSERT INTO citizen_key (citizen_id, key_version, wrapped_key, kek_id, created_at) "
                           "VALUES (1, 1, x'00', 'deadbeef', 0)")
    line = refused(site, capsys)
    assert "deadbeef" in line and "cannot be read" in line


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_secret_readable_by_others_is_refused(site, capsys, mode):
    os.chmod(site / "secrets" / "hmac.key", mode)
    line = refused(site, capsys)
    assert f"{mode:04o}" in line and "chmod 600" in line and "others can read it" in line


@pytest.mark.parametrize("name", ["data.kek", "session.key", "station_ed25519.pem"])
def test_empty_secret_is_refused(site, capsys, name):
    (site / "secrets" / name).write_bytes(b"")
    line = refused(site, capsys)
    assert name in line and "is empty" in line and "rỗng" in line


def test_a_healthy_site_still_starts_commands(site, capsys):
    assert main(["--home", str(site), "audit", "verify"]) == 0
    assert "OK:" in capsys.readouterr().out
