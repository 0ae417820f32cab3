"""Shared fixtures of the station's own tests (plugin-author fixtures come from sdk.testing)."""

from pathlib import Path

import pytest

FIXTURE_PLUGINS = Path(__file__).parent / "fixtures" / "plugins"


@pytest.fixture
def fixture_plugins_dir() -> Path:
    """Folder of test plugins: the example plugin and the broken ones."""
    return FIXTURE_PLUGINS


@pytest.fixture
def example_station(make_station):
    """A station with the built-ins, the example plugin and every broken fixture plugin."""
    return make_station(plugins=["fx_example", "fx_broken_import", "fx_broken_startup", "fx_bad_manifest",
                                 "fx_future_sdk", "fx_needs_device", "fx_undeclared_permission",
                                 "fx_unknown_hook", "healthcare", "security"],
                        plugin_paths=(FIXTURE_PLUGINS,))


@pytest.fixture
def make_station(station_factory):
    """The station's own tests keep the short 1.0 name (sdk.testing's deprecated alias warns)."""
    return station_factory


@pytest.fixture
def csrf_token(station_csrf_token):
    """The station's own tests keep the short 1.0 name (sdk.testing's deprecated alias warns)."""
    return station_csrf_token
