"""`scripts/demo-fleet.sh` (``python -m hub.demo_fleet``): a hub and three simulated demo
stations, enrolled, reporting, and the ward group's desired configuration applied."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
from pathlib import Path

from hub.db import ConfigReport, GroupMember, Station, hub_database, open_hub_database
from sdk.testing import require_postgres

ROOT = Path(__file__).resolve().parents[2]


def test_the_demo_fleet_enrols_three_stations_that_report_and_apply_their_config(tmp_path):
    admin_url = require_postgres()
    name = f"station_test_fleet_{secrets.token_hex(4)}"
    with socket.socket() as probe:  # a free port for the demo hub
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    try:
        done = subprocess.run([sys.executable, "-m", "hub.demo_fleet", "--once", "--folder", str(tmp_path / "fleet"),
                               "--database", name, "--hub-port", str(port)],
                              cwd=ROOT, capture_output=True, text=True, timeout=240,
                              env={**os.environ, "DEMO_PG_ADMIN_URL": admin_url})
        assert done.returncode == 0, done.stderr[-2000:]
        lines = done.stdout.strip().splitlines()
        assert len(lines) == 3 and all(line.endswith(" reporting") for line in lines)
        open_hub_database(f"{admin_url.rpartition('/')[0]}/{name}")
        try:
            stations = {s.id: s for s in Station.select()}
            assert sorted(s.site_id for s in stations.values()) == ["demo-fleet-01", "demo-fleet-02", "demo-fleet-03"]
            ward = {m.station_id for m in GroupMember.select().where(GroupMember.group_name == "hoan-kiem")}
            assert len(ward) == 2
            assert {r.station_id: r.status for r in ConfigReport.select()} == {s: "applied" for s in ward}
        finally:
            hub_database.close()
    finally:
        import psycopg2

        connection = psycopg2.connect(admin_url)
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.close()
