"""Manager commands: `station roles`, `station config show`, unknown permissions in [roles],
`station migrate` on a running station, and the shipped systemd units."""

import configparser
import json
import re
import socket
from pathlib import Path

import pytest

from core import db
from core.cli import main

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def home(tmp_path, capsys):
    site = tmp_path / "site"
    assert main(["--home", str(site), "init", "--site-id", "ops-test"]) == 0
    capsys.readouterr()
    yield site
    db.database.close()


def test_roles_prints_the_effective_table_with_site_overrides(home, capsys):
    assert main(["--home", str(home), "roles", "--json"]) == 0
    table = json.loads(capsys.readouterr().out)
    assert "console.open" in table["manager"] and "console.open" in table["auditor"]
    with open(home / "station.toml", "a", encoding="utf-8") as f:
        f.write('\n[roles]\noperator = ["console.open", "console.audit.view"]\n')
    assert main(["--home", str(home), "roles", "--json"]) == 0
    table = json.loads(capsys.readouterr().out)
    assert {"console.audit.view", "console.open"} <= set(table["operator"])
    assert "console.audit.view" not in table.get("auditor", [])  # the site's table replaces the default


def test_an_unknown_permission_in_roles_stops_the_station_with_exit_2(home, capsys):
    with open(home / "station.toml", "a", encoding="utf-8") as f:
        f.write('\n[roles]\nmanager = ["console.opne"]\n')
    assert main(["--home", str(home), "plugins", "list"]) == 2
    err = capsys.readouterr().err
    assert "roles.manager: unknown permission id 'console.opne'" in err and "Traceback" not in err


def test_config_show_names_the_source_of_each_value(home, capsys, monkeypatch):
    monkeypatch.setenv("STATION_SERVER__PORT", "8099")
    assert main(["--home", str(home), "config", "show", "--json"]) == 0
    rows = {r["key"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["site.id"] == {"key": "site.id", "value": "ops-test", "source": "station.toml"}
    assert rows["server.port"]["value"] == 8099
    assert rows["server.port"]["source"] == "environment STATION_SERVER__PORT"
    assert rows["plugins.paths"]["source"] == "default"
    assert main(["--home", str(home), "config", "show"]) == 0
    assert "enabled plugins: the database decides" in capsys.readouterr().out


def test_migrate_warns_when_a_station_answers_on_its_port(home, capsys, monkeypatch):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        monkeypatch.setenv("STATION_SERVER__PORT", str(listener.getsockname()[1]))
        assert main(["--home", str(home), "migrate"]) == 0
    assert "warning: a station is answering at 127.0.0.1" in capsys.readouterr().err
    monkeypatch.delenv("STATION_SERVER__PORT")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    monkeypatch.setenv("STATION_SERVER__PORT", str(free))
    assert main(["--home", str(home), "migrate"]) == 0
    assert "warning" not in capsys.readouterr().err


def _unit(name):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(REPO / "deploy" / name, encoding="utf-8")
    return parser


def test_the_systemd_units_run_as_their_own_user_restart_and_protect_the_file_system():
    service = _unit("citizen-station.service")["Service"]
    assert service["User"] == "citizen-station" and service["ExecStart"].endswith("station run")
    assert service["Restart"] == "on-failure" and service["RestartPreventExitStatus"] == "2"
    assert service["ProtectSystem"] == "strict" and service["ReadWritePaths"] == service["Environment"].split("=")[1]
    assert service["NoNewPrivileges"] == "true"
    purge = _unit("citizen-station-purge.service")["Service"]
    assert purge["ExecStart"].endswith("station privacy purge --yes") and purge["User"] == "citizen-station"
    assert "OnCalendar" in _unit("citizen-station-purge.timer")["Timer"]
    assert "--kiosk" in _unit("kiosk-browser.desktop")["Desktop Entry"]["Exec"]


def test_migrate_takes_a_backup_first_unless_told_not_to(home, capsys):
    assert main(["--home", str(home), "migrate"]) == 0
    out = capsys.readouterr().out
    assert "backup taken first:" in out
    folders = list((home / "backups").iterdir())
    assert len(folders) == 1 and (folders[0] / "manifest.json").is_file()
    assert main(["--home", str(home), "migrate", "--no-backup"]) == 0
    assert "backup" not in capsys.readouterr().out and len(list((home / "backups").iterdir())) == 1


def test_audit_export_csv_has_local_times_and_is_audited_with_the_os_user(home, capsys):
    import csv
    import io
    from datetime import datetime
    from zoneinfo import ZoneInfo

    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date().isoformat()
    assert main(["--home", str(home), "audit", "export", "--csv", "--since", today, "--until", today]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows and rows[0]["action"] == "station.init" and rows[0]["actor"].startswith("os:")
    assert re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d:\d\d", rows[0]["time_local"])
    assert main(["--home", str(home), "audit", "export", "--csv", "--since", "2026-02-02",
                 "--until", "2026-01-01"]) == 2
