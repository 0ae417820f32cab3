"""One connector registry in core (core.connectors), re-exported by the sdk and used by the
station's own bank and VNeID connectors."""

from __future__ import annotations

import pytest

import sdk.connectors
from core import connectors
from core.errors import ConfigError
from core.identity.vneid import SimulatedVneid, provider_from_config


def test_the_sdk_re_exports_the_core_registry_unchanged():
    for name in ("Connector", "ConnectorUnavailable", "Simulator"):
        assert getattr(sdk.connectors, name) is getattr(connectors, name)
    assert sdk.connectors.__all__ == ["Connector", "ConnectorUnavailable", "Simulator", "connector"]


def test_make_connector_builds_the_configured_kind_without_the_kind_key():
    made = connectors.make_connector("prescriptions", {"simulator": dict, "national": lambda s: ("national", s)},
                                     {"prescriptions": {"kind": "national", "url": "https://x.invalid"}})
    assert made == ("national", {"url": "https://x.invalid"})
    assert connectors.make_connector("prescriptions", {"simulator": dict}, {}) == {}


def test_vneid_uses_the_registry_and_names_an_unknown_kind_like_every_connector(tmp_path):
    assert isinstance(provider_from_config({}, tmp_path), SimulatedVneid)
    with pytest.raises(ConfigError) as caught:
        provider_from_config({"kind": "national"}, tmp_path)
    assert str(caught.value) == "station.toml: connectors.vneid.kind: unknown kind 'national'; available: simulator"


def test_an_unknown_bank_kind_is_named_by_the_same_registry(make_station):
    app = make_station(plugins=[], connectors={"bank": {"kind": "no_such_bank"}})
    with app.app_context(), pytest.raises(ConfigError) as caught:
        app.extensions["payments"].bank()
    assert "connectors.bank.kind: unknown kind 'no_such_bank'; available: simulator" in str(caught.value)
