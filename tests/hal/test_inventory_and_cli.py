"""Inventory from config, device needs resolution, and the ``python -m hal`` command."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from hal.cli import main
from hal.errors import InventoryError
from hal.inventory import DeviceNeed, Inventory, resolve_device_needs
from hal.model import Status
from hal.sim import control
from tests.hal.conftest import REPO

ENTRIES = [
    {"id": "bp1", "kind": "blood_pressure", "url": "sim://blood_pressure?inflate_s=0.05",
     "make": "Omron", "model": "HEM", "capabilities": ["systolic", "diastolic", "pulse"],
     "options": {"answer_timeout": 0.3}},
    {"id": "ox1", "kind": "pulse_oximeter", "url": "sim://pulse_oximeter?search_s=0.05",
     "options": {"stable_frames": 10}},
]


def test_inventory_builds_descriptors_and_defaults_capabilities():
    inventory = Inventory.from_entries(ENTRIES)
    assert [d.id for d in inventory] == ["bp1", "ox1"]
    assert inventory.descriptor("bp1").make == "Omron"
    assert inventory.capabilities("ox1") == frozenset({"spo2", "pulse"})
    assert inventory.status("bp1") == (Status.CONNECTING, "not opened yet")


@pytest.mark.parametrize("entry,message", [
    ({"kind": "scale", "url": "sim://scale"}, "'id' is required"),
    ({"id": "s", "kind": "toaster", "url": "x"}, "unknown kind 'toaster'"),
    ({"id": "s", "kind": "scale", "url": "x", "colour": "red"}, "unknown field"),
    ({"id": "s", "kind": "scale", "url": "x", "capabilities": "weight"}, "list of texts"),
])
def test_invalid_entries_are_refused_with_a_precise_message(entry, message):
    with pytest.raises(InventoryError, match=message):
        Inventory.from_entries([entry])


def test_duplicate_ids_are_refused():
    with pytest.raises(InventoryError, match="twice"):
        Inventory.from_entries([ENTRIES[0], ENTRIES[0]])


def test_needs_resolve_to_devices_or_precise_reasons():
    inventory = Inventory.from_entries(ENTRIES)
    result = resolve_device_needs([
        DeviceNeed("blood_pressure", {"pulse"}),
        DeviceNeed("pulse_oximeter"),
        DeviceNeed("scale", required=False),
        DeviceNeed("blood_pressure", {"irregular_pulse"}),
    ], inventory)
    assert result.devices == {"blood_pressure": "bp1", "pulse_oximeter": "ox1"}
    assert not result.ok
    assert result.reasons() == [
        "optionally wants scale: no scale in inventory",
        "needs blood_pressure with capability 'irregular_pulse': none in inventory "
        "(bp1 lacks irregular_pulse)",
    ]


def test_unplugged_device_is_named_with_its_status_and_reason():
    inventory = Inventory.from_entries(ENTRIES)
    control.unplug(ENTRIES[0]["url"])
    inventory.open_all()
    result = resolve_device_needs([DeviceNeed("blood_pressure", {"pulse"})], inventory)
    assert not result.ok
    (reason,) = result.reasons()
    assert reason.startswith("needs blood_pressure with capability 'pulse': device bp1 is "
                             "NOT_READY: unplugged")
    inventory.close_all()


def test_a_ready_device_is_preferred():
    entries = [dict(ENTRIES[0], id="bp0", url="sim://blood_pressure?instance=gone"), ENTRIES[0]]
    inventory = Inventory.from_entries(entries)
    control.unplug("sim://blood_pressure?instance=gone")
    inventory.open_all()
    result = resolve_device_needs([DeviceNeed("blood_pressure")], inventory)
    assert result.ok and result.devices == {"blood_pressure": "bp1"}


# -- CLI -----------------------------------------------------------------------------------

TOML = """
[[devices]]
id = "ox1"
kind = "pulse_oximeter"
url = "sim://pulse_oximeter?search_s=0.05"
make = "Contec"
model = "CMS50D+"
options = { stable_frames = 10 }

[[devices]]
id = "bp1"
kind = "blood_pressure"
url = "sim://blood_pressure?inflate_s=0.05&profile=cuff_error"
"""


@pytest.fixture
def inventory_file(tmp_path):
    path = tmp_path / "station.toml"
    path.write_text(TOML, encoding="utf-8")
    return path


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_cli_lists_the_inventory(inventory_file):
    code, out, _ = run("--inventory", str(inventory_file), "list")
    assert code == 0 and "ox1" in out and "Contec CMS50D+" in out
    code, out, _ = run("list", "--inventory", str(inventory_file), "--json")
    assert [row["id"] for row in json.loads(out)] == ["ox1", "bp1"]


def test_cli_probe_and_read(inventory_file):
    assert run("--inventory", str(inventory_file), "probe", "ox1") == (0, "ox1 READY\n", "")
    code, out, _ = run("--inventory", str(inventory_file), "read", "ox1", "--json")
    assert code == 0
    reading = json.loads(out)
    assert reading["values"] == {"spo2": 97, "pulse": 72} and reading["units"]["spo2"] == "%"


def test_cli_device_fault_exits_1_with_the_reason(inventory_file):
    code, _, err = run("--inventory", str(inventory_file), "read", "bp1")
    assert code == 1 and "cuff is too loose" in err


def test_cli_uses_station_home(inventory_file, monkeypatch):
    monkeypatch.setenv("STATION_HOME", str(inventory_file.parent))
    assert run("list")[0] == 0


@pytest.mark.parametrize("args,message", [
    (["--inventory", "/nonexistent.toml", "list"], "not found"),
    (["read", "nope"], "no device 'nope'"),
])
def test_cli_bad_arguments_exit_2_with_a_message(inventory_file, monkeypatch, args, message):
    monkeypatch.setenv("STATION_HOME", str(inventory_file.parent))
    code, _, err = run(*args)
    assert code == 2 and message in err and "Traceback" not in err


def test_cli_without_inventory_exits_2(monkeypatch):
    monkeypatch.delenv("STATION_HOME", raising=False)
    code, _, err = run("list")
    assert code == 2 and "--inventory" in err


def test_cli_as_a_module_rejects_unknown_commands_without_a_traceback():
    done = subprocess.run([sys.executable, "-m", "hal", "frobnicate"], cwd=REPO,
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 2 and "invalid choice" in done.stderr
    assert "Traceback" not in done.stderr


def test_broken_toml_exits_2(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[[devices]\nid=", encoding="utf-8")
    code, _, err = run("--inventory", str(path), "list")
    assert code == 2 and "cannot read inventory" in err
