"""The ``station-hub`` command: init-db, enrol-code, add-staff; clear errors, exit 2."""

from __future__ import annotations

from hub.cli import main
from hub.db import EnrolmentCode, HubStaff
from hub.service import _code_hash


def test_init_db_enrol_code_and_add_staff(hub_db_url, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HUB_DATABASE_URL", hub_db_url)
    monkeypatch.setenv("HUB_SECRETS", str(tmp_path / "secrets"))
    assert main(["init-db"]) == 0
    assert "witness key: citizen-station-hub+" in capsys.readouterr().out
    assert main(["init-db"]) == 0  # idempotent
    capsys.readouterr()
    assert (tmp_path / "secrets" / "witness.key").stat().st_mode & 0o077 == 0
    assert main(["enrol-code", "--label", "Hoàn Kiếm 01"]) == 0
    code = capsys.readouterr().out.strip()
    assert EnrolmentCode.get(EnrolmentCode.code_hash == _code_hash(code)).used_at is None
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("một mật khẩu dài đủ 2026\n"))
    assert main(["add-staff", "minh", "--password-stdin"]) == 0
    assert HubStaff.get(HubStaff.username == "minh")


def test_sqlite_or_missing_url_is_refused_with_exit_2(monkeypatch, capsys, tmp_path):
    monkeypatch.delenv("HUB_DATABASE_URL", raising=False)
    assert main(["enrol-code"]) == 2
    assert "HUB_DATABASE_URL" in capsys.readouterr().err
    monkeypatch.setenv("HUB_DATABASE_URL", "sqlite:///hub.db")
    monkeypatch.setenv("HUB_SECRETS", str(tmp_path))
    assert main(["init-db"]) == 2
    assert "PostgreSQL only" in capsys.readouterr().err


def test_config_set_prints_the_diff_and_bad_input_exits_2(hub_config, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("HUB_DATABASE_URL", hub_config.database_url)
    monkeypatch.setenv("HUB_SECRETS", str(hub_config.secrets_dir))
    document = tmp_path / "fleet.json"
    document.write_text('{"opening_hours": {"mon": "07:30-17:00"}}', encoding="utf-8")
    assert main(["config", "set", "fleet", str(document), "--actor", "lan"]) == 0
    assert capsys.readouterr().out.strip() == '+ opening_hours.mon: "07:30-17:00"'
    assert main(["config", "set", "fleet", str(document)]) == 0
    assert capsys.readouterr().out.strip() == "no change"
    document.write_text("{not json", encoding="utf-8")
    assert main(["config", "set", "fleet", str(document)]) == 2
    assert "not valid JSON" in capsys.readouterr().err
    document.write_text('{"opening_hours": {"mon": "25:00-26:00"}}', encoding="utf-8")
    assert main(["config", "set", "fleet", str(document)]) == 2
    assert "opening_hours.mon" in capsys.readouterr().err
    assert main(["config", "set", "nowhere", str(document)]) == 2
    assert main(["config", "groups", "st-0000000000000000", "ward-1"]) == 2
    assert "no enrolled station" in capsys.readouterr().err
