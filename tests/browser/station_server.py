"""A demo station served by waitress on 127.0.0.1 for real-browser tests and screenshots.

Everything is simulated: devices (fast simulator settings, unique instances), connectors,
cards (the test CSCA is trusted, as in ``station init --demo``) and VNeID. ``seed_usage``
writes a month of synthetic audit activity so the console's usage page has something to
draw; it is only ever used on throwaway stations.
"""

from __future__ import annotations

import random
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
FIXTURE_PLUGINS = ROOT / "tests" / "fixtures" / "plugins"
KIOSK_PLUGINS = ("admin", "security", "healthcare", "traffic", "utilities", "banking")
STAFF_USER, STAFF_PASSWORD = "ui-manager", "ui-manager-password-2026"

FAST_DEVICES = (
    ("oximeter-1", "pulse_oximeter", "search_s=0.05", {"stable_frames": 10, "finger_out_grace": 0.2,
                                                        "measure_timeout": 3.0}),
    ("bp-1", "blood_pressure", "inflate_s=0.05", {"measure_timeout": 3.0, "answer_timeout": 0.3}),
    ("thermometer-1", "thermometer", "measure_s=0.05", {"measure_timeout": 2.0, "answer_timeout": 0.3}),
    ("scale-1", "scale", "settle_s=0.15", {"measure_timeout": 3.0, "poll_interval": 0.02, "answer_timeout": 0.3}),
    ("height-1", "height_rod", "measure_s=0.05", {"measure_timeout": 2.0, "answer_timeout": 0.3}),
    ("card-1", "card_reader", "", {}),
    ("qr-1", "qr_scanner", "every=0.1", {"scan_timeout": 1.0}),
    ("printer-1", "receipt_printer", "", {"print_timeout": 1.0, "answer_timeout": 0.3}),
    # a paper e-prescription of the first test citizen lies on the glass (its QR code is read)
    ("scanner-1", "document_scanner", "scan_s=0.05&qr=01013AB12CD3-c", {"scan_timeout": 2.0, "answer_timeout": 0.5}),
    ("terminal-1", "payment_terminal", "", {}),
    ("geiger-1", "geiger_counter", "cpm=21", {"answer_timeout": 0.3}),
    ("camera-1", "camera", "capture_s=0.05", {"answer_timeout": 0.5, "capture_timeout": 1.0}),
    ("air-1", "air_quality", "interval_s=0.05&pm25=62&pm10=80", {"measure_timeout": 1.0, "answer_timeout": 0.3}),
)


class MovableClock:
    """Real time, shifted by ``offset`` seconds (seeding writes history "in the past")."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        import time

        return time.time() + self.offset


@dataclass
class RunningStation:
    """A station being served: its app, base URL, device URLs and how to stop it."""

    app: Any
    url: str
    clock: MovableClock
    device_urls: dict[str, str]
    stop: Callable[[], None]


def station_config(home: Path, idle_seconds: int = 120, extra_plugin_paths: bool = True) -> Any:
    """The demo site's configuration with fast simulators (unique instances)."""
    from core.config import config_from_dict

    instance = secrets.token_hex(4)
    devices = []
    for device_id, kind, query, options in FAST_DEVICES:
        url = f"sim://{kind}?profile=ok&instance=ui-{instance}" + (f"&{query}" if query else "")
        devices.append({"id": device_id, "kind": kind, "url": url, "make": "Simulated", "options": options})
    raw = {
        "site": {"id": "demo-hoan-kiem-01", "name_vi": "Trạm Công dân số phường Hoàn Kiếm (mô phỏng)",
                 "name_en": "Hoan Kiem Ward Digital Citizen Station (simulated)",
                 "address": "Số 1 phố Mô Phỏng, phường Hoàn Kiếm, Hà Nội (địa chỉ mô phỏng)"},
        "plugins": {"enabled": list(KIOSK_PLUGINS),
                    "paths": [str(FIXTURE_PLUGINS)] if extra_plugin_paths else []},
        "sessions": {"idle_seconds": idle_seconds},
        "roles": {"manager": ["*"]},
        "devices": devices,
        "connectors": {name: {"kind": "simulator"} for name in
                       ("vneid", "prescriptions", "traffic_police", "evn", "bank")},
    }
    (home / "station.toml").write_text("# written by tests/browser/station_server.py\n", encoding="utf-8")
    config = config_from_dict(raw, home, str(home / "station.toml"))
    # plugin paths in the file are relative to home; ours are absolute
    return config.with_overrides(plugin_paths=(FIXTURE_PLUGINS,) if extra_plugin_paths else (),
                                 allow_unsigned=bool(extra_plugin_paths))


