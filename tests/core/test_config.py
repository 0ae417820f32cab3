"""station.toml + STATION_* overrides → Config; invalid config names file, key and problem."""

import pytest

from core.cli import main
from core.config import load_config
from core.demo import DEMO_STATION_TOML
from core.errors import ConfigError


def _write(tmp_path, text):
    (tmp_path / "station.toml").write_text(text, encoding="utf-8")
    return tmp_path


def test_demo_config_loads_with_every_section(tmp_path):
    config = load_config(_write(tmp_path, DEMO_STATION_TOML), env={})
    assert config.site_id == "demo-hoan-kiem-01"
    assert set(config.enabled_plugins) == {"admin", "security", "healthcare", "traffic", "utilities", "banking"}
    assert {d["kind"] for d in config.devices} >= {"pulse_oximeter", "card_reader", "payment_terminal"}
    assert config.sessions["idle_seconds"] == 120
    assert config.connectors["vneid"]["kind"] == "simulator"
    assert config.database_url == "sqlite:///station.db"


def test_environment_overrides_nested_keys_and_lists(tmp_path):
    env = {"STATION_SESSIONS__IDLE_SECONDS": "90", "STATION_DATABASE_URL": "postgresql://db.example/x",
           "STATION_PLUGINS__ENABLED": "healthcare, security", "STATION_HOME": "/ignored"}
    config = load_config(_write(tmp_path, DEMO_STATION_TOML), env=env)
    assert config.sessions["idle_seconds"] == 90
    assert config.database_url == "postgresql://db.example/x"
    assert config.enabled_plugins == ("healthcare", "security")


@pytest.mark.parametrize("text, key, problem", [
    ('[site]\nid = "x"\nname_vi = "a"\nname_en = "b"\n', "site.id", "2-63 characters"),
    ('[site]\nid = "ok-site"\nname_vi = "a"\n', "site.name_en", "Missing data"),
    (DEMO_STATION_TOML.replace("idle_seconds = 120", 'idle_seconds = "soon"'), "sessions.idle_seconds",
     "Not a valid integer"),
    (DEMO_STATION_TOML.replace("[server]", "[server]\ncolour = 1"), "server.colour", "Unknown field"),
    (DEMO_STATION_TOML.replace('url = "sqlite:///station.db"', 'url = "mysql://x"'), "database.url",
     "sqlite:// or postgresql://"),
    (DEMO_STATION_TOML.replace('id = "bp-1"', 'id = "oximeter-1"'), "devices.id", "duplicate device id"),
    ("[site\n", "-", "not valid TOML"),
])
def test_invalid_config_names_file_key_and_problem(tmp_path, text, key, problem):
    with pytest.raises(ConfigError) as caught:
        load_config(_write(tmp_path, text), env={})
    assert caught.value.file == str(tmp_path / "station.toml")
    assert caught.value.key == key
    assert problem in caught.value.problem


def test_bad_environment_override_is_named(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_config(_write(tmp_path, DEMO_STATION_TOML), env={"STATION_SESSIONS__IDLE_SECONDS": "5"})
    assert caught.value.key == "sessions.idle_seconds"


def test_cli_exits_2_naming_the_problem_for_invalid_config(tmp_path, capsys):
    _write(tmp_path, DEMO_STATION_TOML.replace("threads = 8", "threads = 0"))
    assert main(["--home", str(tmp_path), "plugins", "list"]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'station.toml'}: server.threads: Must be greater than or equal to 1" in err
    assert "Traceback" not in err


def test_missing_config_tells_how_to_create_one(tmp_path, capsys):
    assert main(["--home", str(tmp_path / "nowhere"), "plugins", "list"]) == 2
    assert "station init --demo" in capsys.readouterr().err
