"""``station backup`` / ``station restore``: consistent snapshot, manifest, verified restore.

Failure 11 of the fault campaign (issue 22): there was no backup or restore.
"""

import json
import os
import shutil
import sqlite3
import stat
import threading

import pytest

from core.cli import main


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory):
    home = tmp_path_factory.mktemp("template") / "site"
    assert main(["--home", str(home), "init", "--demo"]) == 0
    from core import db

    db.database.close()
    return home


@pytest.fixture
def site(demo_template, tmp_path, capsys):
    home = tmp_path / "site"
    shutil.copytree(demo_template, home)
    capsys.readouterr()
    return home


def append_audit(home, count: int, action: str = "test.event") -> None:
    """Audited changes made by a station of the site (as a running station would)."""
    from core.app import create_app
    from core.audit.log import transaction
    from core.config import load_config

    app = create_app(load_config(home))
    log = app.extensions["station"].audit
    with app.app_context():
        for n in range(count):
            with transaction():
                log.record(action, actor="test", object_ref=f"thing:{n}")
        log.checkpoint()
    from core import db

    db.database.close()


def backup_folder(home, capsys, *extra: str):
    assert main(["--home", str(home), "backup", "--to", str(home.parent / "backups"), *extra]) == 0
    out = capsys.readouterr().out
    return next((home.parent / "backups").iterdir()), out


def release_connections() -> None:
    """Close this process's connections (a PostgreSQL restore renames databases, which needs that)."""
    import gc

    from core import db

    db.database.close()
    gc.collect()  # apps of earlier in-process commands hold connections in reference cycles


def audit_actions(home, capsys) -> list[str]:
    assert main(["--home", str(home), "audit", "export"]) == 0
    release_connections()
    return [json.loads(line)["action"] for line in capsys.readouterr().out.splitlines()]


def test_backup_writes_snapshot_and_manifest_with_audit_size_root_and_checkpoint_but_no_secrets(site, capsys):
    base = len(audit_actions(site, capsys))  # what `station init` recorded
    append_audit(site, 5)
    folder, out = backup_folder(site, capsys)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["database"] == "sqlite" and manifest["site_id"] == "demo-hoan-kiem-01"
    assert manifest["audit"]["size"] == base + 5 and len(manifest["audit"]["root_hash"]) == 64
    assert manifest["audit"]["checkpoint"].startswith(f"citizen-station/demo-hoan-kiem-01\n{base + 5}\n")
    assert manifest["schema"]["core"] >= 6
    assert sorted(p.name for p in folder.iterdir()) == ["manifest.json", "station.db"]
    assert "secrets are not in the backup" in out
    with sqlite3.connect(folder / "station.db") as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_secrets_go_only_where_asked_with_mode_0600(site, capsys, tmp_path):
    keys = tmp_path / "usb-keys"
    folder, _ = backup_folder(site, capsys, "--secrets-to", str(keys))
    assert not any("kek" in p.name or p.suffix == ".pem" for p in folder.iterdir())
    assert (keys / "data.kek").read_bytes() == (site / "secrets" / "data.kek").read_bytes()
    assert stat.S_IMODE(os.stat(keys).st_mode) == 0o700
    assert all(stat.S_IMODE(os.stat(p).st_mode) == 0o600 for p in keys.iterdir())


def test_backup_while_the_station_writes_is_consistent(site, capsys):
    append_audit(site, 1)
    writer = threading.Thread(target=append_audit, args=(site, 150))
    writer.start()
    try:
        folder, _ = backup_folder(site, capsys)
    finally:
        writer.join()
    # restoring the snapshot verifies its whole audit log (it refuses a log that does not)
    assert main(["--home", str(site), "restore", str(folder), "--force"]) == 0
    assert main(["--home", str(site), "audit", "verify"]) == 0
    assert "OK:" in capsys.readouterr().out


def test_restore_after_corruption_brings_the_station_back_and_is_audited(site, capsys):
    base = audit_actions(site, capsys)
    append_audit(site, 3)
    folder, _ = backup_folder(site, capsys)
    with (site / "station.db").open("r+b") as handle:
        handle.truncate(40_000)
    assert main(["--home", str(site), "audit", "verify"]) == 1
    assert "station restore" in capsys.readouterr().err
    assert main(["--home", str(site), "restore", str(folder)]) == 0
    out = capsys.readouterr().out
    assert f"audit log verified, {len(base) + 3} entries" in out
    assert main(["--home", str(site), "audit", "verify"]) == 0
    capsys.readouterr()
    assert audit_actions(site, capsys) == base + ["test.event"] * 3 + ["station.restore"]


