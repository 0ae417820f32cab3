"""Hub alerts: a station silent too long, a device getting into trouble (once per change,
closed by itself when it recovers), and the console showing only devices in trouble."""

from __future__ import annotations

from hub.db import Alert
from hub.service import create_enrolment_code, fleet_overview, receive_message, sweep_offline


def _heartbeat(station, clock, number, devices):
    clock.advance(30)
    return receive_message(station.station_id, {"id": f"hb-{number:06d}", "kind": "heartbeat",
                                                "created": clock(), "body": {"devices": devices}}, clock())


def _enrolled(hub_apps, hub_clock, make_station, site="hn-alerts-01"):
    station = make_station(site)
    assert station.enrol(hub_apps[0].test_client(), create_enrolment_code(hub_clock())).status_code == 201
    return station


def _open(kind_prefix):
    return [a for a in Alert.select().where(Alert.acknowledged_at.is_null()) if a.kind.startswith(kind_prefix)]


def test_a_silent_station_is_alerted_once_and_the_alert_closes_when_it_comes_back(hub_apps, hub_clock, make_station):
    station = _enrolled(hub_apps, hub_clock, make_station)
    _heartbeat(station, hub_clock, 1, {})
    hub_clock.advance(300)
    assert sweep_offline(hub_clock(), offline_after=600) == 0
    hub_clock.advance(400)
    assert sweep_offline(hub_clock(), offline_after=600) == 1
    assert sweep_offline(hub_clock(), offline_after=600) == 0  # once, not every sweep
    [alert] = _open("offline")
    assert "11 minutes" in alert.message
    assert not [s for s in fleet_overview(hub_clock(), 600) if s["online"]]
    _heartbeat(station, hub_clock, 2, {})
    assert _open("offline") == []
    assert Alert.get_by_id(alert.id).acknowledged_by.endswith("back online)")


def test_a_device_in_trouble_alerts_on_change_only_and_closes_when_ready(hub_apps, hub_clock, make_station):
    station = _enrolled(hub_apps, hub_clock, make_station)
    ready = {"printer-1": {"kind": "receipt_printer", "status": "READY", "reason": ""},
             "bp-1": {"kind": "blood_pressure", "status": "READY", "reason": ""}}
    out = {**ready, "printer-1": {"kind": "receipt_printer", "status": "NOT_READY", "reason": "paper_out"}}
    _heartbeat(station, hub_clock, 1, ready)
    assert _open("device:") == []
    assert fleet_overview(hub_clock())[0]["attention"] == []  # READY devices need nobody
    _heartbeat(station, hub_clock, 2, out)
    [alert] = _open("device:")
    assert alert.kind == "device:printer-1" and "paper_out" in alert.message
    assert fleet_overview(hub_clock())[0]["attention"] == [
        {"id": "printer-1", "status": "NOT_READY", "reason": "paper_out"}]
    Alert.update(acknowledged_at=hub_clock(), acknowledged_by="lan").where(Alert.id == alert.id).execute()
    for number in range(3, 6):  # still out of paper: no new alert after staff acknowledged
        _heartbeat(station, hub_clock, number, out)
    assert _open("device:") == []
    _heartbeat(station, hub_clock, 6, ready)
    _heartbeat(station, hub_clock, 7, out)  # a new episode
    [again] = _open("device:")
    _heartbeat(station, hub_clock, 8, ready)  # paper loaded: closes by itself
    assert _open("device:") == [] and Alert.get_by_id(again.id).acknowledged_by.endswith("device ready)")
