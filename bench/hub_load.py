"""Fleet hub load: N simulated stations against 2 hub processes on one PostgreSQL.

Each station sends a signed heartbeat every 30 s and a witnessed checkpoint (with its
consistency proof) every 60 s, spread evenly; N doubles while p99 < 500 ms and no request
fails. Prints, per N: requests/s, p50/p99 latency, errors and PostgreSQL commits/s, then
the largest N held.

    python -m bench.hub_load [--start 100] [--max 10000] [--seconds 20] [--workers 64]

Needs PostgreSQL at $STATION_TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test);
creates and drops its own database.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from core.audit.merkle import DictNodeStore, Frontier, consistency_proof, root_at
from core.audit.note import Checkpoint, NoteSigner, sign_checkpoint
from core.fleet.httpsig import sign_request
from hub.config import ensure_hub_secrets
from hub.db import hub_database, migrate_hub, open_hub_database
from hub.service import create_enrolment_code, enrol_station
from sdk.testing import TemporaryPostgresDatabase, postgres_admin_url

PUBLIC_URL = "http://hub.bench"


class SimStation:
    """One station: key, a growing audit tree, its outbox message counter."""

    def __init__(self, index: int) -> None:
        self.signer = NoteSigner(f"citizen-station/bench-{index:05d}", Ed25519PrivateKey.generate())
        self.store, self.frontier = DictNodeStore(), Frontier()
        self.station_id = ""
        self.witnessed = 0
        self.sent = 0
        self.lock = threading.Lock()

    def grow(self, count: int) -> None:
        for _ in range(count):
            self.store.put_many(self.frontier.append(hashlib.sha256(str(self.frontier.size).encode()).digest()))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _post(port: int, path: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # nosec B310 # fixed http://127.0.0.1
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def heartbeat(station: SimStation, port: int) -> int:
    with station.lock:
        station.sent += 1
        message_id = f"{station.station_id}-{station.sent:08d}"
    body = json.dumps({"messages": [{"id": message_id, "kind": "heartbeat", "created": time.time(),
                                     "body": {"version": "bench", "devices": {"printer": {"status": "ok"}}}}]}).encode()
    headers = sign_request("POST", PUBLIC_URL + "/api/v1/messages", body, station.signer.private_key,
                           station.station_id, int(time.time()))
    return _post(port, "/api/v1/messages", body, {**headers, "Content-Type": "application/json"})


def checkpoint(station: SimStation, port: int) -> int:
    with station.lock:
        station.grow(5)
        old, size = station.witnessed, station.frontier.size
        proof = consistency_proof(station.store, old, size) if 0 < old < size else []
        note = sign_checkpoint(Checkpoint(station.signer.name, size, root_at(station.store, size)), station.signer)
    body = ("\n".join([f"old {old}"] + [base64.b64encode(h).decode() for h in proof]) + "\n\n" + note).encode()
    status = _post(port, "/add-checkpoint", body, {"Content-Type": "text/plain"})
    if status == 200:
        with station.lock:
            station.witnessed = max(station.witnessed, size)
    return status


def _commits() -> int:
    row = hub_database.execute_sql("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")
    return int(row.fetchone()[0])


def run_level(stations: list[SimStation], ports: list[int], seconds: float, workers: int) -> dict:
    """Drive N stations for ``seconds``: heartbeat every 30 s, checkpoint every 60 s, spread evenly."""
    n = len(stations)
    rate = n / 30 + n / 60
    jobs = []
    for i in range(int(rate * seconds)):
        station = stations[i % n]
        jobs.append((i / rate, checkpoint if i % 3 == 2 else heartbeat, station, ports[i % len(ports)]))
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    start = time.perf_counter()
    commits_before = _commits()

    def do(job: tuple) -> None:
        nonlocal errors
        at, action, station, port = job
        delay = start + at - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        began = time.perf_counter()
        status = action(station, port)
        with lock:
            latencies.append(time.perf_counter() - began)
            if status not in (200, 409):
                errors += 1

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(do, jobs))
    elapsed = time.perf_counter() - start
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else 0.0  # noqa: E731
    return {"n": n, "requests": len(latencies), "rps": len(latencies) / elapsed, "p50_ms": pick(0.5),
            "p99_ms": pick(0.99), "errors": errors, "commits_per_s": (_commits() - commits_before) / elapsed}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", type=int, default=100)
    parser.add_argument("--max", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=64)
    args = parser.parse_args()

    temp = TemporaryPostgresDatabase(postgres_admin_url())
    secrets = Path(tempfile.mkdtemp(prefix="hub-bench-"))
    processes = []
    try:
        ensure_hub_secrets(secrets)
        open_hub_database(temp.url)
        migrate_hub()
        ports = [_free_port(), _free_port()]
        env = {**os.environ, "HUB_DATABASE_URL": temp.url, "HUB_SECRETS": str(secrets), "HUB_PUBLIC_URL": PUBLIC_URL}
        for port in ports:
            processes.append(subprocess.Popen([sys.executable, "-m", "hub.cli", "run", "--port", str(port),
                                               "--threads", "16"], env=env, stderr=subprocess.DEVNULL))
        time.sleep(3)
        stations: list[SimStation] = []
        held = 0
        n = args.start
        print(f"{'stations':>9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'PG commits/s':>13}")
        while n <= args.max:
            while len(stations) < n:
                station = SimStation(len(stations))
                now = time.time()
                station.station_id = enrol_station(create_enrolment_code(now), f"bench-{len(stations)}",
                                                   station.signer.verifier_key.encode(), now).id
                stations.append(station)
            result = run_level(stations, ports, args.seconds, args.workers)
            print(f"{result['n']:>9} {result['rps']:>8.1f} {result['p50_ms']:>8.1f} {result['p99_ms']:>8.1f} "
                  f"{result['errors']:>7} {result['commits_per_s']:>13.1f}", flush=True)
            if result["p99_ms"] >= 500 or result["errors"]:
                break
            held = n
            n *= 2
        print(f"largest N held (p99 < 500 ms, no errors): {held} stations (target 10,000)")
    finally:
        for process in processes:
            process.kill()
            process.wait()
        hub_database.close()
        temp.drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
