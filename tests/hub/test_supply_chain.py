"""Signed plugins end to end: a hub TUF repository on PostgreSQL (real python-tuf metadata made
here), partners signing their own wheels, and a station installing only through ngclient.

Each attack of issue 19 is refused with a message naming it and an audit entry on the station;
a valid upgrade switches versions; an upgrade whose start fails returns to the previous version.
"""

from __future__ import annotations

import json
import time

import pytest

from core.app import create_app
from core.config import load_config
from core.errors import UserInputError
from core.plugindev.sign import sign_wheels
from core.supply.installer import Installer, InstallFailed, InstallRefused
from core.supply.keys import new_signer, public_key_json, write_private_key
from core.supply.models import PluginInstall
from core.supply.trust import site_plugins_dir
from core.supply.tuf_client import PluginRepository, trust_root
from hub.db import HubEvent
from hub.supply import repository as repo
from tests.hub.supply_kit import FlaskFetcher, Hub, build_wheel, make_site

pytestmark = pytest.mark.postgres


@pytest.fixture
def hub(hub_apps, hub_config, hub_clock, tmp_path):
    hub_clock.now = time.time()  # ngclient checks expiry against the real clock
    return Hub(hub_apps[0], hub_config, hub_clock, tmp_path / "hub")


@pytest.fixture
def site(tmp_path, hub):
    home = make_site(tmp_path / "site", ["example-partner"])
    app = create_app(load_config(home))
    trust_root(home, hub.root_json.read_bytes())
    return app


def installer(app, hub: Hub, tamper=None) -> Installer:
    station = app.extensions["station"]
    fetcher = FlaskFetcher(hub.client, tamper)
    return Installer(station, actor="os:test", repository=PluginRepository(station.config.home, "http://hub.test",
                                                                           fetcher=fetcher))


def audit_entries(app, action: str) -> list[dict]:
    station = app.extensions["station"]
    with app.app_context():
        entries = [json.loads(leaf) for leaf in station.audit.export()]
    return [e for e in entries if e.get("action") == action]


def refused(app, hub: Hub, spec: tuple, tamper=None, **kwargs) -> tuple[str, dict]:
    with app.app_context():
        with pytest.raises(InstallRefused) as caught:
            installer(app, hub, tamper).install(*spec, **kwargs)
    [*_, last] = audit_entries(app, "plugin.install.refused")
    return str(caught.value), last


def test_valid_install_and_upgrade_switch_versions_and_are_audited(hub, site, tmp_path):
    hub.publish("example-partner", build_wheel(tmp_path / "w", "2.0.1"))
    home = site.extensions["station"].config.home
    with site.app_context():
        first = installer(site, hub).install("fx_example")
    assert (first.version, first.action, first.publisher) == ("2.0.1", "install", "example-partner")
    base = site_plugins_dir(home) / "fx_example"
    assert (base / "current").resolve() == (base / "2.0.1").resolve()
    hub.publish("example-partner", build_wheel(tmp_path / "w", "2.0.2"))
    with site.app_context():
        second = installer(site, hub).install("fx_example", upgrade_only=True)
        row = PluginInstall.get(PluginInstall.plugin_id == "fx_example")
    assert (second.version, second.previous, second.action) == ("2.0.2", "2.0.1", "upgrade")
    assert (base / "current").resolve() == (base / "2.0.2").resolve() and (base / "2.0.1").is_dir()
    assert (row.version, row.previous_version, row.publisher) == ("2.0.2", "2.0.1", "example-partner")
    assert [e["details"]["version"] for e in audit_entries(site, "plugin.install.verified")] == ["2.0.1", "2.0.2"]
    assert audit_entries(site, "plugin.upgrade")[0]["details"]["previous"] == "2.0.1"
    # a new start finds the signed install, checks its files and loads it as signed
    restarted = create_app(load_config(home))
    record = restarted.extensions["station"].plugins.records["fx_example"]
    assert record.signed and record.signature == "signed by example-partner"
    assert record.manifest.version == "2.0.2" and record.state.value != "invalid"