def trust_test_csca(home: Path) -> None:
    """Trust the TEST CSCA that signs the simulated cards (as ``station init --demo`` does)."""
    from cryptography.hazmat.primitives import serialization

    from hal.testpki import generate_test_pki

    folder = home / "trust" / "csca"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "TEST-ONLY-simulated-csca.pem").write_bytes(
        generate_test_pki().csca_certificate.public_bytes(serialization.Encoding.PEM))


def start_station(home: Path, idle_seconds: int = 120, seed: bool = False) -> RunningStation:
    """Create, seed and serve a station on a free port of 127.0.0.1 (waitress, in a thread)."""
    import waitress

    from core.app import create_app
    from core.secrets import ensure_secrets

    home.mkdir(parents=True, exist_ok=True)
    config = station_config(home, idle_seconds)
    ensure_secrets(config.secrets_dir)
    trust_test_csca(home)
    clock = MovableClock()
    app = create_app(config, clock=clock)
    with app.app_context():
        station = app.extensions["station"]
        station.staff.add(STAFF_USER, STAFF_PASSWORD, ["manager"], "UI test manager")
        if seed:
            seed_usage(app, clock)
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=8, ident="citizen-station-test")
    thread = threading.Thread(target=server.run, name="waitress", daemon=True)
    thread.start()

    def stop() -> None:
        server.close()
        thread.join(timeout=5)
        station.plugins.shutdown(station.info_for)
        station.devices.stop()

    return RunningStation(app=app, url=f"http://127.0.0.1:{server.effective_port}", clock=clock,
                          device_urls={d["id"]: d["url"] for d in config.devices}, stop=stop)


def seed_usage(app: Any, clock: MovableClock, days: int = 30, rng: random.Random | None = None) -> int:
    """Write ``days`` days of synthetic, plausible kiosk activity into the audit log.

    Logins (card or VNeID), plugin transactions, health screenings, payments by method and
    session ends, with more visitors on weekdays. Returns the number of entries written.
    """
    from core.audit.log import transaction

    rng = rng or random.Random(20260601)
    audit = app.extensions["station"].audit
    plugin_actions = {"admin": ("admin.application_submit", 5), "security": ("security.report_submit", 2),
                      "healthcare": ("healthcare.rx_order", 4), "traffic": ("traffic.fine_lookup", 4),
                      "utilities": ("utilities.bill_lookup", 6), "banking": ("banking.transfer", 3)}
    now = datetime.now(UTC)
    with transaction():  # one durable commit for the whole history (entries are savepoints)
        written = _seed_days(audit, clock, days, rng, plugin_actions, now)
    clock.offset = 0.0
    with transaction():
        audit.checkpoint()
    return written


def _seed_days(audit: Any, clock: MovableClock, days: int, rng: random.Random,
               plugin_actions: dict[str, tuple[str, int]], now: datetime) -> int:
    from core.audit.log import transaction

    written = 0
    citizen = 1000
    for back in range(days - 1, -1, -1):
        day = (now - timedelta(days=back)).replace(hour=1, minute=0, second=0, microsecond=0)
        visitors = rng.randint(14, 26) if day.weekday() < 5 else rng.randint(5, 12)
        moment = day
        for _ in range(visitors):
            moment += timedelta(minutes=rng.randint(5, 35))
            if moment > now - timedelta(minutes=5):
                break
            citizen += 1
            actor = f"citizen:{citizen}"
            entries: list[tuple[str, str, str, dict[str, Any]]] = [
                (rng.choice(("login.card", "login.card", "login.vneid")), "core", "ok", {"assurance": "high"})]
            for plugin in rng.sample(sorted(plugin_actions), k=rng.choice((1, 1, 2))):
                action, _weight = plugin_actions[plugin]
                entries.append((action, plugin, "ok", {}))
                if plugin == "healthcare" and rng.random() < 0.7:
                    entries.append(("healthcare.screening_done", "healthcare", "ok", {"measured": 3}))
                if plugin in ("healthcare", "utilities", "traffic") and rng.random() < 0.6:
                    amount = rng.choice((45_000, 120_000, 250_000, 386_000, 540_000, 1_250_000))
                    entries.append(("payments.succeeded", "core", "ok",
                                    {"method": rng.choice(("vietqr", "vietqr", "card")), "amount_vnd": amount,
                                     "via": "seed"}))
            length = rng.randint(45, 900)
            entries.append(("session.end", "core", "ok", {"seconds": length,
                                                          "reason": rng.choice(("finish", "finish", "idle"))}))
            step = length / len(entries)
            for position, (action, plugin, outcome, details) in enumerate(entries):
                clock.offset = (moment + timedelta(seconds=step * position)).timestamp() - datetime.now(UTC).timestamp()
                with transaction():
                    audit.record(action, actor=actor, plugin=plugin, object_ref=f"seed:{written}",
                                 outcome=outcome, details=details)
                written += 1
    return written
