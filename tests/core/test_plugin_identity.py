"""The station, not the plugin, says which plugin is acting (core/plugin_context.py)."""

import json
import re

import pytest

import sdk
from core.plugin_context import acting_as, acting_plugin
from core.privacy.access_log import AccessRecord
from core.privacy.consent import ConsentEvent
from sdk.consent import grant_consent


def _entries(app, action):
    with app.app_context():
        entries = [json.loads(leaf) for leaf in app.extensions["station"].audit.export()]
    return [e for e in entries if e["action"] == action]


@pytest.fixture
def two_plugins(make_station, fixture_plugins_dir):
    return make_station(plugins=["fx_example", "healthcare"], plugin_paths=(fixture_plugins_dir,))


def test_a_plugin_cannot_write_an_audit_entry_under_another_plugins_id(two_plugins):
    with two_plugins.test_request_context("/s/fx_example/"), acting_as("fx_example"):
        with pytest.raises(sdk.PluginIdentityError, match="may not act as plugin 'healthcare'"):
            with sdk.transaction():
                sdk.audit("healthcare.forged", plugin="healthcare")
        with sdk.transaction():
            sdk.audit("fx_example.own")
        with pytest.warns(DeprecationWarning, match="drop plugin="), sdk.transaction():
            sdk.audit("fx_example.own_claimed", plugin="fx_example")
    assert _entries(two_plugins, "healthcare.forged") == []
    assert [e["plugin"] for e in _entries(two_plugins, "fx_example.own")] == ["fx_example"]
    assert [e["plugin"] for e in _entries(two_plugins, "fx_example.own_claimed")] == ["fx_example"]


def test_a_plugin_cannot_record_consent_or_read_under_another_plugins_id(two_plugins, login_citizen):
    client = two_plugins.test_client()
    citizen_id = login_citizen(client)
    with two_plugins.test_request_context("/"), acting_as("fx_example"):
        with pytest.raises(sdk.PluginIdentityError):
            sdk.ensure_consent("health", citizen_id=citizen_id, plugin_id="healthcare")
        with pytest.raises(sdk.PluginIdentityError):
            sdk.plugin_settings("healthcare")
        assert sdk.current_plugin_id() == "fx_example"
    with two_plugins.test_request_context("/"):
        import flask_login

        from core.identity.principals import CitizenPrincipal

        flask_login.login_user(CitizenPrincipal(citizen_id, "high", "test"))
        with acting_as("healthcare"):
            grant_consent("health")
            sdk.record_read(citizen_id, "health", "test read", what="fixture")
    with two_plugins.app_context():
        assert [e.plugin_id for e in ConsentEvent.select()] == ["healthcare"]
        assert [r.plugin_id for r in AccessRecord.select()] == ["healthcare"]


def test_the_station_sets_the_acting_plugin_for_its_requests_and_hooks(two_plugins, monkeypatch):
    station = two_plugins.extensions["station"]
    seen = []
    impl = station.plugins._impl(station.plugins.records["fx_example"], "home_tiles")
    monkeypatch.setattr(impl, "function", lambda citizen: seen.append(sdk.current_plugin_id()))
    with two_plugins.app_context():
        station.plugins.call_each("home_tiles", citizen=None)
        seen.append(acting_plugin())
    assert seen == ["fx_example", None]  # set during the hook, reset after it
    with two_plugins.test_request_context("/s/fx_example/open"):
        two_plugins.preprocess_request()
        assert sdk.current_plugin_id() == "fx_example"
    assert acting_plugin() is None


def test_entries_written_in_payment_settled_carry_the_plugins_id(make_station, login_citizen, csrf_token):
    from pathlib import Path

    payee_plugins = Path(__file__).parent / "payments" / "plugins"
    app = make_station(plugins=["fx_payee"], plugin_paths=(payee_plugins,), devices=[
        {"id": "terminal-1", "kind": "payment_terminal", "url": "sim://payment_terminal?profile=ok&instance=ident-1",
         "options": {"ack_timeout": 0.5, "result_timeout": 1.0}}])
    client = app.test_client()
    login_citizen(client, assurance="basic")
    started = client.post("/s/fx_payee/pay", data={"attempt": "attempt-ident-01", "amount": "150000",
                                                   "reference": "fee:1", "csrf_token": csrf_token(client)})
    payment_id = int(re.search(r"/pay/(\d+)$", started.headers["Location"]).group(1))
    client.post(f"/pay/{payment_id}/card", data={"csrf_token": csrf_token(client)})  # a core request
    client.application.extensions["payments_cards"].wait_idle()  # the card worker
    settled = _entries(app, "fx_payee.settled")
    assert [e["plugin"] for e in settled] == ["fx_payee"]
    assert settled[0]["object"] == f"payment:{payment_id}"
