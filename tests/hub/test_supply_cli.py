"""The supply chain from the command line, as an operator, a partner and a station manager type
it: station-hub tuf/publisher/rollout, station plugin keygen/sign, station plugins trust-root/
install/uninstall against a hub served over HTTP on 127.0.0.1 (exit 2 with a message on refusals)."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest
import waitress.server

from core.cli import main as station
from hub.app import create_app
from hub.cli import main as station_hub
from tests.hub.supply_kit import PUBLISHER_NAME, build_wheel

pytestmark = pytest.mark.postgres


@pytest.fixture
def served_hub(hub_config):
    server = waitress.server.create_server(create_app(hub_config), host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    thread.join(timeout=5)


def test_operator_partner_and_station_commands(hub_config, served_hub, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HUB_DATABASE_URL", hub_config.database_url)
    monkeypatch.setenv("HUB_SECRETS", str(hub_config.secrets_dir))
    offline = tmp_path / "offline"
    assert station_hub(["tuf", "init", "--offline-dir", str(offline)]) == 0
    assert "move" not in capsys.readouterr().err
    assert station(["plugin", "keygen", "--out", str(tmp_path / "partner.pem")]) == 0
    assert station_hub(["publisher", "add", "example-partner", "--name", PUBLISHER_NAME, "--key",
                        str(tmp_path / "partner.pub.json"), "--targets-key", str(offline / "targets.pem")]) == 0
    wheel = build_wheel(tmp_path / "dist", "2.0.1")
    metadata = tmp_path / "example-partner.json"
    assert station(["plugin", "sign", str(wheel), "--publisher", "example-partner", "--key",
                    str(tmp_path / "partner.pem"), "--out", str(metadata)]) == 0
    assert station_hub(["publisher", "upload", "example-partner", str(metadata), str(wheel)]) == 0
    capsys.readouterr()
    assert station_hub(["publisher", "upload", "example-partner", str(metadata), str(wheel)]) == 2
    assert "is not newer than the published" in capsys.readouterr().err
    assert station_hub(["tuf", "timestamp"]) == 0
    assert station_hub(["rollout", "start", "fx_example", "9.9.9", "--stages", "all"]) == 2
    assert "not published" in capsys.readouterr().err

    home = tmp_path / "site"
    assert station(["--home", str(home), "init", "--site-id", "hn-supply-01"]) == 0
    toml = (home / "station.toml").read_text()
    (home / "station.toml").write_text(toml.replace("allowed_publishers = []", 'allowed_publishers = '
                                                    f'["example-partner"]\nrepository = "{served_hub}"'))
    capsys.readouterr()
    assert station(["--home", str(home), "plugins", "install", "fx_example"]) == 2
    assert "trusts no plugin repository yet" in capsys.readouterr().err
    assert station(["--home", str(home), "plugins", "trust-root", str(offline / "1.root.json")]) == 0
    def run(*args: str) -> subprocess.CompletedProcess:  # a station command is a process of its own
        return subprocess.run([sys.executable, "-m", "core.cli", "--home", str(home), "plugins", *args],
                              capture_output=True, text=True, timeout=300)

    done = run("install", "fx_example==2.0.1")
    assert done.returncode == 0, done.stderr
    assert "fx_example 2.0.1 (install, signed by example-partner)" in done.stdout
    again = run("install", "fx_example")
    assert again.returncode == 2 and "already installed" in again.stderr
    assert run("install", "fx_example==").returncode == 2
    listed = run("list", "--json")
    assert '"signature": "signed by example-partner"' in listed.stdout
    assert run("uninstall", "fx_example").returncode == 0
    assert not (home / "plugins" / "fx_example").exists()
