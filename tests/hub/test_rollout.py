"""Staged rollout with simulated stations: offers only to the stages reached, advance after the
hold time, halt by itself past the failure threshold, one-action rollback; all in hub_events."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from core.fleet.httpsig import sign_request
from core.supply.offers import open_offers
from hub.db import HubEvent, RolloutStation
from hub.desired_config import set_groups
from hub.service import create_enrolment_code
from hub.supply.rollout import rollback, start_rollout
from tests.hub.supply_kit import Hub, build_wheel

pytestmark = pytest.mark.postgres


def offers(station, client, config_key: str) -> dict:
    headers = sign_request("GET", "http://localhost/api/v1/plugins", b"", station.signer.private_key,
                           station.station_id, int(station.clock()))
    response = client.get("/api/v1/plugins", headers=headers)
    assert response.status_code == 200
    return open_offers(response.get_data(as_text=True), config_key, station.station_id)[1]


def heartbeat(station, client, plugin: dict) -> None:
    body = {"plugins": {"fx_example": plugin}, "devices": {}}
    message = {"id": uuid.uuid4().hex, "kind": "heartbeat", "created": station.clock(), "body": body}
    assert station.signed(client, "/api/v1/messages", {"messages": [message]}).status_code == 200


@pytest.fixture
def fleet(hub_apps, hub_config, hub_clock, tmp_path, make_station):
    hub_clock.now = time.time()
    hub = Hub(hub_apps[0], hub_config, hub_clock, tmp_path / "hub")
    hub.publish("example-partner", build_wheel(tmp_path / "w", "2.0.1"), build_wheel(tmp_path / "w", "2.0.2"))
    client = hub_apps[1].test_client()  # another hub process serves the stations
    stations = {}
    for name, groups in (("canary-1", ["canary"]), ("canary-2", ["canary"]), ("ward-1", ["hoan-kiem"]),
                         ("ward-2", ["hoan-kiem"]), ("other-1", []), ("other-2", [])):
        station = make_station(f"hn-{name}")
        response = station.enrol(client, create_enrolment_code(hub_clock()))
        config_key = response.get_json()["config_key"]
        set_groups(station.station_id, groups, "test", hub_clock())
        stations[name] = station
    return hub, client, stations, config_key


def test_stage_halts_past_the_threshold_and_no_station_outside_it_received_the_version(fleet):
    hub, client, stations, key = fleet
    rollout = start_rollout("fx_example", "2.0.2", ["canary", "hoan-kiem", "all"], hold_seconds=600,
                            failure_threshold=0.4, now=hub.clock(), actor="staff:lan", previous_version="2.0.1")
    got = {name: offers(s, client, key) for name, s in stations.items()}
    assert got["canary-1"]["fx_example"] == {"version": "2.0.2", "publisher": "example-partner",
                                             "rollout": rollout.id}
    assert [name for name, o in got.items() if o] == ["canary-1", "canary-2"]

    for step in (0, 300, 301):  # canary healthy, then healthy for the hold time (10 minutes)
        hub.clock.advance(step)
        for name in ("canary-1", "canary-2"):
            heartbeat(stations[name], client, {"state": "active", "version": "2.0.2"})
    got = {name: offers(s, client, key) for name, s in stations.items()}
    assert [name for name, o in got.items() if o] == ["canary-1", "canary-2", "ward-1", "ward-2"]

    heartbeat(stations["ward-1"], client, {"state": "active", "version": "2.0.2"})
    heartbeat(stations["ward-2"], client, {"state": "failed", "version": "2.0.2"})  # 1 of 2 > 40 %
    hub.clock.advance(3600)
    heartbeat(stations["ward-1"], client, {"state": "active", "version": "2.0.2"})  # no advance once halted
    got = {name: offers(s, client, key) for name, s in stations.items()}
    assert not got["other-1"] and not got["other-2"]
    offered = {r.station_id for r in RolloutStation.select().where(RolloutStation.offered_at.is_null(False))}
    assert offered == {stations[n].station_id for n in ("canary-1", "canary-2", "ward-1", "ward-2")}
    events = [(e.action, json.loads(e.details)) for e in HubEvent.select().order_by(HubEvent.id)
              if e.action.startswith("rollout.")]
    assert [a for a, _ in events] == ["rollout.start", "rollout.advance", "rollout.halt"]
    assert events[2][1]["failed"] == [stations["ward-2"].station_id] and events[2][1]["stations"] == 2

    rolled = rollback(rollout.id, hub.clock(), "staff:lan")  # one action
    assert rolled.state == "rolled_back"
    got = {name: offers(s, client, key) for name, s in stations.items()}
    assert got["ward-2"]["fx_example"] == {"version": "2.0.1", "publisher": "example-partner",
                                           "rollout": rollout.id, "rollback": True}
    assert [name for name, o in got.items() if o] == ["canary-1", "canary-2", "ward-1", "ward-2"]
    assert HubEvent.select().where(HubEvent.action == "rollout.rollback").count() == 1


def test_failed_install_reported_by_heartbeat_counts_as_a_failure(fleet):
    hub, client, stations, key = fleet
    rollout = start_rollout("fx_example", "2.0.2", ["canary", "all"], hold_seconds=0, failure_threshold=0.0,
                            now=hub.clock(), actor="staff:lan")
    offers(stations["canary-1"], client, key)
    heartbeat(stations["canary-1"], client, {"state": "active", "version": "2.0.1",
                                             "install": {"version": "2.0.2", "outcome": "rolled_back"}})
    assert rollout.__class__.get_by_id(rollout.id).state == "halted"


def test_rollout_refuses_unpublished_versions_and_unknown_groups(fleet):
    hub = fleet[0]
    with pytest.raises(Exception, match="not published"):
        start_rollout("fx_example", "9.9.9", ["all"], 0, 0.2, hub.clock(), "x")
    with pytest.raises(Exception, match="unknown group"):
        start_rollout("fx_example", "2.0.2", ["nowhere", "all"], 0, 0.2, hub.clock(), "x")


def test_forged_or_foreign_offers_are_refused_by_the_station(fleet):
    hub, client, stations, key = fleet
    a, b = stations["canary-1"], stations["canary-2"]
    headers = sign_request("GET", "http://localhost/api/v1/plugins", b"", a.signer.private_key, a.station_id,
                           int(a.clock()))
    note = client.get("/api/v1/plugins", headers=headers).get_data(as_text=True)
    with pytest.raises(Exception, match="another station"):
        open_offers(note, key, b.station_id)
    with pytest.raises(Exception, match="not signed"):
        open_offers(note.replace("{}", '{"fx_example":{"version":"6.6.6"}}'), key, a.station_id)


def test_hub_console_warns_about_a_station_that_allows_unsigned_plugins(fleet):
    from hub.service import fleet_overview

    hub, client, stations, key = fleet
    station = stations["other-1"]
    body = {"plugins": {"fx_example": {"state": "active", "version": "2.0.1", "signed": False}},
            "devices": {}, "unsigned_allowed": True}
    message = {"id": uuid.uuid4().hex, "kind": "heartbeat", "created": station.clock(), "body": body}
    assert station.signed(client, "/api/v1/messages", {"messages": [message]}).status_code == 200
    [row] = [r for r in fleet_overview(hub.clock()) if r["id"] == station.station_id]
    assert row["unsigned_allowed"] and row["unsigned_plugins"] == ["fx_example"]


def test_station_installs_what_its_stage_is_offered_and_reports_it(hub_apps, hub_config, hub_clock, tmp_path):
    from urllib.parse import urlparse

    from core.app import create_app
    from core.config import load_config
    from core.fleet.client import HubClient
    from core.fleet.models import HubLink
    from core.supply.installer import Installer
    from core.supply.tuf_client import PluginRepository, trust_root
    from hub.db import Station
    from tests.hub.supply_kit import FlaskFetcher, make_site

    hub_clock.now = time.time()
    hub = Hub(hub_apps[0], hub_config, hub_clock, tmp_path / "hub")
    hub.publish("example-partner", build_wheel(tmp_path / "w", "2.0.1"), build_wheel(tmp_path / "w", "2.0.2"))
    home = make_site(tmp_path / "site", ["example-partner"])
    app = create_app(load_config(home))
    trust_root(home, hub.root_json.read_bytes())

    def transport(method, url, headers, body):
        response = hub_apps[1].test_client().open(urlparse(url).path, method=method, data=body, headers=headers)
        return response.status_code, response.get_data(as_text=True)

    station = app.extensions["station"]
    client = HubClient(station, transport)

    def installer() -> Installer:
        repository = PluginRepository(home, "http://hub.test", fetcher=FlaskFetcher(hub.client))
        return Installer(station, actor="hub (test)", repository=repository)

    with app.app_context():
        client.enrol("http://localhost", create_enrolment_code(hub_clock()))
        station_id = HubLink.get().station_id
        assert client.pull_plugins(installer()) == []  # no rollout yet
    set_groups(station_id, ["canary"], "test", hub_clock())
    start_rollout("fx_example", "2.0.2", ["canary", "all"], hold_seconds=0, failure_threshold=0.2, now=hub_clock(),
                  actor="staff:lan")
    with app.app_context():
        assert client.pull_plugins(installer()) == ["fx_example: install to 2.0.2"]
        assert client.pull_plugins(installer()) == []  # the same offers: nothing is done twice
        client.flush()
    health = json.loads(Station.get_by_id(station_id).health)
    assert health["plugins"]["fx_example"]["install"] == {"version": "2.0.2", "outcome": "installed", "reason": ""}
    assert (home / "plugins" / "fx_example" / "current").resolve().name == "2.0.2"


def test_console_shows_rollouts_and_rolls_back_in_one_action(fleet):
    import re

    from hub.console import add_staff
    from hub.db import Rollout

    hub, client, stations, key = fleet
    rollout = start_rollout("fx_example", "2.0.2", ["canary", "all"], hold_seconds=0, failure_threshold=0.2,
                            now=hub.clock(), actor="staff:lan", previous_version="2.0.1")
    add_staff("lan", "một mật khẩu dài đủ 2026", hub.clock(), role="operator")
    add_staff("an", "một mật khẩu dài đủ 2026", hub.clock(), role="admin")
    console = hub.app.test_client()

    def login(user: str) -> str:
        token = re.search(r'name="csrf_token" value="([^"]+)"', console.get("/login").get_data(as_text=True))[1]
        console.post("/login", data={"username": user, "password": "một mật khẩu dài đủ 2026", "csrf_token": token})
        page = console.get("/rollouts").get_data(as_text=True)
        return re.search(r'name="csrf_token" value="([^"]+)"', page)[1]

    token = login("lan")
    page = console.get("/rollouts").get_data(as_text=True)
    assert "fx_example 2.0.2" in page and "đang triển khai / running" in page and "hn-canary-1" in page
    assert console.post(f"/rollouts/{rollout.id}/rollback", data={"csrf_token": token}).status_code == 403
    console.post("/logout", data={"csrf_token": token})
    token = login("an")
    assert console.post(f"/rollouts/{rollout.id}/rollback", data={"csrf_token": "wrong"}).status_code in (400, 403)
    assert console.post(f"/rollouts/{rollout.id}/rollback", data={"csrf_token": token}).status_code == 302
    assert Rollout.get_by_id(rollout.id).state == "rolled_back"
    assert "rollout.rollback" in console.get("/rollouts").get_data(as_text=True)


def test_an_empty_stage_passes_at_once(fleet):
    hub, client, stations, key = fleet
    from hub.db import GroupMember

    GroupMember.create(station_id="st-nowhere", group_name="empty-group")
    rollout = start_rollout("fx_example", "2.0.2", ["empty-group", "canary", "all"], hold_seconds=0,
                            failure_threshold=0.2, now=hub.clock(), actor="staff:lan")
    assert rollout.stage == 1 and rollout.state == "running"
    assert offers(stations["canary-1"], client, key)["fx_example"]["version"] == "2.0.2"
    assert not offers(stations["other-1"], client, key)
