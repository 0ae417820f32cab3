"""Desired configuration: the hub holds fleet/group/station documents; a station pulls its
merged document (ETag), verifies the hub's signature, checks it like station.toml, applies it
(audited) or refuses it whole, and reports back — against two hub apps on PostgreSQL."""

from __future__ import annotations

import json
from urllib.parse import urlparse

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from core.audit.note import NoteSigner
from core.audit.store import AuditEntry
from core.errors import UserInputError
from core.fleet.client import HubClient, HubRefused
from core.fleet.models import HubDesiredConfig, HubLink
from hub.db import Alert, ConfigReport, HubEvent
from hub.desired_config import effective, set_groups, set_scope, signed_document
from hub.service import create_enrolment_code


@pytest.fixture
def hub_clock(station_clock):
    return station_clock  # one clock for both sides, so signatures are fresh


class Hub:
    """Routes the station's requests to the hub apps in turn; can rewrite answers (an attacker)."""

    def __init__(self, apps) -> None:
        self.apps, self.turn, self.rewrite = apps, 0, None
        self.statuses: list[int] = []

    def __call__(self, method, url, headers, body):
        self.turn += 1
        response = self.apps[self.turn % len(self.apps)].test_client().open(
            urlparse(url).path, method=method, data=body, headers=headers)
        text = response.get_data(as_text=True)
        self.statuses.append(response.status_code)
        if self.rewrite is not None and response.status_code == 200 and urlparse(url).path == "/api/v1/config":
            text = self.rewrite(text)
        return response.status_code, text


@pytest.fixture
def linked(station_factory, hub_apps, station_clock, fixture_plugins_dir):
    app = station_factory(plugins=["fx_example"], plugin_paths=(fixture_plugins_dir,))
    hub = Hub(hub_apps)
    client = HubClient(app.extensions["station"], hub)
    with app.app_context():
        client.enrol("http://localhost", create_enrolment_code(station_clock()))
        station_id = HubLink.get().station_id
    return app, client, hub, station_id


def _actions(app) -> list[dict]:
    with app.app_context():
        return [json.loads(leaf) for (leaf,) in AuditEntry.select(AuditEntry.leaf).order_by(AuditEntry.idx).tuples()]


def test_fleet_group_and_station_documents_merge_and_apply_once(linked, station_clock):
    app, client, hub, station_id = linked
    station = app.extensions["station"]
    set_scope("fleet", {"plugin_settings": {"fx_example": {"greeting": "Chào bạn", "daily_limit": 10}},
                        "opening_hours": {"mon": "07:30-17:00"}}, "lan", station_clock())
    set_scope("group:hoan-kiem", {"plugin_settings": {"fx_example": {"daily_limit": 20}},
                                  "public_url": "https://tram-hk01.example.vn"}, "lan", station_clock())
    set_groups(station_id, ["hoan-kiem"], "lan", station_clock())
    station_clock.advance(1)
    set_scope(f"station:{station_id}", {"opening_hours": {"sat": "closed"}}, "lan", station_clock())
    version, merged = effective(station_id)
    assert merged == {"plugin_settings": {"fx_example": {"greeting": "Chào bạn", "daily_limit": 20}},
                      "opening_hours": {"mon": "07:30-17:00", "sat": "closed"},
                      "public_url": "https://tram-hk01.example.vn"}

    with app.app_context():
        outcome = client.pull_config()
        assert outcome.status == "applied" and outcome.version == version
        assert station.settings["fx_example"] == {"greeting": "Chào bạn", "daily_limit": 20}
        assert app.config["STATION_PUBLIC_URL"] == "https://tram-hk01.example.vn"
        client.flush()
        # the same document again: 304 from the hub, nothing re-applied
        assert client.pull_config().status == "unchanged" and hub.statuses[-1] == 304
    applied = [e for e in _actions(app) if e["action"] == "hub.config.applied"]
    assert len(applied) == 1 and applied[0]["actor"] == "hub"
    assert any("daily_limit" in change for change in applied[0]["details"]["changes"])
    assert [e["action"] for e in _actions(app)].count("plugin.settings") == 1
    report = ConfigReport.get_by_id(station_id)
    assert (report.version, report.status) == (version, "applied")
    # every change on the hub was recorded with who made it and a diff
    events = list(HubEvent.select().order_by(HubEvent.id))
    assert [e.action for e in events] == ["config.set", "config.set", "config.groups", "config.set"]
    assert all(e.actor == "lan" for e in events)
    assert "+ plugin_settings.fx_example.daily_limit: 20" in json.loads(events[1].details)["diff"]


def test_a_plugin_switch_from_the_hub_goes_through_the_sites_switch(linked, station_clock):
    app, client, _hub, station_id = linked
    set_scope(f"station:{station_id}", {"plugins": {"disabled": ["fx_example"]}}, "lan", station_clock())
    with app.app_context():
        assert client.pull_config().status == "applied"
        assert app.extensions["station"].plugins.get("fx_example").enabled is False
    assert [e for e in _actions(app) if e["action"] == "plugin.disable"][0]["actor"] == "hub"


