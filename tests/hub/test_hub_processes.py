"""Two real hub processes on one database behind a round-robin "load balancer"; one is
killed with SIGKILL mid-stream: nothing the station was told was stored is lost, and the
station's outbox reaches the other process in order, each message once."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from urllib.parse import urlparse

import pytest

from core.fleet.client import HubClient, HubUnreachable, urllib_transport
from core.fleet.models import HubOutbox
from hub.db import StationMessage
from hub.service import create_enrolment_code

PUBLIC_URL = "http://hub.test"


@pytest.fixture
def station_clock():
    return time.time  # the hub processes use the real clock; signatures must be fresh


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_hub(config, port: int) -> subprocess.Popen:
    env = {**os.environ, "HUB_DATABASE_URL": config.database_url, "HUB_SECRETS": str(config.secrets_dir),
           "HUB_PUBLIC_URL": PUBLIC_URL}
    process = subprocess.Popen([sys.executable, "-m", "hub.cli", "run", "--port", str(port)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                if response.status == 200:
                    return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("the hub process did not start")


class RoundRobin:
    """Sends each request to the next live backend, as a load balancer would."""

    def __init__(self, ports: list[int]) -> None:
        self.ports, self.turn, self.lock = ports, 0, threading.Lock()

    def __call__(self, method, url, headers, body):
        with self.lock:
            self.turn += 1
            port = self.ports[self.turn % len(self.ports)]
        parsed = urlparse(url)
        return urllib_transport(method, f"http://127.0.0.1:{port}{parsed.path}", headers, body)


def test_two_processes_one_killed_mid_stream_lose_nothing_acknowledged(hub_config, station_factory):
    ports = [_free_port(), _free_port()]
    processes = [_start_hub(hub_config, port) for port in ports]
    try:
        app = station_factory(plugins=[])
        client = HubClient(app.extensions["station"], RoundRobin(ports))
        with app.app_context():
            client.enrol(PUBLIC_URL, create_enrolment_code(time.time()))
            for _ in range(4):  # both processes serve the same station
                client.enqueue_heartbeat()
                assert client.flush() == 1

            killer = threading.Timer(0.4, lambda: os.kill(processes[0].pid, signal.SIGKILL))
            killer.start()
            failures = 0
            deadline = time.time() + 1.5
            while time.time() < deadline:
                for _ in range(3):
                    client.enqueue("heartbeat", {"version": "test"})
                try:
                    client.flush()
                except HubUnreachable:
                    failures += 1
            killer.join()
            processes[0].wait(timeout=10)
            acknowledged = [r.message_id for r in HubOutbox.select().where(HubOutbox.sent_at.is_null(False))]
            stored = {r.message_id for r in StationMessage.select()}
            assert set(acknowledged) <= stored  # nothing the station was told "stored" is lost

            client.transport = RoundRobin([ports[1]])
            client.flush()
            assert client.pending() == 0
            queued = [r.message_id for r in HubOutbox.select().order_by(HubOutbox.id)]
        rows = [r.message_id for r in StationMessage.select().order_by(StationMessage.id)]
        assert sorted(rows) == sorted(queued) and len(rows) == len(set(rows))  # each once
        assert failures >= 1, "the kill should have interrupted at least one flush"
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
