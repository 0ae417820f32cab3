"""The manager console: plugin switches and settings, devices, audit browsing and verification."""

from __future__ import annotations

import json

import pytest
from tests_web_paths import STATION_FIXTURE_PLUGINS, WEB_FIXTURE_PLUGINS  # noqa: F401

from core.console.audit import entry_matches
from hal.sim import control
from sdk.accessors import plugin_settings


def _entries(app):
    with app.app_context():
        return [json.loads(x) for x in app.extensions["station"].audit.export()]


@pytest.fixture
def manager(web_station, login_staff):
    client = web_station.test_client()
    login_staff(client, roles=("manager",), username="boss")
    return client


def test_plugins_page_lists_what_each_plugin_wants(manager):
    page = manager.get("/console/plugins/").get_data(as_text=True)
    assert 'id="plugin-healthcare"' in page and "healthcare.dispense" in page and "máy đo huyết áp" in page
    assert 'data-plugin="fx_future_sdk"' in page and 'data-state="incompatible"' in page
    assert 'id="enable-fx_future_sdk" disabled' in page


def test_disabling_a_plugin_is_confirmed_audited_and_removes_its_tile_at_once(web_station, manager, csrf_token):
    page = manager.get("/console/plugins/traffic/disable")
    assert page.status_code == 200 and "biến mất khỏi trang chủ" in page.get_data(as_text=True)
    unconfirmed = manager.post("/console/plugins/traffic/disable", data={"csrf_token": csrf_token(manager)})
    assert unconfirmed.status_code == 200 and 'id="confirm-button"' in unconfirmed.get_data(as_text=True)
    assert 'data-plugin="traffic"' in web_station.test_client().get("/").get_data(as_text=True)
    response = manager.post("/console/plugins/traffic/disable",
                            data={"csrf_token": csrf_token(manager), "confirmed": "1"})
    assert response.status_code == 302
    last = _entries(web_station)[-1]
    assert (last["action"], last["actor"], last["object"]) == ("plugin.disable", "staff:boss", "plugin:traffic")
    assert 'data-plugin="traffic"' not in web_station.test_client().get("/").get_data(as_text=True)
    manager.post("/console/plugins/traffic/enable", data={"csrf_token": csrf_token(manager)})
    assert 'data-plugin="traffic"' in web_station.test_client().get("/").get_data(as_text=True)


def test_a_plugin_that_cannot_run_is_refused_with_its_reason(manager, csrf_token):
    response = manager.post("/console/plugins/fx_future_sdk/enable", data={"csrf_token": csrf_token(manager)},
                            headers={"Accept": "text/html"})
    assert response.status_code == 400 and "needs sdk" in response.get_data(as_text=True)


def test_enabling_a_plugin_not_loaded_at_start_says_restart_required(make_station, login_staff, csrf_token):
    app = make_station(plugins=["healthcare"], plugin_paths=(STATION_FIXTURE_PLUGINS,))
    client = app.test_client()
    login_staff(client)
    client.post("/console/plugins/fx_example/enable", data={"csrf_token": csrf_token(client)})
    page = client.get("/console/plugins/").get_data(as_text=True)
    assert 'id="restart-required"' in page and "systemctl restart" in page
    assert 'data-plugin="fx_example" data-state="disabled" data-enabled="true"' in page


def test_other_roles_see_the_plugins_but_cannot_switch_them(web_station, login_staff, csrf_token):
    client = web_station.test_client()
    login_staff(client, roles=("auditor",))
    page = client.get("/console/plugins/").get_data(as_text=True)
    assert 'id="disable-traffic"' not in page
    assert client.post("/console/plugins/traffic/disable", data={"csrf_token": csrf_token(client)},
                       headers={"Accept": "application/json"}).status_code == 403
    assert client.get("/console/devices/").status_code == 403


def test_settings_form_comes_from_the_manifest_and_saving_is_validated_audited_and_live(
        web_station, manager, csrf_token):
    page = manager.get("/console/plugins/fx_example/settings").get_data(as_text=True)
    assert 'name="greeting" value="Xin chào"' in page and 'name="daily_limit"' in page and 'max="100"' in page
    bad = manager.post("/console/plugins/fx_example/settings",
                       data={"greeting": "Chào", "daily_limit": "500", "csrf_token": csrf_token(manager)})
    assert bad.status_code == 400 and "daily_limit: must be at most 100" in bad.get_data(as_text=True)
    not_a_number = manager.post("/console/plugins/fx_example/settings",
                                data={"greeting": "Chào", "daily_limit": "ten", "csrf_token": csrf_token(manager)})
    assert not_a_number.status_code == 400 and "daily_limit: must be a whole number" in not_a_number.get_data(as_text=True)
    good = manager.post("/console/plugins/fx_example/settings",
                        data={"greeting": "Chào bạn", "daily_limit": "7", "csrf_token": csrf_token(manager)})
    assert good.status_code == 302
    with web_station.app_context():
        assert plugin_settings("fx_example") == {"greeting": "Chào bạn", "daily_limit": 7}
    last = _entries(web_station)[-1]
    assert last["action"] == "plugin.settings" and last["details"] == {"changed": ["daily_limit", "greeting"]}


