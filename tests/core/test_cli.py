"""The station command: init, migrate, plugins list/info/enable/disable, bad input exits 2."""

import json
import os
import re
import stat
import subprocess
import sys

import pytest

from core.cli import main


@pytest.fixture
def demo_home(tmp_path, capsys):
    home = tmp_path / "site"
    assert main(["--home", str(home), "init", "--demo"]) == 0
    capsys.readouterr()
    return home


def test_init_demo_writes_config_secrets_0600_and_seeds(tmp_path, capsys):
    home = tmp_path / "site"
    assert main(["--home", str(home), "init", "--demo"]) == 0
    out = capsys.readouterr().out
    assert "demo staff account: manager / demo-manager-pass (manager) — demo only" in out
    assert (home / "station.toml").exists() and (home / "station.db").exists()
    assert stat.S_IMODE(os.stat(home / "secrets").st_mode) == 0o700
    for name in ("station_ed25519.pem", "data.kek", "hmac.key", "session.key"):
        assert stat.S_IMODE(os.stat(home / "secrets" / name).st_mode) == 0o600
    key_before = (home / "secrets" / "data.kek").read_bytes()
    assert main(["--home", str(home), "init", "--demo"]) == 0
    assert "already exists" in capsys.readouterr().out
    assert (home / "secrets" / "data.kek").read_bytes() == key_before


def test_plugins_list_json_shows_six_builtins_with_state_version_publisher(demo_home, capsys):
    assert main(["--home", str(demo_home), "plugins", "list", "--json"]) == 0
    listed = {p["id"]: p for p in json.loads(capsys.readouterr().out)}
    assert set(listed) == {"admin", "banking", "healthcare", "security", "traffic", "utilities"}
    for plugin in listed.values():
        assert plugin["state"] == "active"
        assert re.fullmatch(r"\d+\.\d+\.\d+", plugin["version"])
        assert plugin["publisher"]
        assert plugin["reasons"] == []


def test_disable_and_enable_persist_for_the_site(demo_home, capsys):
    assert main(["--home", str(demo_home), "plugins", "disable", "banking"]) == 0
    capsys.readouterr()
    assert main(["--home", str(demo_home), "plugins", "list", "--json"]) == 0
    banking = next(p for p in json.loads(capsys.readouterr().out) if p["id"] == "banking")
    assert (banking["state"], banking["enabled"], banking["reasons"]) == ("disabled", False,
                                                                           ["disabled for this site"])
    assert main(["--home", str(demo_home), "plugins", "enable", "banking"]) == 0
    capsys.readouterr()
    assert main(["--home", str(demo_home), "plugins", "list", "--json"]) == 0
    banking = next(p for p in json.loads(capsys.readouterr().out) if p["id"] == "banking")
    assert banking["state"] == "active"


def test_plugins_info_shows_manifest(demo_home, capsys):
    assert main(["--home", str(demo_home), "plugins", "info", "healthcare"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["manifest"]["category"] == "healthcare"
    assert {d["category"] for d in info["manifest"]["data"]} == {"personal", "health"}


@pytest.mark.parametrize("args, message", [
    (["plugins", "info", "nope"], "no plugin 'nope' on this station"),
    (["plugins", "enable", "nope"], "no plugin 'nope' on this station"),
    (["plugins", "frobnicate"], "No such command 'frobnicate'"),
    (["run", "--port", "notaport"], "'notaport' is not a valid integer"),
    (["nosuchcommand"], "No such command 'nosuchcommand'"),
])
def test_bad_arguments_and_unknown_ids_exit_2_with_a_message(demo_home, capsys, args, message):
    assert main(["--home", str(demo_home), *args]) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert "Traceback" not in captured.err + captured.out


def test_migrate_reports_schema_versions(demo_home, capsys):
    assert main(["--home", str(demo_home), "migrate"]) == 0
    out = capsys.readouterr().out
    assert "applied 0 core migration(s) now" in out
    from core.db import core_migrations

    assert f"core: {max(m.version for m in core_migrations()):04d}" in out


def test_console_script_is_installed_and_exits_2_on_usage_error(demo_home):
    result = subprocess.run([sys.executable, "-m", "core.cli", "--home", str(demo_home), "plugins", "info"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "Missing argument 'PLUGIN_ID'" in result.stderr


def test_devices_list_shows_each_device_status_and_reason(demo_home, capsys):
    config = (demo_home / "station.toml").read_text().replace(
        'url = "sim://thermometer?profile=ok"', 'url = "sim://thermometer?profile=timeout"')
    (demo_home / "station.toml").write_text(config)
    assert main(["--home", str(demo_home), "devices", "list", "--json"]) == 0
    devices = {d["id"]: d for d in json.loads(capsys.readouterr().out)}
    assert len(devices) == 14  # the demo's simulated devices, the kiosk camera included
    assert devices["scale-1"]["status"] == "READY" and devices["scale-1"]["simulated"] is True
    assert devices["thermometer-1"]["status"] == "NOT_READY"
    assert "not answering" in devices["thermometer-1"]["reason"]


def test_invalid_device_kind_in_config_exits_2_naming_devices(demo_home, capsys):
    config = (demo_home / "station.toml").read_text().replace('kind = "scale"', 'kind = "toaster"')
    (demo_home / "station.toml").write_text(config)
    assert main(["--home", str(demo_home), "devices", "list"]) == 2
    err = capsys.readouterr().err
    assert "station.toml: devices:" in err and "toaster" in err
