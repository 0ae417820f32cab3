"""Fixtures of the kiosk/console web tests."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from tests_web_paths import STATION_FIXTURE_PLUGINS, WEB_FIXTURE_PLUGINS


@pytest.fixture
def web_station(make_station):
    """Built-ins, the translated fixture plugin and the example plugin (loaded) plus two that cannot run."""
    return make_station(plugins=["healthcare", "security", "traffic", "fx_translated", "fx_example"],
                        plugin_paths=(WEB_FIXTURE_PLUGINS, STATION_FIXTURE_PLUGINS),
                        devices=[{"id": "thermo-1", "kind": "thermometer",
                                  "url": "sim://thermometer?profile=ok&measure_s=0.05&instance=web-thermo",
                                  "options": {"measure_timeout": 1.0, "answer_timeout": 0.3}}])
