"""The README's demo: `station init --demo` + `station run` serves six tiles and /healthz."""

import json
import os
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

from sdk.testing import wait_until

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except OSError:
        return 0, ""


def test_demo_station_serves_six_tiles_and_prints_its_url(tmp_path):
    home = tmp_path / "demo"
    env = dict(os.environ, STATION_HOME=str(home))
    subprocess.run([sys.executable, "-m", "core.cli", "init", "--demo"], env=env, check=True,
                   capture_output=True, cwd=ROOT, timeout=120)
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-u", "-m", "core.cli", "run", "--port", str(port)], env=env,
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        first_line = server.stdout.readline()
        assert f"serving at http://127.0.0.1:{port}/" in first_line
        assert wait_until(lambda: _get(f"http://127.0.0.1:{port}/healthz")[0] == 200, timeout=30)
        status, page = _get(f"http://127.0.0.1:{port}/")
        assert status == 200
        assert page.count('class="tile"') == 6
        for plugin in ("admin", "security", "healthcare", "traffic", "utilities", "banking"):
            assert f'data-plugin="{plugin}"' in page
        assert "mô phỏng" in page  # the kiosk says it is simulated
        health = json.loads(_get(f"http://127.0.0.1:{port}/healthz")[1])
        assert {p["state"] for p in health["plugins"].values()} == {"active"}
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_console_restart_brings_up_a_plugin_enabled_after_start(tmp_path):
    """A manager enables a plugin the running station did not load, restarts from the console,
    and the plugin's tile appears — the same process re-executed with the same command line."""
    import http.cookiejar
    import re
    from urllib.parse import urlencode

    home = tmp_path / "demo"
    env = dict(os.environ, STATION_HOME=str(home))
    subprocess.run([sys.executable, "-m", "core.cli", "init", "--demo"], env=env, check=True,
                   capture_output=True, cwd=ROOT, timeout=120)
    subprocess.run([sys.executable, "-m", "core.cli", "plugins", "disable", "banking"], env=env, check=True,
                   capture_output=True, cwd=ROOT, timeout=120)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "core.cli", "run", "--port", str(port)], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_until(lambda: _get(f"{base}/healthz")[0] == 200, timeout=30)
        assert 'data-plugin="banking"' not in _get(f"{base}/")[1]
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

        def token(path: str) -> str:
            page = opener.open(base + path, timeout=10).read().decode()
            return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)

        def post(path: str, data: dict) -> int:
            body = urlencode({**data, "csrf_token": token("/staff/login" if "login" in path else "/console/")}).encode()
            return opener.open(urllib.request.Request(base + path, data=body), timeout=20).status

        post("/staff/login", {"username": "manager", "password": "demo-manager-pass", "code": ""})
        post("/console/plugins/banking/enable", {})
        assert "restart" in opener.open(base + "/console/plugins/", timeout=10).read().decode().lower()
        post("/console/plugins/restart", {})
        assert wait_until(lambda: 'data-plugin="banking"' in _get(f"{base}/")[1], timeout=40)
        assert server.poll() is None  # the same process, re-executed
    finally:
        server.terminate()
        server.wait(timeout=30)
