"""A demo fleet: a hub on local PostgreSQL and three simulated demo stations reporting to it.

``python -m hub.demo_fleet`` (what ``scripts/demo-fleet.sh`` runs) starts afresh each time:
it recreates the hub database ``citizen_hub_demo`` and the folder ``./demo-fleet``, starts
``station-hub run``, makes three demo stations (``station init --demo``, all simulated),
enrols each with a one-time code, puts two of them in the group ``hoan-kiem`` with a desired
configuration, and runs each station and its hub agent. It prints the URLs and the demo
console login, and stops everything on Ctrl-C. ``--once`` does one agent round per station,
prints what the hub saw, and exits (used by the tests).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

DEMO_DATABASE = "citizen_hub_demo"
DEMO_STAFF = ("demo", "demo-fleet-mô-phỏng-2026")
STATIONS = 3
# made-up sites in three Hà Nội wards (the demo's coordinates are only for the hub's map)
PLACES = [("Phường Hoàn Kiếm", 21.0285, 105.8542), ("Phường Cửa Nam", 21.0245, 105.8412),
          ("Phường Ba Đình", 21.0368, 105.8342)]


def _bin(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def _recreate_database(admin_url: str, name: str) -> str:
    import psycopg2

    try:
        connection = psycopg2.connect(admin_url)
    except psycopg2.OperationalError as error:
        raise SystemExit(f"cannot reach PostgreSQL at {admin_url}: {str(error).strip()}\n"
                         "The fleet hub needs PostgreSQL (set DEMO_PG_ADMIN_URL to another server).") from None
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()
    return f"{admin_url.rpartition('/')[0]}/{name}"


def _run(args: list[str], env: dict[str, str], **kwargs: object) -> str:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False, **kwargs)  # nosec B603 # our own commands
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args[:4])}… failed:\n{done.stderr.strip()[-2000:]}")
    return done.stdout


def _wait_for(url: str, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # nosec B310 # 127.0.0.1 only
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {seconds:.0f} s")


def main(argv: list[str] | None = None) -> int:
    """Start (or with ``--once`` exercise) the demo fleet."""
    parser = argparse.ArgumentParser(prog="scripts/demo-fleet.sh", description=__doc__.splitlines()[0])
    parser.add_argument("--folder", default=os.environ.get("DEMO_FLEET_HOME", "demo-fleet"))
    parser.add_argument("--hub-port", type=int, default=8700)
    parser.add_argument("--first-station-port", type=int, default=8081)
    parser.add_argument("--database", default=DEMO_DATABASE)
    parser.add_argument("--once", action="store_true", help="one agent round per station, then stop")
    args = parser.parse_args(argv)
    admin_url = os.environ.get("DEMO_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    folder = Path(args.folder).resolve()
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    hub_env = dict(os.environ, HUB_DATABASE_URL=_recreate_database(admin_url, args.database),
                   HUB_SECRETS=str(folder / "hub-secrets"))
    hub_url = f"http://127.0.0.1:{args.hub_port}"
    _run([_bin("station-hub"), "init-db"], hub_env)
    _run([_bin("station-hub"), "add-staff", DEMO_STAFF[0], "--password-stdin"], hub_env, input=DEMO_STAFF[1] + "\n")
    children: list[subprocess.Popen[bytes]] = []
    try:
        children.append(subprocess.Popen([_bin("station-hub"), "run", "--port", str(args.hub_port)], env=hub_env,  # nosec B603
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        _wait_for(f"{hub_url}/healthz")
        homes = []
        for number in range(1, STATIONS + 1):
            home = folder / f"station-{number}"
            env = dict(os.environ, STATION_HOME=str(home))
            _run([_bin("station"), "init", "--demo", "--site-id", f"demo-fleet-0{number}"], env)
            _place(home / "station.toml", *PLACES[number - 1])
            code = _run([_bin("station-hub"), "enrol-code", "--label", f"demo {number}"], hub_env).strip()
            _run([_bin("station"), "hub", "enrol", "--", hub_url, code], env)  # "--": arguments, never options
            homes.append((home, env))
        stations = _stations(hub_env)
        for station_id in list(stations)[:2]:
            _run([_bin("station-hub"), "config", "groups", station_id, "hoan-kiem"], hub_env)
        document = folder / "hoan-kiem.json"
        document.write_text(json.dumps({"opening_hours": {"mon": "07:30-17:00", "sat": "07:30-11:30",
                                                          "sun": "closed"}}), encoding="utf-8")
        _run([_bin("station-hub"), "config", "set", "group:hoan-kiem", str(document)], hub_env)
        if args.once:
            for _home, env in homes:
                _run([_bin("station"), "hub", "agent", "--once"], env)
            for station_id, site in _stations(hub_env).items():
                print(f"{site} {station_id} {'reporting' if _has_health(hub_env, station_id) else 'silent'}")
            return 0
        for number, (_home, env) in enumerate(homes):
            port = args.first_station_port + number
            children.append(subprocess.Popen([_bin("station"), "run", "--port", str(port)], env=env,  # nosec B603
                                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            children.append(subprocess.Popen([_bin("station"), "hub", "agent", "--interval", "15"], env=env,  # nosec B603
                                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        for number in range(STATIONS):
            _wait_for(f"http://127.0.0.1:{args.first_station_port + number}/healthz", 60)
        print(f"Fleet hub console: {hub_url}/login  (user {DEMO_STAFF[0]}, password {DEMO_STAFF[1]})")
        for number in range(STATIONS):
            print(f"Demo station {number + 1} (simulated): http://127.0.0.1:{args.first_station_port + number}/")
        print(f"Everything is simulated; the fleet lives in {folder} and the database {args.database} "
              "(both made afresh on every start). Ctrl-C stops it.")
        sys.stdout.flush()
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        try:
            while all(child.poll() is None for child in children):
                time.sleep(1)
        except KeyboardInterrupt:
            return 0
        print("a demo process stopped; stopping the fleet", file=sys.stderr)
        return 1
    finally:
        for child in children:
            child.terminate()
        for child in children:
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()


def _place(toml: Path, ward: str, latitude: float, longitude: float) -> None:
    text = toml.read_text(encoding="utf-8")
    text = text.replace('ward = "Phường Hoàn Kiếm"', f'ward = "{ward}"', 1)
    text = text.replace('name_vi = "Trạm Công dân số phường Hoàn Kiếm (mô phỏng)"',
                        f'name_vi = "Trạm Công dân số {ward[0].lower() + ward[1:]} (mô phỏng)"', 1)
    text = text.replace("latitude = 21.0285", f"latitude = {latitude}", 1)
    text = text.replace("longitude = 105.8542", f"longitude = {longitude}", 1)
    toml.write_text(text, encoding="utf-8")


def _stations(hub_env: dict[str, str]) -> dict[str, str]:
    from hub.db import Station, hub_database, open_hub_database

    open_hub_database(hub_env["HUB_DATABASE_URL"])
    try:
        return {s.id: s.site_id for s in Station.select().order_by(Station.site_id)}
    finally:
        hub_database.close()


def _has_health(hub_env: dict[str, str], station_id: str) -> bool:
    from hub.db import Station, hub_database, open_hub_database

    open_hub_database(hub_env["HUB_DATABASE_URL"])
    try:
        return bool(Station.get_by_id(station_id).health)
    finally:
        hub_database.close()


if __name__ == "__main__":
    sys.exit(main())