def test_failing_upgrade_returns_to_the_previous_version(hub, site, tmp_path):
    hub.publish("example-partner", build_wheel(tmp_path / "w", "2.0.1"))
    hub.publish("example-partner", build_wheel(tmp_path / "w", "2.1.0", fail_startup=True))
    with site.app_context():
        installer(site, hub).install("fx_example", "2.0.1")
    restarted = create_app(load_config(site.extensions["station"].config.home))
    with restarted.app_context():
        restarted.extensions["station"].plugins.set_enabled("fx_example", True, actor="os:test")
    with site.app_context():
        with pytest.raises(InstallFailed) as caught:
            installer(site, hub).install("fx_example", "2.1.0")
        row = PluginInstall.get(PluginInstall.plugin_id == "fx_example")
    assert "2.1.0 failed to start" in str(caught.value) and "returned to 2.0.1" in str(caught.value)
    assert "the connector refuses this configuration" in str(caught.value)
    base = site_plugins_dir(site.extensions["station"].config.home) / "fx_example"
    assert (base / "current").resolve() == (base / "2.0.1").resolve() and not (base / "2.1.0").exists()
    assert row.version == "2.0.1" and json.loads(row.last_outcome)["outcome"] == "rolled_back"
    [entry] = audit_entries(site, "plugin.install.rolled_back")
    assert entry["details"]["back_to"] == "2.0.1" and entry["outcome"] == "failed"


def test_tampered_wheel_is_refused_and_audited(hub, site, tmp_path):
    hub.publish("example-partner", build_wheel(tmp_path / "w", "2.0.1"))

    def swap_wheel(url: str, body: bytes) -> bytes:  # same length, one byte changed
        return body[:100] + bytes([body[100] ^ 1]) + body[101:] if "/tuf/targets/" in url else body

    message, entry = refused(site, hub, ("fx_example",), tamper=swap_wheel)
    assert "does not match the hashes its publisher signed" in message
    assert entry["details"]["check"] == "tampered"
    assert not (site_plugins_dir(site.extensions["station"].config.home) / "fx_example").exists()


def test_wheel_signed_by_another_publisher_is_refused(hub, site, tmp_path):
    # other-partner signs a build of fx_example whose manifest claims example-partner's name:
    # the hub refuses the upload, and a station refuses it even if a repository carried it
    with pytest.raises(repo.RepositoryError, match="registered name of this publisher"):
        hub.publish("other-partner", build_wheel(tmp_path / "o", "9.0.0"))
    # other-partner cannot list a path under example-partner's name either
    with pytest.raises(repo.RepositoryError, match="not signed by publisher example-partner"):
        hub.publish("other-partner", build_wheel(tmp_path / "o", "9.0.0"), as_publisher="example-partner")
    # it signs its own build (manifest: its own name) of the same plugin id
    hub.publish("other-partner", build_wheel(tmp_path / "o", "9.0.0", publisher="Other Partner Co"))
    message, entry = refused(site, hub, ("fx_example",))
    assert "published by other-partner, not on this site's allowed publishers" in message
    assert entry["details"]["check"] == "publisher"


def test_manifest_naming_another_publisher_is_refused_on_the_station(hub, tmp_path):
    # other-partner signs a build whose manifest claims example-partner's company, and a hub that
    # skipped its own checks serves it: the station still refuses it (both publishers allowed here)
    from hub.db import TufTarget, hub_database

    wheel = build_wheel(tmp_path / "o", "9.0.0")
    out = tmp_path / "other.json"
    md = sign_wheels("other-partner", [wheel], hub.keys["other-partner"], None, out)
    with hub_database.atomic():
        path = "plugins/other-partner/" + wheel.name
        TufTarget.create(path=path, sha256=md.signed.targets[path].hashes["sha256"], length=wheel.stat().st_size,
                         body=wheel.read_bytes(), publisher="other-partner", uploaded_at=hub.clock())
        repo._store("other-partner", md, hub.clock())
        repo._publish(hub.clock(), hub.online(), {"other-partner.json": md.signed.version})
    home = make_site(tmp_path / "both", ["example-partner", "other-partner"])
    app = create_app(load_config(home))
    trust_root(home, hub.root_json.read_bytes())
    message, entry = refused(app, hub, ("fx_example",))
    assert "signed by publisher other-partner ('Other Partner Co') but its manifest names publisher " \
           "'Example Partner JSC'" in message
    assert entry["details"]["check"] == "publisher"