def test_a_document_the_station_cannot_apply_is_refused_whole_and_the_hub_alerted(linked, station_clock):
    app, client, _hub, station_id = linked
    station = app.extensions["station"]
    before = dict(station.settings["fx_example"])
    set_scope(f"station:{station_id}", {"plugin_settings": {"fx_example": {"daily_limit": 500}},
                                        "plugins": {"enabled": ["no_such_plugin"]}}, "lan", station_clock())
    with app.app_context():
        outcome = client.pull_config()
        client.flush()
        row = HubDesiredConfig.get_by_id(1)
    assert outcome.status == "refused"
    assert any("at most 100" in p for p in outcome.problems)
    assert any("no_such_plugin" in p for p in outcome.problems)
    assert station.settings["fx_example"] == before  # nothing applied
    assert row.status == "refused" and row.version == 0
    assert ConfigReport.get_by_id(station_id).status == "refused"
    assert Alert.select().where(Alert.station_id == station_id, Alert.kind == "config-refused").exists()
    assert [e["action"] for e in _actions(app)].count("hub.config.refused") == 1


def test_a_document_not_signed_by_the_hubs_config_key_is_refused(linked, station_clock, hub_apps):
    app, client, hub, station_id = linked
    set_scope(f"station:{station_id}", {"plugin_settings": {"fx_example": {"daily_limit": 7}}},
              "lan", station_clock())
    forger = NoteSigner(hub_apps[0].extensions["hub"]["config_signer"].name, Ed25519PrivateKey.generate())
    hub.rewrite = lambda _text: signed_document(station_id, forger)[0]
    with app.app_context(), pytest.raises(HubRefused, match="not signed"):
        client.pull_config()
    assert app.extensions["station"].settings["fx_example"]["daily_limit"] == 5
    assert "hub.config.refused" in [e["action"] for e in _actions(app)]


def test_another_stations_document_and_an_older_version_are_not_applied(linked, station_clock, hub_apps):
    app, client, hub, station_id = linked
    signer = hub_apps[0].extensions["hub"]["config_signer"]
    set_scope(f"station:{station_id}", {"plugin_settings": {"fx_example": {"daily_limit": 7}}},
              "lan", station_clock())
    old_note = signed_document(station_id, signer)[0]
    hub.rewrite = lambda text: text.replace(station_id, "st-0000000000000000").split("\n\n")[0]
    with app.app_context(), pytest.raises(HubRefused):
        client.pull_config()
    hub.rewrite = None
    station_clock.advance(5)
    set_scope(f"station:{station_id}", {"plugin_settings": {"fx_example": {"daily_limit": 9}}},
              "lan", station_clock())
    with app.app_context():
        assert client.pull_config().status == "applied"
        hub.rewrite = lambda _text: old_note  # a replay of the older, validly signed document
        HubDesiredConfig.update(etag=None).execute()
        assert client.pull_config().status == "unchanged"
    assert app.extensions["station"].settings["fx_example"]["daily_limit"] == 9


@pytest.mark.parametrize("document, problem", [
    ({"opening_hours": {"mon": "17:00-07:30"}}, "opening_hours.mon"),
    ({"opening_hours": {"someday": "07:00-08:00"}}, "opening_hours"),
    ({"plugins": {"enabled": ["a"], "disabled": ["a"]}}, "both enabled and disabled"),
    ({"public_url": "javascript:alert(1)"}, "public_url"),
    ({"database": {"url": "sqlite:///x"}}, "database"),
    ({"plugin_settings": {"fx_example": {"greeting": ["x"]}}}, "plugin_settings.fx_example.greeting"),
])
def test_the_hub_refuses_an_invalid_document_with_its_reason(hub_config, hub_apps, document, problem):
    with pytest.raises(UserInputError, match=problem.replace(".", r"\.")):
        set_scope("fleet", document, "lan", 1000.0)


def test_console_previews_the_diff_then_saves_with_the_staff_members_name(hub_apps, hub_clock):
    from hub.console import add_staff

    add_staff("lan", "một mật khẩu rất dài 2026", hub_clock())
    client = hub_apps[0].test_client()
    client.get("/login")
    with client.session_transaction() as session:
        token = session["csrf"]
    client.post("/login", data={"username": "lan", "password": "một mật khẩu rất dài 2026", "csrf_token": token})
    with client.session_transaction() as session:
        token = session["csrf"]
    document = json.dumps({"opening_hours": {"mon": "08:00-17:00"}})
    preview = client.post("/config", data={"scope": "fleet", "document": document, "action": "preview",
                                           "csrf_token": token})
    assert preview.status_code == 200 and "+ opening_hours.mon: &#34;08:00-17:00&#34;" in preview.get_data(as_text=True)
    assert not HubEvent.select().exists()
    bad = client.post("/config", data={"scope": "fleet", "document": "{", "action": "save", "csrf_token": token})
    assert bad.status_code == 400 and "JSON" in bad.get_data(as_text=True)
    saved = client.post("/config", data={"scope": "fleet", "document": document, "action": "save",
                                         "csrf_token": token})
    assert saved.status_code == 200 and "Đã lưu" in saved.get_data(as_text=True)
    assert HubEvent.get().actor == "lan"
    no_csrf = client.post("/config", data={"scope": "fleet", "document": document, "action": "save"})
    assert no_csrf.status_code == 400
