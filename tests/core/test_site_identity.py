"""The audit log's identity is fixed when the log starts; the site's id and name can change.

Issue 23, critical item 1: changing ``[site] id`` used to make ``station audit verify`` fail
for good. These tests walk the manager's path with the real ``station`` command on SQLite
and PostgreSQL.
"""

import json
import tomllib

import pytest

from core import db
from core.cli import main
from sdk.testing import TemporaryPostgresDatabase, require_postgres


@pytest.fixture(params=["sqlite", "postgres"])
def site(request, tmp_path, monkeypatch, capsys):
    """A fresh non-demo site made by ``station init`` with the site's own id and name."""
    temp = None
    if request.param == "postgres":
        temp = TemporaryPostgresDatabase(require_postgres())
        monkeypatch.setenv("STATION_DATABASE_URL", temp.url)
    home = tmp_path / "site"
    assert main(["--home", str(home), "init", "--site-id", "hn-hoankiem-01", "--name", "Trạm phường Hoàn Kiếm",
                 "--address", "1 Đinh Tiên Hoàng, Hà Nội", "--timezone", "Asia/Ho_Chi_Minh"]) == 0
    capsys.readouterr()
    yield home
    db.database.close()
    if temp is not None:
        temp.drop()


def run(home, capsys, *args):
    code = main(["--home", str(home), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def entries(home, capsys):
    code, out, _ = run(home, capsys, "audit", "export")
    assert code == 0
    return [json.loads(line) for line in out.splitlines()]


def set_site_id(home, new_id):
    path = home / "station.toml"
    text = path.read_text(encoding="utf-8")
    old_line = next(line for line in text.splitlines() if line.startswith("id = "))
    path.write_text(text.replace(old_line, f'id = "{new_id}"'), encoding="utf-8")


def test_init_writes_the_site_given_on_the_command_line_and_starts_the_log(site, capsys):
    config = tomllib.loads((site / "station.toml").read_text(encoding="utf-8"))
    assert config["site"] == {"id": "hn-hoankiem-01", "name_vi": "Trạm phường Hoàn Kiếm",
                              "name_en": "Digital Citizen Station", "address": "1 Đinh Tiên Hoàng, Hà Nội",
                              "timezone": "Asia/Ho_Chi_Minh", "ward_police_phone": "113"}
    assert (site / "trust" / "csca").is_dir()
    first = entries(site, capsys)[0]
    assert (first["i"], first["action"], first["object"]) == (0, "station.init", "site:hn-hoankiem-01")
    assert first["actor"].startswith("os:")
    assert run(site, capsys, "audit", "pubkey")[1].startswith("citizen-station/hn-hoankiem-01+")


def test_changing_the_site_id_keeps_the_log_verifiable_and_is_audited(site, capsys):
    run(site, capsys, "plugins", "enable", "security")
    code, checkpoint_before, _ = run(site, capsys, "audit", "checkpoint")
    assert code == 0
    pubkey_before = run(site, capsys, "audit", "pubkey")[1]

    set_site_id(site, "hn-hoankiem-02")
    code, out, err = run(site, capsys, "audit", "verify")
    assert (code, err) == (0, ""), err
    assert out.startswith("OK: ")

    changed = [e for e in entries(site, capsys) if e["action"] == "site.changed"]
    assert len(changed) == 1
    assert changed[0]["details"]["fields"] == ["id"]
    assert (changed[0]["details"]["id_from"], changed[0]["details"]["id_to"]) == ("hn-hoankiem-01", "hn-hoankiem-02")
    assert changed[0]["object"] == "site:hn-hoankiem-02"

    # later checkpoints are made under the log's recorded origin and key, and still verify
    run(site, capsys, "plugins", "disable", "security")
    code, checkpoint_after, _ = run(site, capsys, "audit", "checkpoint")
    assert checkpoint_after.splitlines()[0] == checkpoint_before.splitlines()[0] == "citizen-station/hn-hoankiem-01"
    assert run(site, capsys, "audit", "pubkey")[1] == pubkey_before
    code, out, err = run(site, capsys, "audit", "verify")
    assert code == 0 and "signed checkpoints verified" in out, out + err

    # and once more: another id, another checkpoint
    set_site_id(site, "hn-hoankiem-03")
    run(site, capsys, "plugins", "enable", "security")
    run(site, capsys, "audit", "checkpoint")
    code, out, err = run(site, capsys, "audit", "verify")
    assert code == 0, err
    assert [e["details"]["id_to"] for e in entries(site, capsys) if e["action"] == "site.changed"] == [
        "hn-hoankiem-02", "hn-hoankiem-03"]


def test_a_start_with_an_unchanged_site_writes_nothing(site, capsys):
    size = len(entries(site, capsys))
    run(site, capsys, "plugins", "list")
    assert len(entries(site, capsys)) == size


def test_changing_the_name_and_time_zone_is_audited_with_old_and_new_values(site, capsys):
    path = site / "station.toml"
    text = path.read_text(encoding="utf-8").replace('"Trạm phường Hoàn Kiếm"', '"Trạm phường Tràng Tiền"')
    path.write_text(text.replace('timezone = "Asia/Ho_Chi_Minh"', 'timezone = "Asia/Bangkok"'), encoding="utf-8")
    changed = [e for e in entries(site, capsys) if e["action"] == "site.changed"][0]["details"]
    assert changed["fields"] == ["name_vi", "timezone"]
    assert (changed["name_vi_from"], changed["name_vi_to"]) == ("Trạm phường Hoàn Kiếm", "Trạm phường Tràng Tiền")
    assert (changed["timezone_from"], changed["timezone_to"]) == ("Asia/Ho_Chi_Minh", "Asia/Bangkok")


def test_a_station_key_that_is_not_the_logs_key_stops_the_station_with_a_message(site, capsys):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    run(site, capsys, "audit", "checkpoint")
    key = site / "secrets" / "station_ed25519.pem"
    key.write_bytes(Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    code, out, err = run(site, capsys, "audit", "verify")
    assert code == 1
    assert "is not the key this station's audit log was started with" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("args, message", [
    (["--site-id", "Bad Id!"], "site.id: must be 2-63 characters"),
    (["--timezone", "Mars/Olympus"], "unknown time zone 'Mars/Olympus'"),
])
def test_init_with_a_bad_site_exits_2_and_writes_nothing(tmp_path, capsys, args, message):
    home = tmp_path / "bad"
    assert main(["--home", str(home), "init", *args]) == 2
    assert message in capsys.readouterr().err
    assert not (home / "station.toml").exists()


def test_a_log_started_before_the_identity_table_keeps_its_first_checkpoints_origin(site, capsys):
    """Upgrade path: migration 0008 adopts the origin of the log's first signed checkpoint."""
    from core.app import create_app
    from core.config import load_config

    run(site, capsys, "audit", "checkpoint")
    app = create_app(load_config(site))
    with app.app_context():
        database = db.database.obj
        database.execute_sql("DROP TABLE audit_identity")
        database.execute_sql("DROP TABLE site_record")
        database.execute_sql("DELETE FROM schema_migrations WHERE component = 'core' AND version = 8")
    db.database.close()
    set_site_id(site, "renamed-before-upgrade")
    code, out, err = run(site, capsys, "audit", "verify")  # the start applies 0008 again
    assert code == 0, err
    run(site, capsys, "plugins", "enable", "security")
    code, checkpoint, _ = run(site, capsys, "audit", "checkpoint")
    assert checkpoint.splitlines()[0] == "citizen-station/hn-hoankiem-01"
    code, out, err = run(site, capsys, "audit", "verify")
    assert code == 0 and "signed checkpoints verified" in out, out + err