def test_unknown_publisher_is_refused(hub, site, tmp_path):
    signer = new_signer()
    key = tmp_path / "stranger.pem"
    write_private_key(signer, key)
    out = tmp_path / "stranger.json"
    wheel = build_wheel(tmp_path / "s", "3.0.0", publisher="Stranger Ltd")
    sign_wheels("stranger", [wheel], key, None, out)
    with pytest.raises(repo.RepositoryError, match="unknown publisher 'stranger'"):
        repo.upload("stranger", out.read_bytes(), {wheel.name: wheel.read_bytes()}, hub.online(), hub.clock(), "x")
    message, entry = refused(site, hub, ("fx_example",))
    assert "no publisher registered on the hub has signed fx_example" in message
    assert entry["details"]["check"] == "unknown"


def test_expired_timestamp_is_refused_as_a_freeze(hub, site, tmp_path):
    hub.publish("example-partner", build_wheel(tmp_path / "w", "2.0.1"))
    hub.clock.now = time.time() - 3 * 86400  # the repository stopped being re-signed days ago
    repo.refresh_timestamp(hub.clock(), hub.online())
    message, entry = refused(site, hub, ("fx_example",))
    assert "expired" in message and "freeze" in message
    assert entry["details"]["check"] == "expired"


def test_rollback_to_an_older_snapshot_is_refused(hub, site, tmp_path):
    hub.publish("example-partner", build_wheel(tmp_path / "w", "2.0.1"))
    old_timestamp = hub.client.get("/tuf/metadata/timestamp.json").get_data()
    hub.publish("example-partner", build_wheel(tmp_path / "w", "2.0.2"))
    with site.app_context():
        installer(site, hub).install("fx_example", "2.0.2")  # the station has seen the newer snapshot

    def replay_old(url: str, body: bytes) -> bytes:
        return old_timestamp if url.endswith("/timestamp.json") else body

    message, entry = refused(site, hub, ("fx_example", "2.0.1"), tamper=replay_old, allow_downgrade=True)
    assert "older metadata than this station has already seen" in message and "rollback" in message
    assert entry["details"]["check"] == "rollback"


def test_downgrade_is_refused_without_an_explicit_request(hub, site, tmp_path):
    hub.publish("example-partner", build_wheel(tmp_path / "w", "2.0.1"), build_wheel(tmp_path / "w", "2.0.2"))
    with site.app_context():
        installer(site, hub).install("fx_example")
    message, entry = refused(site, hub, ("fx_example", "2.0.1"))
    assert "downgrades are refused" in message and entry["details"]["check"] == "downgrade"


def test_hand_installed_plugin_loads_only_when_the_site_allows_unsigned(hub, site, tmp_path, fixture_plugins_dir):
    config = load_config(site.extensions["station"].config.home).with_overrides(
        plugin_paths=(fixture_plugins_dir,), enabled_plugins=("fx_example",))
    strict = create_app(config).extensions["station"].plugins.records["fx_example"]
    assert strict.state.value == "invalid" and not strict.signed
    assert "no valid signature" in strict.reasons[0]
    allowed = create_app(config.with_overrides(allow_unsigned=True)).extensions["station"].plugins.records
    assert allowed["fx_example"].state.value == "active" and not allowed["fx_example"].signed


def test_changed_file_after_install_makes_the_plugin_unsigned(hub, site, tmp_path):
    hub.publish("example-partner", build_wheel(tmp_path / "w", "2.0.1"))
    home = site.extensions["station"].config.home
    with site.app_context():
        installer(site, hub).install("fx_example")
    init = site_plugins_dir(home) / "fx_example" / "current" / "fx_example" / "__init__.py"
    init.write_text(init.read_text() + "\n# changed\n")
    record = create_app(load_config(home)).extensions["station"].plugins.records["fx_example"]
    assert record.state.value == "invalid" and "was changed after it was installed" in record.reasons[0]


