"""Mixed traffic against one station, on SQLite and on PostgreSQL, with PASS/FAIL per target.

A real ``station run`` (one waitress process, the site's thread count) on a demo site serves
closed-loop clients (keep-alive connections, each waiting for its answer before the next
request) driven from two load processes on the same machine:

- ``reads``  : anonymous pages (no cookie: a first visit, a crawler) and logged-in kiosk pages;
- ``writes`` : audited citizen actions (giving or withdrawing a consent: a ledger row and its
  audit entry in one durable transaction; an action that creates no record, so the abuse
  limits on reports do not refuse the load);
- ``mixed``  : 40 % anonymous pages, 40 % logged-in pages, 20 % audited actions.

Phases: ``reads`` and ``writes`` at 50 clients, ``mixed`` at 10, 50 and 100 clients, then a
burst of 200 connections opened at once (each sends a few requests). For each phase it
prints requests/s, p50/p99 latency, errors (refused or timed-out connections and any answer
other than 200/302/303), 5xx answers; and the server's RSS after warm-up and at the end.

Targets (issue 22): zero 5xx and zero errors at 100 clients, p99 < 1 s at 50 clients, RSS
growth < 10 MB after warm-up, and on SQLite the 50-client mixed figure at least 60 % of the
better of its reads-only and writes-only figures.

    .venv/bin/python bench/load.py [--db sqlite|postgres|both] [--seconds 8] [--json FILE] [--writes-only]

PostgreSQL runs use a throwaway database (``STATION_BENCH_POSTGRES``, default
``postgresql://postgres@127.0.0.1:5432/postgres`` as the admin URL), created and dropped here.
Only 127.0.0.1 is ever contacted; every loop is bounded in time.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DEFAULT_PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
CSRF = "bench-csrf-token"
ANONYMOUS_PAGES = ("/", "/s/security/")
CITIZEN_PAGES = ("/s/healthcare/", "/s/security/report/incident")
# An audited citizen action that creates no record (so no abuse limit applies): giving or
# withdrawing a consent — a ledger row and its audit entry in one durable transaction.
AUDITED_PATHS = ("/my-data/consents/healthcare/health/grant", "/my-data/consents/healthcare/health/withdraw")
OK_STATUSES = (200, 302, 303)
MIX = {"reads": (0.5, 1.0), "writes": (0.0, 0.0), "mixed": (0.4, 0.8)}  # cumulative: anonymous, citizen
CITIZENS = 100
REQUEST_TIMEOUT = 30.0


# -- the site -------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresScratch:
    """A throwaway database on the local server: created here, dropped (forced) at the end."""

    def __init__(self, admin_url: str) -> None:
        import psycopg2

        self.admin_url = admin_url
        self.name = f"station_bench_{secrets.token_hex(5)}"
        connection = psycopg2.connect(admin_url)
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{self.name}"')
        connection.close()
        self.url = f"{admin_url.rpartition('/')[0]}/{self.name}"

    def drop(self) -> None:
        import psycopg2

        connection = psycopg2.connect(self.admin_url)
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        connection.close()


def station_env(database_url: str | None) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("STATION_DATABASE_URL", None)
    if database_url:
        env["STATION_DATABASE__URL"] = database_url
    return env


def make_site(home: Path, env: dict[str, str]) -> None:
    """The demo site (every plugin, simulated devices and connectors), initialised as an operator would."""
    subprocess.run([PYTHON, "-m", "core.cli", "--home", str(home), "init", "--demo"], check=True,
                   capture_output=True, cwd=ROOT, env=env)


def citizen_cookies(home: Path, env: dict[str, str], count: int) -> list[str]:
    """``count`` citizens, each with a logged-in session (and the security plugin's consents)."""
    code = f"""
import hashlib, json, secrets, time
from core import db
from core.config import load_config
from core.identity.models import Citizen
from core.sessions import WebSession
config = load_config({str(home)!r})
db.bind_database(db.open_database(config.database_url, config.home))
now = time.time()
for _ in range({count}):
    citizen = Citizen.create(id_hash=secrets.token_hex(32), created_at=now)
    sid = secrets.token_urlsafe(32)
    data = {{"_user_id": f"c:{{citizen.id}}", "_fresh": True, "_assurance": "high", "_method": "bench",
            "_auth_at": now, "_step_up_at": now, "_csrf": {CSRF!r}}}
    WebSession.create(id_hash=hashlib.sha256(sid.encode()).hexdigest(), data=json.dumps(data),
                      created_at=now, last_seen_at=now + 86400)
    print(sid)
"""
    out = subprocess.run([PYTHON, "-c", code], check=True, capture_output=True, text=True, cwd=ROOT, env=env)
    return [f"station_session={sid}" for sid in out.stdout.split()]


def start_station(home: Path, env: dict[str, str], port: int) -> subprocess.Popen:
    log = open(home / "station.log", "ab")  # closed with the process
    process = subprocess.Popen([PYTHON, "-m", "core.cli", "--home", str(home), "run", "--port", str(port)],
                               cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the station exited with {process.returncode}; see {home / 'station.log'}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                if response.status == 200:
                    return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("the station did not become healthy within 60 s")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# -- the clients ----------------------------------------------------------------------------

@dataclass
class Tally:
    """What one load process saw."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    server_errors: int = 0
    statuses: dict[str, int] = field(default_factory=dict)


def _one_client(port: int, mix: str, cookies: list[str], index: int, deadline: float, requests_left: int | None,
                tally: Tally, lock: threading.Lock) -> None:
    rng = random.Random(index * 7919 + int(deadline))
    anonymous_cut, citizen_cut = MIX[mix]
    cookie = cookies[index % len(cookies)]
    body = urlencode({"csrf_token": CSRF}).encode()
    latencies: list[float] = []
    errors = server_errors = 0
    statuses: dict[str, int] = {}
    conn: http.client.HTTPConnection | None = None
    while time.monotonic() < deadline and (requests_left is None or requests_left > 0):
        if requests_left is not None:
            requests_left -= 1
        draw = rng.random()
        if draw < anonymous_cut:
            method, path, headers, payload = "GET", rng.choice(ANONYMOUS_PAGES), {}, None
        elif draw < citizen_cut:
            method, path, headers, payload = "GET", rng.choice(CITIZEN_PAGES), {"Cookie": cookie}, None
        else:
            method, path, payload = "POST", rng.choice(AUDITED_PATHS), body
            headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
        started = time.monotonic()
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
            conn.request(method, path, body=payload, headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException) as exc:
            status = type(exc).__name__
            if conn is not None:
                conn.close()
            conn = None
        latencies.append(time.monotonic() - started)
        statuses[str(status)] = statuses.get(str(status), 0) + 1
        if status not in OK_STATUSES:
            errors += 1
        if isinstance(status, int) and status >= 500:
            server_errors += 1
    if conn is not None:
        conn.close()
    with lock:
        tally.latencies.extend(latencies)
        tally.errors += errors
        tally.server_errors += server_errors
        for key, n in statuses.items():
            tally.statuses[key] = tally.statuses.get(key, 0) + n


def _load_process(port: int, mix: str, cookies: list[str], first: int, clients: int, start_at: float,
                  seconds: float, requests_each: int | None, out: multiprocessing.Queue) -> None:
    tally, lock = Tally(), threading.Lock()
    while time.time() < start_at:
        time.sleep(0.001)
    deadline = time.monotonic() + seconds
    threads = [threading.Thread(target=_one_client, args=(port, mix, cookies, first + i, deadline, requests_each,
                                                          tally, lock), daemon=True)
               for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out.put((tally.latencies, tally.errors, tally.server_errors, tally.statuses))


@dataclass
class PhaseResult:
    """One load phase's figures."""

    name: str
    clients: int
    rps: float
    p50: float
    p99: float
    worst: float
    requests: int
    errors: int
    server_errors: int
    statuses: dict[str, int]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run_phase(name: str, port: int, mix: str, cookies: list[str], clients: int, seconds: float,
              requests_each: int | None = None, processes: int = 2) -> PhaseResult:
    """``clients`` closed-loop clients split over ``processes`` load processes, all starting together."""
    queue: multiprocessing.Queue = multiprocessing.Queue()
    start_at = time.time() + 0.5
    share = [clients // processes + (1 if i < clients % processes else 0) for i in range(processes)]
    firsts = [sum(share[:i]) for i in range(processes)]
    workers = [multiprocessing.Process(target=_load_process, args=(port, mix, cookies, firsts[i], share[i],
                                                                   start_at, seconds, requests_each, queue))
               for i in range(processes)]
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=seconds + REQUEST_TIMEOUT + 60) for _ in workers]
    for worker in workers:
        worker.join()
    elapsed = time.time() - start_at
    latencies = [x for r in results for x in r[0]]
    statuses: dict[str, int] = {}
    for r in results:
        for key, n in r[3].items():
            statuses[key] = statuses.get(key, 0) + n
    ok = sum(n for key, n in statuses.items() if key in {str(code) for code in OK_STATUSES})
    duration = seconds if requests_each is None else max(elapsed, 1e-3)
    return PhaseResult(name, clients, ok / duration, percentile(latencies, 0.5), percentile(latencies, 0.99),
                       max(latencies, default=float("nan")), len(latencies), sum(r[1] for r in results),
                       sum(r[2] for r in results), statuses)


# -- one database ---------------------------------------------------------------------------

def bench_database(kind: str, seconds: float, admin_url: str, writes_only: bool = False) -> dict[str, object]:
    scratch = PostgresScratch(admin_url) if kind == "postgres" else None
    try:
        with tempfile.TemporaryDirectory(prefix="station-load-") as tmp:
            home = Path(tmp) / "site"
            env = station_env(scratch.url if scratch else None)
            make_site(home, env)
            cookies = citizen_cookies(home, env, CITIZENS)
            port = free_port()
            station = start_station(home, env, port)
            try:
                run_phase("warm-up", port, "mixed", cookies, 10, max(2.0, seconds / 2))
                rss_before = rss_mb(station.pid)
                phases = [run_phase("writes", port, "writes", cookies, n, seconds) for n in (10, 50, 100)] \
                    if writes_only else [run_phase("reads", port, "reads", cookies, 50, seconds),
                          run_phase("writes", port, "writes", cookies, 50, seconds),
                          run_phase("mixed", port, "mixed", cookies, 10, seconds),
                          run_phase("mixed", port, "mixed", cookies, 50, seconds),
                          run_phase("mixed", port, "mixed", cookies, 100, seconds),
                          run_phase("burst", port, "reads", cookies, 200, seconds * 2, requests_each=3,
                                    processes=4)]
                rss_after = rss_mb(station.pid)
                alive = station.poll() is None
            finally:
                station.terminate()
                try:
                    station.wait(30)
                except subprocess.TimeoutExpired:
                    station.kill()
                    station.wait()
    finally:
        if scratch is not None:
            scratch.drop()
    return {"db": kind, "phases": phases, "rss_before": rss_before, "rss_after": rss_after, "alive": alive}


def _judge_writes(by: dict, result: dict[str, object]) -> list[tuple[str, bool]]:
    """``--writes-only``: audited writes at 10, 50 and 100 clients, and how much 100 keeps of 10."""
    low, high = by[("writes", 10)], by[("writes", 100)]
    return [(f"writes@100 / writes@10 = {high.rps / low.rps if low.rps else 0:.2f}; 5xx = {high.server_errors}, "
             f"errors = {high.errors}", high.server_errors == 0 and high.errors == 0),
            ("station still running after the load", bool(result["alive"]))]


def judge(result: dict[str, object]) -> list[tuple[str, bool]]:
    """The issue's targets, each with PASS/FAIL."""
    phases: list[PhaseResult] = result["phases"]  # type: ignore[assignment]
    by = {(p.name, p.clients): p for p in phases}
    if ("mixed", 100) not in by:
        return _judge_writes(by, result)
    at100 = by[("mixed", 100)]
    at50 = by[("mixed", 50)]
    burst = by[("burst", 200)]
    growth = result["rss_after"] - result["rss_before"]  # type: ignore[operator]
    checks = [(f"mixed@100: 5xx = {at100.server_errors}, errors = {at100.errors} (target 0, 0)",
               at100.server_errors == 0 and at100.errors == 0),
              (f"mixed@50: p99 = {at50.p99 * 1000:.0f} ms (target < 1000 ms)", at50.p99 < 1.0),
              (f"burst of 200: 5xx = {burst.server_errors}, errors = {burst.errors} (target 0, 0)",
               burst.server_errors == 0 and burst.errors == 0),
              (f"RSS growth after warm-up = {growth:.1f} MB (target < 10 MB)", growth < 10),
              ("station still running after the load", bool(result["alive"]))]
    if result["db"] == "sqlite":
        best = max(by[("reads", 50)].rps, by[("writes", 50)].rps)
        ratio = at50.rps / best if best else 0.0
        checks.append((f"mixed@50 / best(reads@50, writes@50) = {ratio:.2f} (target >= 0.60)", ratio >= 0.6))
    return checks


def report(result: dict[str, object]) -> bool:
    print(f"\n== {result['db']} ==")
    print(f"{'phase':<8}{'clients':>8}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'requests':>10}"
          f"{'errors':>8}{'5xx':>6}  statuses")
    for p in result["phases"]:  # type: ignore[attr-defined]
        print(f"{p.name:<8}{p.clients:>8}{p.rps:>9.0f}{p.p50 * 1000:>9.0f}{p.p99 * 1000:>9.0f}{p.worst * 1000:>9.0f}"
              f"{p.requests:>10}{p.errors:>8}{p.server_errors:>6}  {json.dumps(p.statuses, sort_keys=True)}")
    print(f"RSS after warm-up {result['rss_before']:.1f} MB, at the end {result['rss_after']:.1f} MB")
    passed = True
    for text, ok in judge(result):
        print(f"  {'PASS' if ok else 'FAIL'}  {text}")
        passed = passed and ok
    return passed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each phase")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--writes-only", action="store_true",
                        help="only audited writes, at 10, 50 and 100 clients (the PostgreSQL audit-lock measurement)")
    args = parser.parse_args()
    admin_url = os.environ.get("STATION_BENCH_POSTGRES", DEFAULT_PG_ADMIN)
    kinds = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    results = [bench_database(kind, args.seconds, admin_url, args.writes_only) for kind in kinds]
    passed = all([report(r) for r in results])
    if args.json:
        args.json.write_text(json.dumps([{**r, "phases": [p.__dict__ for p in r["phases"]]} for r in results],
                                        indent=1))
    print("\nALL TARGETS PASS" if passed else "\nSOME TARGETS FAIL")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
