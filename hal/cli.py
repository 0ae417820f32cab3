"""``python -m hal``: list, probe and read the devices of an inventory file.

    python -m hal --inventory station.toml list [--json]
    python -m hal --inventory station.toml probe ID [--json]
    python -m hal --inventory station.toml read ID [--json] [--timeout S]

The inventory is the ``[[devices]]`` tables of a TOML file (by default
``$STATION_HOME/station.toml``). Exit codes: 0 success, 1 the device failed or is not
ready, 2 bad arguments or inventory.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tomllib
from pathlib import Path
from typing import Any, TextIO

from hal.errors import DeviceFault, HalError, InventoryError
from hal.inventory import Inventory
from hal.model import Status

EXIT_OK, EXIT_DEVICE, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad arguments or inventory: exit code 2."""


def load_inventory_file(path: Path) -> Inventory:
    """An inventory from the ``[[devices]]`` tables of a TOML file."""
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except FileNotFoundError:
        raise UsageError(f"inventory file not found: {path}") from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"cannot read inventory file {path}: {exc}") from None
    devices = document.get("devices", [])
    try:
        return Inventory.from_entries(devices)
    except InventoryError as exc:
        raise UsageError(f"{path}: {exc}") from None


def _inventory_path(argument: str | None) -> Path:
    if argument:
        return Path(argument)
    home = os.environ.get("STATION_HOME")
    if not home:
        raise UsageError("no inventory: pass --inventory FILE or set STATION_HOME")
    return Path(home) / "station.toml"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m hal",
                                     description="List, probe and read station devices.")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--inventory", metavar="FILE", default=argparse.SUPPRESS,
                        help="TOML file with [[devices]] tables (default: "
                             "$STATION_HOME/station.toml)")
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                        help="machine-readable output")
    parser.add_argument("--inventory", metavar="FILE", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", default=False, help=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("list", parents=[common], help="list the inventory")
    probe = commands.add_parser("probe", parents=[common], help="connect and report status")
    probe.add_argument("device_id", metavar="ID")
    read = commands.add_parser("read", parents=[common], help="take one reading")
    read.add_argument("device_id", metavar="ID")
    read.add_argument("--timeout", type=float, default=None, help="seconds to wait")
    return parser


def main(argv: list[str] | None = None, out: TextIO = sys.stdout, err: TextIO = sys.stderr
         ) -> int:
    """Run the command; returns the exit code."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed its message
        return EXIT_USAGE if exc.code else EXIT_OK
    try:
        inventory = load_inventory_file(_inventory_path(args.inventory))
        if args.command == "list":
            return _list(inventory, args.json, out)
        inventory.descriptor(args.device_id)
        if args.command == "probe":
            return _probe(inventory, args.device_id, args.json, out)
        return _read(inventory, args.device_id, args.json, args.timeout, out, err)
    except (UsageError, InventoryError) as exc:
        print(f"error: {exc}", file=err)
        return EXIT_USAGE


def _list(inventory: Inventory, as_json: bool, out: TextIO) -> int:
    rows = [{"id": d.id, "kind": d.kind.value, "make": d.make, "model": d.model,
             "url": d.url, "capabilities": sorted(inventory.capabilities(d.id))}
            for d in inventory]
    if as_json:
        json.dump(rows, out, ensure_ascii=False, indent=2)
        out.write("\n")
    else:
        for row in rows:
            name = " ".join(p for p in (row["make"], row["model"]) if p) or "-"
            print(f"{row['id']:<12} {row['kind']:<16} {name:<24} {row['url']}  "
                  f"[{', '.join(row['capabilities'])}]", file=out)
    return EXIT_OK


def _probe(inventory: Inventory, device_id: str, as_json: bool, out: TextIO) -> int:
    driver = inventory.driver(device_id)
    try:
        status = driver.open()
        reason = driver.status_reason
    finally:
        driver.close()
    if as_json:
        json.dump({"id": device_id, "status": status.value, "reason": reason}, out)
        out.write("\n")
    else:
        print(f"{device_id} {status.value}" + (f": {reason}" if reason else ""), file=out)
    return EXIT_OK if status == Status.READY else EXIT_DEVICE


def _read(inventory: Inventory, device_id: str, as_json: bool, timeout: float | None,
          out: TextIO, err: TextIO) -> int:
    driver = inventory.driver(device_id)
    try:
        driver.open()
        reading = driver.read(timeout=timeout)
    except DeviceFault as exc:
        _fail(device_id, exc.code, exc.reason, as_json, out, err)
        return EXIT_DEVICE
    except (HalError, NotImplementedError) as exc:
        _fail(device_id, type(exc).__name__, str(exc), as_json, out, err)
        return EXIT_DEVICE
    finally:
        driver.close()
    if as_json:
        json.dump(reading.as_dict(), out, ensure_ascii=False)
        out.write("\n")
    else:
        for name, value in reading.values.items():
            unit = reading.units.get(name, "")
            print(f"{name} = {value}" + (f" {unit}" if unit else ""), file=out)
    return EXIT_OK


def _fail(device_id: str, code: str, message: str, as_json: bool, out: TextIO,
          err: TextIO) -> None:
    payload: dict[str, Any] = {"id": device_id, "error": code, "message": message}
    if as_json:
        json.dump(payload, out, ensure_ascii=False)
        out.write("\n")
    else:
        print(f"error: device {device_id}: {message}", file=err)
