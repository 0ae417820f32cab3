"""Paths of the web tests' fixture plugins (importable from the test modules)."""

from pathlib import Path

WEB_FIXTURE_PLUGINS = Path(__file__).parent / "fixtures" / "plugins"
STATION_FIXTURE_PLUGINS = Path(__file__).parent.parent / "fixtures" / "plugins"
