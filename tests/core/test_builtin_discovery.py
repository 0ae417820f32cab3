"""Built-in plugins are found through the entry points third-party plugins use; safe mode is a list."""

from __future__ import annotations

import configparser
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from core import builtins
from core.plugins import BUILTIN_SOURCE, ENTRY_POINT_GROUP

ROOT = Path(__file__).resolve().parents[2]


def _state(app, plugin_id):
    return app.extensions["station"].plugins.records[plugin_id]


def test_every_builtin_plugin_is_an_entry_point_of_the_station_distribution():
    declared = configparser.ConfigParser()
    declared.read(ROOT / "setup.cfg")
    lines = declared["options.entry_points"][ENTRY_POINT_GROUP].split("\n")
    in_setup = {line.split("=")[0].strip(): line.split("=")[1].strip() for line in lines if line.strip()}
    folders = {p.name for p in (ROOT / "plugins").iterdir() if (p / "manifest.toml").is_file()}
    assert set(in_setup) == folders
    assert all(module == f"plugins.{name}" for name, module in in_setup.items())
    installed = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name in folders}
    assert set(installed) == folders, "reinstall the project (pip install -e .) to refresh its entry points"
    assert {ep.dist.name for ep in installed.values()} == {builtins.STATION_DISTRIBUTION}


def test_builtin_plugins_come_from_their_entry_points(make_station):
    app = make_station(plugins=["healthcare"])
    record = _state(app, "healthcare")
    assert record.source == BUILTIN_SOURCE
    assert record.module_name == "plugins.healthcare"
    assert record.state.value == "active"


def test_without_the_entry_points_no_builtin_plugin_is_found_by_its_folder(make_station):
    app = make_station(plugins=["healthcare"], app_options={"entry_point_group": "citizen_station.nothing_here"})
    assert "healthcare" not in app.extensions["station"].plugins.records
    assert app.test_client().get("/s/healthcare/").status_code == 404


def test_safe_mode_loads_the_listed_builtin_plugins(make_station):
    app = make_station(plugins=["healthcare", "traffic"], safe_mode=True)
    assert _state(app, "healthcare").state.value == "active"
    assert _state(app, "traffic").state.value == "active"
    assert "healthcare" in builtins.SAFE_MODE_PLUGINS


def test_safe_mode_skips_a_builtin_plugin_left_off_the_list(make_station, monkeypatch):
    monkeypatch.setattr(builtins, "SAFE_MODE_PLUGINS", builtins.SAFE_MODE_PLUGINS - {"traffic"})
    app = make_station(plugins=["healthcare", "traffic"], safe_mode=True)
    assert _state(app, "healthcare").state.value == "active"
    traffic = _state(app, "traffic")
    assert traffic.state.value == "disabled"
    assert traffic.reasons == ["safe mode: only built-in plugins are loaded"]


@pytest.mark.parametrize("plugin_id", sorted(builtins.SAFE_MODE_PLUGINS))
def test_the_safe_mode_list_names_only_shipped_plugins(plugin_id):
    assert (ROOT / "plugins" / plugin_id / "manifest.toml").is_file()
