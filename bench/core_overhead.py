"""Core overhead: the demo station against a bare Flask app, same server, same load.

Prints requests/s of a bare Flask "hello" and of a station plugin page that needs a
logged-in citizen and a permission (server-side session lookup, user load, permission and
assurance checks, template render), both under waitress with the same thread count and
driven by the same load generator for the same time; then the ratios (targets: plugin page
≥ 0.65, full kiosk page ≥ 0.4 of bare Flask), the station's cold start (process start →
first 200 from /healthz; target < 0.7 s) and its peak RSS with every built-in plugin enabled
(target < 80 MB). Where the time goes: docs/performance.md.

    .venv/bin/python bench/core_overhead.py [--seconds 10] [--threads 8]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.loadgen import drive  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(port: int, started: float, timeout: float = 30.0) -> float:
    """Seconds from ``started`` until /healthz answers 200."""
    while time.monotonic() - started < timeout:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                if response.status == 200:
                    return time.monotonic() - started
        except OSError:
            time.sleep(0.01)
    raise RuntimeError(f"server on port {port} did not become healthy")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


PROBE_MANIFEST = """id = "bench_probe"
version = "1.0.0"
publisher = "Citizen Station bench"
category = "other"
sdk = ">=1.0,<2"
min_assurance = "basic"
[name]
vi = "Đo hiệu năng"
en = "Bench probe"
[[permissions]]
id = "bench_probe.use"
default_roles = ["citizen"]
[permissions.description]
vi = "Đo"
en = "Probe"
"""
PROBE_CODE = '''"""A plugin page with nothing but the core around it: login, permission, session."""
from flask import Blueprint
from sdk import current_citizen, hookimpl, requires

bp = Blueprint("bench_probe", __name__)


@bp.route("/")
@requires("bench_probe.use")
def index():
    return f"ok {current_citizen().id}"


@hookimpl
def register_routes(registrar):
    registrar.add_blueprint(bp)
'''


def make_site(home: Path, threads: int) -> None:
    """The demo site, plus a local plugin whose page is only the core's work (login, permission)."""
    subprocess.run([PYTHON, "-m", "core.cli", "--home", str(home), "init", "--demo"], check=True,
                   capture_output=True, cwd=ROOT)
    probe = home / "local-plugins" / "bench_probe"
    probe.mkdir(parents=True)
    (probe / "manifest.toml").write_text(PROBE_MANIFEST)
    (probe / "__init__.py").write_text(PROBE_CODE)
    text = (home / "station.toml").read_text().replace("threads = 8", f"threads = {threads}")
    text = text.replace('"banking"]\nsafe_mode', '"banking", "bench_probe"]\npaths = ["local-plugins"]\nallow_unsigned = true\nsafe_mode')
    (home / "station.toml").write_text(text)


def citizen_cookie(home: Path) -> str:
    """Create a citizen and a logged-in server-side session row; return the Cookie header."""
    code = f"""
import hashlib, json, secrets, time
from core import db
from core.config import load_config
from core.identity.models import Citizen
from core.sessions import WebSession
config = load_config({str(home)!r})
db.bind_database(db.open_database(config.database_url, config.home))
citizen = Citizen.create(id_hash=secrets.token_hex(32), created_at=time.time())
sid = secrets.token_urlsafe(32)
now = time.time()
data = {{"_user_id": f"c:{{citizen.id}}", "_fresh": True, "_assurance": "high", "_method": "bench",
        "_auth_at": now, "_step_up_at": now, "_csrf": "bench-csrf-token"}}
WebSession.create(id_hash=hashlib.sha256(sid.encode()).hexdigest(), data=json.dumps(data),
                  created_at=now, last_seen_at=now + 86400)
print(sid)
"""
    sid = subprocess.run([PYTHON, "-c", code], check=True, capture_output=True, text=True, cwd=ROOT).stdout.strip()
    return f"station_session={sid}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "site"
        make_site(home, args.threads)

        port = free_port()
        baseline = subprocess.Popen([PYTHON, "-m", "waitress", f"--threads={args.threads}", f"--port={port}",
                                     "--host=127.0.0.1", "bench._hello_app:app"], cwd=ROOT, env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_healthy(port, time.monotonic())
            drive(port, "/", 1.0)  # warm-up
            results["flask_rps"], errors = drive(port, "/", args.seconds)
            assert errors == 0, f"baseline had {errors} errors"
        finally:
            baseline.terminate()
            baseline.wait()

        port = free_port()
        started = time.monotonic()
        station = subprocess.Popen([PYTHON, "-m", "core.cli", "--home", str(home), "run", "--port", str(port)],
                                   cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            results["cold_start_s"] = wait_healthy(port, started)
            cookie = citizen_cookie(home)
            probe = urllib.request.Request(f"http://127.0.0.1:{port}/s/healthcare/", headers={"Cookie": cookie})
            with urllib.request.urlopen(probe) as response:
                assert response.status == 200, "the bench citizen cannot open the plugin page"
            drive(port, "/s/bench_probe/", 1.0, cookie)
            results["station_rps"], errors = drive(port, "/s/bench_probe/", args.seconds, cookie)
            assert errors == 0, f"station had {errors} errors"
            results["kiosk_page_rps"], errors = drive(port, "/s/healthcare/", args.seconds, cookie)
            assert errors == 0, f"station kiosk page had {errors} errors"
            body = urlencode({"category": "theft", "description": "Mất xe đạp trước cửa nhà (bench)",
                              "agree": "yes", "csrf_token": "bench-csrf-token"}).encode()
            results["audited_rps"], errors = drive(port, "/s/security/report/incident", args.seconds, cookie,
                                                   body=body)
            assert errors == 0, f"audited action had {errors} errors"
            results["peak_rss_mb"] = peak_rss_mb(station.pid)
        finally:
            station.terminate()
            station.wait()

    ratio = results["station_rps"] / results["flask_rps"]
    kiosk_ratio = results["kiosk_page_rps"] / results["flask_rps"]
    print(f"bare Flask hello           : {results['flask_rps']:8.0f} req/s")
    print(f"station plugin page        : {results['station_rps']:8.0f} req/s  "
          "(logged-in citizen, permission + assurance check, server-side session)")
    print(f"full kiosk page            : {results['kiosk_page_rps']:8.0f} req/s  (healthcare hub: the kiosk layout, "
          "translations, plugin queries)")
    print(f"ratio station / bare Flask : {ratio:8.2f}   target >= 0.65  {'PASS' if ratio >= 0.65 else 'FAIL'}")
    print(f"ratio kiosk page / Flask   : {kiosk_ratio:8.2f}   target >= 0.40  {'PASS' if kiosk_ratio >= 0.4 else 'FAIL'}")
    print(f"audited citizen action     : {results['audited_rps']:8.0f} req/s  (POST a police report: permission, "
          f"consent, encrypted row + audit entry in one durable transaction; ratio "
          f"{results['audited_rps'] / results['flask_rps']:.2f})")
    print(f"cold start to /healthz 200 : {results['cold_start_s']:8.2f} s   target < 0.7 s "
          f"{'PASS' if results['cold_start_s'] < 0.7 else 'FAIL'}")
    print(f"station peak RSS           : {results['peak_rss_mb']:8.1f} MB  target < 80 MB "
          f"{'PASS' if results['peak_rss_mb'] < 80 else 'FAIL'}")
    print(json.dumps({**results, "ratio": ratio, "kiosk_ratio": kiosk_ratio}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
