"""Broken plugins are isolated: marked with a reason, never mounted, station keeps serving."""

import pytest

from sdk import API_VERSION


def _state(app, plugin_id):
    return app.extensions["station"].plugins.records[plugin_id]


@pytest.mark.parametrize("plugin_id, state, reason_part", [
    ("fx_broken_import", "failed", "import failed: RuntimeError: fixture: import exploded"),
    ("fx_broken_startup", "failed", "startup failed: RuntimeError: fixture: startup exploded"),
    ("fx_bad_manifest", "invalid", "category: Must be one of"),
    ("fx_future_sdk", "incompatible", f"needs sdk >=2.0,<3; this station provides {API_VERSION}"),
    ("fx_needs_device", "missing_device", "needs card_reader with capability 'mrz_scan': no card_reader in inventory"),
    ("fx_undeclared_permission", "failed", "requires permission 'fx_undeclared_permission.steal'"),
    ("fx_unknown_hook", "failed", "implements unknown hook 'register_route'"),
])
def test_broken_plugin_is_marked_with_reason_and_station_keeps_serving(example_station, plugin_id, state,
                                                                       reason_part):
    record = _state(example_station, plugin_id)
    assert record.state.value == state
    assert any(reason_part in reason for reason in record.reasons), record.reasons
    client = example_station.test_client()
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json["plugins"][plugin_id]["state"] == state
    assert health.json["plugins"]["fx_example"]["state"] == "active"
    assert client.get(f"/s/{plugin_id}/").status_code == 404
    assert client.get("/").status_code == 200


def test_plugin_failing_in_startup_has_no_routes_and_no_hooks(example_station):
    record = _state(example_station, "fx_broken_startup")
    assert record.blueprints == []
    manager = example_station.extensions["station"].plugins
    assert not any(impl.plugin_name == "fx_broken_startup"
                   for impl in manager.pm.hook.register_routes.get_hookimpls())


def test_never_imports_a_plugin_with_invalid_manifest_or_sdk_or_device(example_station):
    import sys

    for plugin_id in ("fx_bad_manifest", "fx_future_sdk", "fx_needs_device"):
        assert plugin_id not in sys.modules


def test_device_need_is_met_by_inventory(make_station, fixture_plugins_dir):
    app = make_station(plugins=[], plugin_paths=(fixture_plugins_dir,),
                       devices=[{"id": "card-1", "kind": "card_reader", "url": "sim://card_reader"}])
    record = _state(app, "fx_needs_device")  # the kind's default capabilities include mrz_scan
    assert record.state.value == "disabled"
    assert record.reasons == ["disabled for this site"]


def test_device_need_missing_capability_is_named(make_station, fixture_plugins_dir):
    app = make_station(plugins=[], plugin_paths=(fixture_plugins_dir,),
                       devices=[{"id": "card-1", "kind": "card_reader", "url": "sim://card_reader",
                                 "capabilities": ["bac"]}])
    record = _state(app, "fx_needs_device")
    assert record.state.value == "missing_device"
    assert record.reasons == ["needs card_reader with capability 'mrz_scan': none in inventory "
                              "(card-1 lacks mrz_scan)"]


def test_safe_mode_loads_only_builtin_plugins(make_station, fixture_plugins_dir):
    app = make_station(plugins=["fx_example", "healthcare"], plugin_paths=(fixture_plugins_dir,), safe_mode=True)
    assert _state(app, "healthcare").state.value == "active"
    example = _state(app, "fx_example")
    assert example.state.value == "disabled"
    assert "safe mode: only built-in plugins are loaded" in example.reasons
    assert app.test_client().get("/s/fx_example/open").status_code == 404


def test_plugin_with_a_view_without_declared_access_fails_and_mounts_nothing(make_station, fixture_plugins_dir,
                                                                           login_citizen):
    app = make_station(plugins=["fx_undeclared_route", "fx_example"], plugin_paths=(fixture_plugins_dir,))
    record = _state(app, "fx_undeclared_route")
    assert record.state.value == "failed"
    assert "fx_undeclared_route.forgotten" in record.reasons[0] and "declare no access" in record.reasons[0]
    client = app.test_client()
    login_citizen(client)
    assert client.get("/s/fx_undeclared_route/forgotten").status_code == 404
    assert client.get("/s/fx_undeclared_route/").status_code == 404
    assert client.get("/s/fx_example/").status_code == 200


def test_the_plugins_settings_schema_validates_station_toml_at_start(make_station, fixture_plugins_dir):
    app = make_station(plugins=["fx_example"], plugin_paths=(fixture_plugins_dir,),
                       settings={"fx_example": {"greeting": "x" * 41}})
    record = _state(app, "fx_example")
    assert record.state.value == "failed"
    assert "plugin_settings.fx_example.greeting" in record.reasons[0] and "40" in record.reasons[0]
    ok = make_station(plugins=["fx_example"], plugin_paths=(fixture_plugins_dir,),
                      settings={"fx_example": {"greeting": "Chào bà con"}})
    assert _state(ok, "fx_example").state.value == "active"
