"""The example plugin exercises every hook of core/hookspecs.py."""

import inspect

from core import hookspecs
from core.cli import main


def _example(app):
    import fx_example

    return fx_example


def _manager(app):
    return app.extensions["station"].plugins


def test_every_hookspec_is_documented_and_implemented_by_the_example_plugin(example_station):
    module = _example(example_station)
    specs = [name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
             if hasattr(fn, "citizen_station_spec")]
    assert len(specs) == 15
    for name in specs:
        assert getattr(hookspecs, name).__doc__, f"hook {name} has no docstring"
        assert hasattr(module, name), f"example plugin does not implement {name}"


def test_planning_counts_reach_the_hub_message_checked_to_be_counts_only(example_station):
    from core.fleet.stats import collect_stats

    with example_station.app_context():
        body = collect_stats(example_station.extensions["station"], "2026-12")
    assert {"statistic": "note_writers", "cell": {"kind": "any"}, "count": 0, "plugin": "fx_example"} in body["counts"]
    calls = [c for c in _example(example_station).CALLS if c[0] == "planning_counts"]
    start, end = calls[-1][1]
    assert end - start == 31 * 86400  # December, in the station's time zone


def test_startup_receives_site_info_and_validated_settings(example_station):
    calls = [c for c in _example(example_station).CALLS if c[0] == "startup"]
    info = calls[-1][1]
    assert info.site_id == "test-station"
    assert info.plugin_id == "fx_example"
    assert info.settings == {"greeting": "Xin chào", "daily_limit": 5}


def test_site_settings_override_manifest_defaults(make_station, fixture_plugins_dir, login_citizen):
    app = make_station(plugins=["fx_example"], plugin_paths=(fixture_plugins_dir,),
                       settings={"fx_example": {"greeting": "Chào bạn"}})
    client = app.test_client()
    citizen_id = login_citizen(client)
    assert client.get("/s/fx_example/").get_data(as_text=True) == f"Chào bạn citizen {citizen_id}"


def test_invalid_site_setting_fails_the_plugin_with_the_key_named(make_station, fixture_plugins_dir):
    app = make_station(plugins=["fx_example"], plugin_paths=(fixture_plugins_dir,),
                       settings={"fx_example": {"daily_limit": 1000}})
    record = _manager(app).records["fx_example"]
    assert record.state.value == "failed"
    assert "plugin_settings.fx_example.daily_limit: must be at most 100" in record.reasons[0]


def test_home_tiles_appear_grouped_by_category(example_station):
    page = example_station.test_client().get("/").get_data(as_text=True)
    assert 'data-plugin="fx_example"' in page
    assert 'data-plugin="healthcare"' in page
    healthcare_section = page.split('id="cat-healthcare"')[1].split("</section>")[0]
    assert "Dịch vụ mẫu" in healthcare_section


def test_manager_panels_are_collected(example_station):
    results = _manager(example_station).call_each("manager_panels")
    panels = {record.id: panels for record, panels in results}
    assert panels["fx_example"][0].title == "Example panel"


def test_settings_schema_hook_returns_a_schema_that_validates(example_station):
    schema = _manager(example_station).call_one("fx_example", "settings_schema")
    assert schema().load({"greeting": "x", "daily_limit": 3}) == {"greeting": "x", "daily_limit": 3}


def test_citizen_data_export_and_erase(example_station, login_citizen, csrf_token):
    client = example_station.test_client()
    citizen_id = login_citizen(client)
    response = client.post("/s/fx_example/notes", data={"text": "huyết áp cao", "csrf_token": csrf_token(client)})
    assert response.status_code == 201
    from sdk import CitizenView

    citizen = CitizenView(citizen_id, "high", "test")
    with example_station.app_context():
        manager = _manager(example_station)
        exported = dict((r.id, data) for r, data in manager.call_each("citizen_data_export", citizen=citizen))
        assert exported["fx_example"] == {"notes": ["huyết áp cao"]}
        manager.call_each("citizen_data_erase", citizen=citizen)
        exported = dict((r.id, data) for r, data in manager.call_each("citizen_data_export", citizen=citizen))
        assert exported["fx_example"] == {"notes": []}


def test_payment_settled_goes_to_one_plugin_and_audit_event_to_observers(example_station):
    manager = _manager(example_station)
    manager.call_one("fx_example", "payment_settled", payment={"id": 7, "state": "SUCCEEDED"})
    manager.call_each("audit_event", event={"index": 3})
    calls = _example(example_station).CALLS
    assert ("payment_settled", {"id": 7, "state": "SUCCEEDED"}) in calls
    assert ("audit_event", {"index": 3}) in calls


def test_shutdown_is_called_for_active_plugins(example_station):
    station = example_station.extensions["station"]
    station.plugins.shutdown(station.info_for)
    assert ("shutdown", "fx_example") in _example(example_station).CALLS


def test_plugin_migration_created_its_table_and_is_recorded(example_station):
    from core.db import SchemaMigration

    with example_station.app_context():
        row = SchemaMigration.get(SchemaMigration.component == "fx_example")
    assert (row.version, row.name) == (1, "notes")


def test_cli_commands_hook_adds_a_station_subcommand(tmp_path, fixture_plugins_dir, capsys, monkeypatch):
    home = tmp_path / "site"
    assert main(["--home", str(home), "init"]) == 0
    config = (home / "station.toml").read_text()
    config = config.replace("enabled = []", f'enabled = ["fx_example"]\npaths = ["{fixture_plugins_dir}"]')
    config = config.replace("allow_unsigned = false", "allow_unsigned = true")
    (home / "station.toml").write_text(config)
    capsys.readouterr()
    assert main(["--home", str(home), "fx_example", "hello", "Lan"]) == 0
    assert capsys.readouterr().out.strip() == "hello Lan from Xin chào"