def test_saved_settings_survive_a_restart(make_station, login_staff, csrf_token, tmp_path):
    from core.app import create_app

    app = make_station(plugins=["fx_example"], plugin_paths=(STATION_FIXTURE_PLUGINS,))
    client = app.test_client()
    login_staff(client)
    client.post("/console/plugins/fx_example/settings",
                data={"greeting": "Hi", "daily_limit": "9", "csrf_token": csrf_token(client)})
    again = create_app(app.extensions["station"].config, clock=app.extensions["station"].clock)
    with again.app_context():
        assert plugin_settings("fx_example") == {"greeting": "Hi", "daily_limit": 9}
    again.extensions["station"].plugins.shutdown(again.extensions["station"].info_for)


def test_devices_page_probes_live_and_test_read_measures(web_station, manager, csrf_token):
    status = manager.get("/console/devices/status.json").get_json()
    assert status["devices"][0]["id"] == "thermo-1" and status["devices"][0]["status"] == "READY"
    page = manager.post("/console/devices/thermo-1/test", data={"csrf_token": csrf_token(manager)})
    assert page.status_code == 200 and 'id="test-result"' in page.get_data(as_text=True)
    last = _entries(web_station)[-1]
    assert last["action"] == "device.test" and last["outcome"] == "ok" and last["details"]["mode"] == "read"


def test_unplugged_device_is_not_ready_and_its_test_read_fails_and_is_audited(web_station, manager, csrf_token):
    url = "sim://thermometer?profile=ok&measure_s=0.05&instance=web-thermo"
    manager.get("/console/devices/status.json")
    control.unplug(url)
    try:
        status = manager.get("/console/devices/status.json").get_json()
        assert status["devices"][0]["status"] == "NOT_READY"
        response = manager.post("/console/devices/thermo-1/test", data={"csrf_token": csrf_token(manager)})
        assert response.status_code == 409
        assert _entries(web_station)[-1]["outcome"] == "failed"
    finally:
        control.replug(url)


def test_audit_page_filters_entries(web_station, manager, csrf_token):
    manager.post("/console/plugins/traffic/disable", data={"csrf_token": csrf_token(manager), "confirmed": "1"})
    manager.post("/console/plugins/traffic/enable", data={"csrf_token": csrf_token(manager)})
    page = manager.get("/console/audit/?action=plugin.&actor=staff:boss").get_data(as_text=True)
    assert page.count("<tr data-index=") == 2 and "plugin.enable" in page and "plugin.disable" in page
    assert "<tr data-index=" not in manager.get("/console/audit/?outcome=refused&action=plugin.").get_data(as_text=True)


@pytest.mark.parametrize("filters, expected", [
    ({"action": "plugin."}, True), ({"action": "login."}, False), ({"plugin": "core"}, True),
    ({"outcome": "refused"}, False), ({"since": "2026-01-02"}, True), ({"until": "2026-01-01"}, False),
    ({"actor": "staff:"}, True), ({"object": "plugin:tr"}, True)])
def test_entry_filters(filters, expected):
    entry = {"i": 3, "time": "2026-01-02T10:00:00.000Z", "actor": "staff:boss", "action": "plugin.enable",
             "plugin": "core", "object": "plugin:traffic", "outcome": "ok", "details": {}}
    assert entry_matches(entry, filters) is expected


def test_day_filters_use_the_station_time_zone():
    entry = {"time": "2026-01-01T20:00:00.000Z", "action": "x"}  # 03:00 on 2 January in Ha Noi
    assert entry_matches(entry, {"since": "2026-01-02"}, "Asia/Ho_Chi_Minh")
    assert not entry_matches(entry, {"since": "2026-01-02"})


def test_verify_now_reports_progress_and_finds_a_changed_entry(web_station, manager, csrf_token):
    web_station.config["CONSOLE_JOB_RUNNER"] = lambda job: job()  # run at once, in this thread
    response = manager.post("/console/audit/verify", data={"csrf_token": csrf_token(manager)})
    status = manager.get(response.headers["Location"] + ".json").get_json()
    assert status["state"] == "ok" and status["done"] == status["total"] > 0
    from core.audit.store import AuditEntry

    with web_station.app_context():
        row = AuditEntry.get_by_id(0)
        AuditEntry.update(leaf=row.leaf.replace('"outcome":"ok"', '"outcome":"refused"')).where(
            AuditEntry.idx == 0).execute()
    response = manager.post("/console/audit/verify", data={"csrf_token": csrf_token(manager)})
    status = manager.get(response.headers["Location"] + ".json").get_json()
    assert status["state"] == "failed" and status["bad_index"] == 0
    assert 'data-state="failed"' in manager.get(response.headers["Location"]).get_data(as_text=True)