def test_repository_serves_consistent_snapshots_and_keeps_an_audit_trail(hub, tmp_path):
    hub.publish("example-partner", build_wheel(tmp_path / "w", "2.0.1"))
    timestamp = json.loads(hub.client.get("/tuf/metadata/timestamp.json").get_data())
    snapshot_version = timestamp["signed"]["meta"]["snapshot.json"]["version"]
    assert hub.client.get(f"/tuf/metadata/{snapshot_version}.snapshot.json").status_code == 200
    assert hub.client.get("/tuf/metadata/1.root.json").status_code == 200
    assert hub.client.get("/tuf/metadata/../secrets").status_code == 404
    assert hub.client.get("/tuf/targets/plugins/example-partner/x.whl").status_code == 404
    actions = [e.action for e in HubEvent.select().order_by(HubEvent.id)]
    assert actions[:3] == ["tuf.init", "publisher.add", "publisher.add"] and "publisher.upload" in actions


def test_targets_key_is_required_to_register_a_publisher(hub, tmp_path):
    signer = new_signer()
    with pytest.raises(UserInputError, match="not a targets key"):
        repo.add_publisher("mallory", "Mallory", public_key_json(signer.public_key),
                           hub.config.secrets_dir / "tuf-snapshot.pem", hub.online(), hub.clock(), "operator")


def test_timestamp_key_rotation_is_followed_by_stations(hub, site, tmp_path):
    hub.publish("example-partner", build_wheel(tmp_path / "w", "2.0.1"))
    repo.rotate("timestamp", hub.offline, hub.config.secrets_dir, hub.clock(), "operator")
    with site.app_context():
        assert installer(site, hub).install("fx_example").version == "2.0.1"
    assert json.loads(hub.client.get("/tuf/metadata/2.root.json").get_data())["signed"]["version"] == 2


def test_wheel_file_installs_unsigned_only_where_the_site_allows_it(hub, site, tmp_path):
    wheel = build_wheel(tmp_path / "w", "2.0.1")
    with site.app_context():
        with pytest.raises(InstallRefused, match="has no signature and this site does not allow unsigned"):
            installer(site, hub).install_wheel_file(wheel)
    assert audit_entries(site, "plugin.install.refused")[-1]["details"]["check"] == "unsigned"
    home = site.extensions["station"].config.home
    toml = (home / "station.toml").read_text()
    (home / "station.toml").write_text(toml.replace("[plugins]\n", "[plugins]\nallow_unsigned = true\n"))
    dev = create_app(load_config(home))
    with dev.app_context():
        result = installer(dev, hub).install_wheel_file(wheel)
    assert (result.version, result.publisher) == ("2.0.1", "")
    assert audit_entries(dev, "plugin.install.unsigned")[0]["details"]["file"] == wheel.name
    record = create_app(load_config(home)).extensions["station"].plugins.records["fx_example"]
    assert not record.signed and record.signature == "installed from a wheel file given by hand (no signature)"
    assert record.state.value != "invalid"


def test_root_key_rotation_is_followed_and_a_removed_publisher_is_no_longer_trusted(hub, site, tmp_path):
    hub.publish("example-partner", build_wheel(tmp_path / "w", "2.0.1"))
    repo.rotate("root", hub.offline, hub.config.secrets_dir, hub.clock(), "operator")
    repo.rotate("targets", hub.offline, hub.config.secrets_dir, hub.clock(), "operator")
    with site.app_context():
        assert installer(site, hub).install("fx_example").version == "2.0.1"
    assert len(list(hub.offline.glob("root-*.pem"))) == 1  # the old root key is retired beside it
    hub.publish("example-partner", build_wheel(tmp_path / "w", "2.0.2"))
    repo.remove_publisher("example-partner", hub.offline / "targets.pem", hub.online(), hub.clock(), "operator")
    message, entry = refused(site, hub, ("fx_example", "2.0.2"))
    assert "no publisher registered on the hub has signed fx_example" in message