def test_restore_refuses_an_older_log_unless_forced_and_records_the_rollback(site, capsys):
    base = audit_actions(site, capsys)
    n = len(base)
    append_audit(site, 2)
    folder, _ = backup_folder(site, capsys)
    append_audit(site, 2, "test.later")
    before = (site / "station.db").read_bytes()
    assert main(["--home", str(site), "restore", str(folder)]) == 1
    assert f"fewer than the {n + 4}" in capsys.readouterr().err
    assert (site / "station.db").read_bytes() == before  # nothing replaced
    assert main(["--home", str(site), "restore", str(folder), "--force"]) == 0
    assert "rolled back with --force" in capsys.readouterr().out
    assert audit_actions(site, capsys) == base + ["test.event", "test.event", "station.restore"]
    with sqlite3.connect(site / "station.db") as connection:
        leaf = connection.execute("SELECT leaf FROM audit_entry WHERE idx = ?", (n + 2,)).fetchone()[0]
    assert json.loads(leaf)["details"] == {"forced": True, "replaced_size": n + 4, "rolled_back": True, "size": n + 2}


def test_restore_refuses_a_backup_whose_audit_log_was_altered(site, capsys):
    append_audit(site, 3)
    folder, _ = backup_folder(site, capsys)
    snapshot = folder / "station.db"
    connection = sqlite3.connect(snapshot)
    with connection:
        connection.execute("UPDATE audit_entry SET leaf = replace(leaf, 'thing:1', 'thing:9') "
                           "WHERE leaf LIKE '%thing:1%'")
    connection.close()
    manifest = json.loads((folder / "manifest.json").read_text())
    import hashlib

    manifest["sha256"] = hashlib.sha256(snapshot.read_bytes()).hexdigest()  # a careful forger
    (folder / "manifest.json").write_text(json.dumps(manifest))
    before = (site / "station.db").read_bytes()
    assert main(["--home", str(site), "restore", str(folder), "--force"]) == 1
    assert "does not verify" in capsys.readouterr().err
    assert (site / "station.db").read_bytes() == before
    assert not [p for p in site.iterdir() if "restoring" in p.name]


def test_restore_refuses_a_damaged_snapshot(site, capsys):
    folder, _ = backup_folder(site, capsys)
    with (folder / "station.db").open("r+b") as handle:
        handle.seek(5000)
        handle.write(b"\xff" * 16)
    assert main(["--home", str(site), "restore", str(folder)]) == 1
    assert "does not match the SHA-256" in capsys.readouterr().err


def test_restore_drill_lost_volume_database_and_keys_come_back(site, capsys, tmp_path):
    """The documented drill: the disk is lost; the backup and the key copy bring the station back."""
    append_audit(site, 2)
    keys = tmp_path / "usb-keys"
    folder, _ = backup_folder(site, capsys, "--secrets-to", str(keys))
    (site / "station.db").unlink()
    shutil.rmtree(site / "secrets")
    assert main(["--home", str(site), "plugins", "list"]) == 1
    capsys.readouterr()
    assert main(["--home", str(site), "restore", str(folder), "--secrets", str(keys)]) == 0
    assert "secrets put back" in capsys.readouterr().out
    assert main(["--home", str(site), "audit", "verify"]) == 0
    assert main(["--home", str(site), "plugins", "list"]) == 0


def test_postgres_backup_and_restore_round_trip(tmp_path, capsys, monkeypatch):
    from sdk.testing import TemporaryPostgresDatabase, require_postgres

    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed")
    database = TemporaryPostgresDatabase(require_postgres())
    try:
        home = tmp_path / "site"
        monkeypatch.setenv("STATION_DATABASE_URL", database.url)
        assert main(["--home", str(home), "init"]) == 0
        capsys.readouterr()
        base = audit_actions(home, capsys)
        from core import db

        db.database.close()
        append_audit(home, 3)
        folder, _ = backup_folder(home, capsys)
        assert json.loads((folder / "manifest.json").read_text())["database"] == "postgresql"
        append_audit(home, 1, "test.later")
        release_connections()
        assert main(["--home", str(home), "restore", str(folder)]) == 1
        assert f"fewer than the {len(base) + 4}" in capsys.readouterr().err
        assert main(["--home", str(home), "restore", str(folder), "--force"]) == 0
        out = capsys.readouterr().out
        kept = out.split("kept as ")[1].split()[0]
        assert main(["--home", str(home), "audit", "verify"]) == 0
        capsys.readouterr()
        assert audit_actions(home, capsys) == base + ["test.event"] * 3 + ["station.restore"]
        db.database.close()
    finally:
        import psycopg2

        from core import db

        db.database.close()
        connection = psycopg2.connect(require_postgres())
        connection.autocommit = True
        with connection.cursor() as cursor:
            for name in [locals().get("kept")]:
                if name:
                    cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.close()
        database.drop()
