"""Shared fixtures for the HAL tests: fresh simulators, drivers on sim:// and on a pty."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import hal  # noqa: F401  (registers the sim:// URL handler)
from hal.drivers import driver_for
from hal.model import DeviceDescriptor
from hal.sim import control

REPO = Path(__file__).resolve().parents[2]

#: Per kind: fast simulator options (URL query) and driver options for the tests.
FAST = {
    "pulse_oximeter": ("search_s=0.05", {"stable_frames": 10, "finger_out_grace": 0.2,
                                         "measure_timeout": 2.0}),
    "blood_pressure": ("inflate_s=0.05", {"measure_timeout": 2.0, "answer_timeout": 0.3}),
    "scale": ("settle_s=0.15", {"measure_timeout": 2.0, "poll_interval": 0.02,
                                "answer_timeout": 0.3}),
    "height_rod": ("measure_s=0.05", {"measure_timeout": 1.0, "answer_timeout": 0.3}),
    "thermometer": ("measure_s=0.05", {"measure_timeout": 1.0, "answer_timeout": 0.3}),
    "qr_scanner": ("every=0.1", {"scan_timeout": 1.0}),
    "receipt_printer": ("", {"print_timeout": 1.0, "answer_timeout": 0.3}),
    "geiger_counter": ("", {"answer_timeout": 0.3}),
    "air_quality": ("interval_s=0.05", {"measure_timeout": 1.0, "answer_timeout": 0.3}),
}
MY_KINDS = sorted(FAST)


@pytest.fixture(autouse=True)
def fresh_simulators():
    """Every test starts with no live simulated devices."""
    control.forget_all()
    yield
    control.forget_all()


def sim_url(kind: str, profile: str = "ok", extra: str = "") -> str:
    """A fast sim:// URL for ``kind``."""
    query = "&".join(q for q in (f"profile={profile}", FAST[kind][0], extra) if q)
    return f"sim://{kind}?{query}"


def make_driver(kind: str, url: str | None = None, device_id: str | None = None, **options):
    """A driver for ``kind`` with the fast test options (not opened)."""
    descriptor = DeviceDescriptor(id=device_id or f"{kind}-1", kind=kind,
                                  url=url or sim_url(kind), options={**FAST[kind][1], **options})
    return driver_for(kind)(descriptor)


class PtySim:
    """A ``python -m hal.sim`` subprocess serving one simulator on a pseudo-terminal."""

    def __init__(self, kind: str, profile: str = "ok", options: list[str] | None = None,
                 link: Path | None = None) -> None:
        args = [sys.executable, "-m", "hal.sim", kind, "--profile", profile]
        for option in options or []:
            args += ["--option", option]
        if link is not None:
            args += ["--link", str(link)]
        self.process = subprocess.Popen(args, cwd=REPO, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True)
        self.path = self.process.stdout.readline().strip()
        if not self.path:
            self.process.kill()
            raise RuntimeError(f"simulator did not start: {self.process.stderr.read()}")

    def unplug(self) -> None:
        self.process.send_signal(signal.SIGUSR1)

    def replug(self) -> None:
        self.process.send_signal(signal.SIGUSR2)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for stream in (self.process.stdout, self.process.stderr):
            stream.close()


@pytest.fixture
def pty_sim():
    """Factory: ``pty_sim(kind, profile, options, link)`` -> running :class:`PtySim`."""
    started: list[PtySim] = []

    def start(kind: str, profile: str = "ok", options: list[str] | None = None,
              link: Path | None = None) -> PtySim:
        sim = PtySim(kind, profile, options, link)
        started.append(sim)
        return sim

    yield start
    for sim in started:
        sim.stop()


def pty_options(kind: str) -> list[str]:
    """The fast simulator options of ``kind`` as ``--option`` values."""
    query = FAST[kind][0]
    return [part for part in query.split("&") if part]


if not hasattr(os, "openpty"):  # pragma: no cover
    collect_ignore_glob = ["test_pty*.py"]
