"""A pip-installed third-party plugin (entry point citizen_station.plugins) whose import raises."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from core.cli import main


@pytest.fixture(scope="module")
def installed_broken_plugin(tmp_path_factory):
    """Build and pip-install (into a target folder) a plugin package whose import raises."""
    src = tmp_path_factory.mktemp("acme_src")
    package = src / "acme_broken"
    package.mkdir()
    (package / "__init__.py").write_text('raise ImportError("acme: licence server unreachable")\n')
    (package / "manifest.toml").write_text(textwrap.dedent("""\
        id = "acme_broken"
        version = "0.9.0"
        publisher = "ACME Pharmacy JSC"
        category = "healthcare"
        sdk = ">=1.0,<2"
        [name]
        vi = "ACME"
        en = "ACME"
        """))
    (src / "pyproject.toml").write_text(textwrap.dedent("""\
        [build-system]
        requires = ["setuptools"]
        build-backend = "setuptools.build_meta"
        [project]
        name = "acme-broken-plugin"
        version = "0.9.0"
        [project.entry-points."citizen_station.plugins"]
        acme_broken = "acme_broken"
        [tool.setuptools]
        packages = ["acme_broken"]
        [tool.setuptools.package-data]
        acme_broken = ["manifest.toml"]
        """))
    target = tmp_path_factory.mktemp("site_packages")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--no-index", "--target", str(target), str(src)], check=True, timeout=300)
    return target


def test_installed_plugin_failing_on_import_leaves_station_serving(installed_broken_plugin, monkeypatch,
                                                                   make_station):
    monkeypatch.syspath_prepend(str(installed_broken_plugin))
    app = make_station(plugins=["acme_broken", "healthcare"])
    health = app.test_client().get("/healthz")
    assert health.status_code == 200
    acme = health.json["plugins"]["acme_broken"]
    assert acme["state"] == "failed"
    assert acme["reasons"] == ["import failed: ImportError: acme: licence server unreachable"]
    assert health.json["plugins"]["healthcare"]["state"] == "active"
    record = app.extensions["station"].plugins.records["acme_broken"]
    assert record.source == "installed (acme-broken-plugin 0.9.0)"


def test_station_plugins_list_shows_installed_plugin_failed(installed_broken_plugin, tmp_path, capsys):
    home = tmp_path / "site"
    assert main(["--home", str(home), "init", "--demo"]) == 0
    config = (home / "station.toml").read_text().replace('"banking"]', '"banking", "acme_broken"]')
    (home / "station.toml").write_text(config)
    env = dict(os.environ, PYTHONPATH=str(installed_broken_plugin))

    def listed_plugins() -> dict:
        result = subprocess.run([sys.executable, "-m", "core.cli", "--home", str(home), "plugins", "list", "--json"],
                                capture_output=True, text=True, env=env, timeout=120)
        assert result.returncode == 0, result.stderr
        return {p["id"]: p for p in json.loads(result.stdout)}

    # installed by hand: no signature, so it is not even imported until the site allows unsigned plugins
    strict = listed_plugins()["acme_broken"]
    assert strict["state"] == "invalid" and not strict["signed"] and "no valid signature" in strict["reasons"][0]
    (home / "station.toml").write_text(config.replace('"acme_broken"]', '"acme_broken"]\nallow_unsigned = true', 1))
    listed = listed_plugins()
    assert listed["acme_broken"]["state"] == "failed"
    assert listed["acme_broken"]["publisher"] == "ACME Pharmacy JSC"
    assert "licence server unreachable" in listed["acme_broken"]["reasons"][0]
    assert listed["healthcare"]["state"] == "active"


def test_safe_mode_skips_installed_plugins(installed_broken_plugin, monkeypatch, make_station):
    monkeypatch.syspath_prepend(str(installed_broken_plugin))
    app = make_station(plugins=["acme_broken"], safe_mode=True)
    record = app.extensions["station"].plugins.records["acme_broken"]
    assert record.state.value == "disabled"
    assert record.reasons == ["safe mode: only built-in plugins are loaded"]
