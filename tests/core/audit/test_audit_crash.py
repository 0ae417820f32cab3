"""SIGKILL during a stream of audited actions: each action is whole or absent, the log verifies.

A worker process (``crash_worker.py``) writes payments, each a business row and its audit
entry in one transaction, and is killed with SIGKILL at random moments, then restarted on
the same database. Afterwards every payment must be either complete with exactly its entry
or absent with no entry, the entry indexes dense, and ``AuditLog.verify()`` clean.

SIGKILL ends the process, not the machine: this checks atomicity and recovery of the
transaction (the database's journal), not the disk's durability on power loss.
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from core.audit.store import AuditEntry, AuditHead
from core.db import database
from sdk.testing import TemporaryPostgresDatabase, require_postgres

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
WORKER = HERE / "crash_worker.py"
SQLITE_URL = "sqlite:///station.db"


def _load_worker():
    spec = importlib.util.spec_from_file_location("crash_worker", WORKER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


worker = _load_worker()


@dataclass
class Campaign:
    """What the killed workers reported, round after round."""

    home: Path
    database_url: str
    next_id: int = 1
    committed: dict[int, int] = field(default_factory=dict)  # payment id -> audit index
    refused: set[int] = field(default_factory=set)
    in_flight: set[int] = field(default_factory=set)  # begun, killed before commit was reported
    kills: int = 0

    def run_and_kill(self, delay: float, checkpoint_every: int = 1000) -> None:
        """Start a worker, let it write for ``delay`` seconds after ``ready``, SIGKILL it."""
        report = self.home / f"round-{self.kills}.txt"
        with report.open("w") as out:
            process = subprocess.Popen(
                [sys.executable, str(WORKER), "--home", str(self.home), "--database", self.database_url,
                 "--first-id", str(self.next_id), "--checkpoint-every", str(checkpoint_every)],
                cwd=ROOT, stdout=out, stderr=subprocess.PIPE, env=dict(os.environ, PYTHONPATH=str(ROOT)))
        try:
            _wait_for_line(report, "ready", process)
            time.sleep(delay)
            assert process.poll() is None, f"worker stopped by itself: {process.stderr.read().decode()}"
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait()
            process.stderr.close()
        assert process.returncode == -signal.SIGKILL
        self.kills += 1
        self._read_report(report)

    def _read_report(self, report: Path) -> None:
        begun = []
        for line in report.read_text().splitlines():
            word, *numbers = line.split()
            if word == "begin":
                begun.append(int(numbers[0]))
            elif word == "done":
                self.committed[int(numbers[0])] = int(numbers[1])
            elif word == "refused":
                self.refused.add(int(numbers[0]))
        finished = self.committed.keys() | self.refused
        self.in_flight |= {payment for payment in begun if payment not in finished}
        if begun:
            self.next_id = max(begun) + 1


def _wait_for_line(report: Path, line: str, process: subprocess.Popen, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if line in report.read_text().splitlines():
            return
        if process.poll() is not None:
            raise AssertionError(f"worker exited before {line!r}: {process.stderr.read().decode()}")
        time.sleep(0.005)
    raise AssertionError(f"worker did not print {line!r} within {timeout} s")


def assert_every_action_whole_or_absent(campaign: Campaign) -> None:
    """Reopen the database and check rows, entries, indexes and the whole log."""
    log = worker.open_audit_log(campaign.home, campaign.database_url)
    try:
        rows = {id_: (amount, index) for id_, amount, index in worker.CrashPayment.select(
            worker.CrashPayment.id, worker.CrashPayment.amount, worker.CrashPayment.audit_index).tuples()}
        entries = [(idx, json.loads(leaf)) for idx, leaf in
                   AuditEntry.select(AuditEntry.idx, AuditEntry.leaf).order_by(AuditEntry.idx).tuples()]
        head_size = AuditHead.get_by_id(1).size
        report = log.verify()
    finally:
        database.close()

    assert [idx for idx, _ in entries] == list(range(len(entries))), "audit indexes are not dense"
    assert head_size == len(entries)
    payments = {}
    for idx, entry in entries:
        assert entry["i"] == idx
        if entry["action"] == worker.ACTION:
            payment_id = int(entry["object"].removeprefix("crash_payment:"))
            assert payment_id not in payments, f"payment {payment_id} has two audit entries"
            payments[payment_id] = (entry["details"]["amount"], idx)
    assert not rows.keys() - payments.keys(), f"payments without an audit entry: {sorted(rows.keys() - payments.keys())}"
    assert not payments.keys() - rows.keys(), f"audit entries without a payment: {sorted(payments.keys() - rows.keys())}"
    assert payments == rows, "a payment row and its audit entry disagree on amount or index"
    assert all(index is not None for _, index in rows.values())
    for payment_id, index in campaign.committed.items():
        assert rows.get(payment_id) == (worker.amount_for(payment_id), index), \
            f"committed payment {payment_id} is missing or changed"
    assert not campaign.refused & rows.keys(), "a refused payment left its row and entry"
    assert rows.keys() <= campaign.committed.keys() | campaign.in_flight
    assert report.ok, report.problem
    assert report.size == len(entries)


def _campaign(home: Path, database_url: str, rng: random.Random, kills: int,
              checkpoint_every: tuple[int, ...] = (1000,)) -> Campaign:
    campaign = Campaign(home, database_url)
    for round_ in range(kills):
        campaign.run_and_kill(rng.uniform(0.0, 0.4), checkpoint_every[round_ % len(checkpoint_every)])
    assert len(campaign.committed) > 0, "no payment was committed before the kills"
    return campaign


def test_sigkill_during_audited_payments_leaves_each_whole_or_absent_and_the_log_verifies(tmp_path):
    campaign = _campaign(tmp_path, SQLITE_URL, random.Random(20260101), kills=8)
    assert_every_action_whole_or_absent(campaign)


def test_sigkill_while_checkpointing_every_entry_leaves_a_verifying_log(tmp_path):
    campaign = _campaign(tmp_path, SQLITE_URL, random.Random(7), kills=3, checkpoint_every=(1,))
    assert_every_action_whole_or_absent(campaign)


@pytest.mark.postgres
def test_sigkill_on_postgresql_leaves_each_payment_whole_or_absent(tmp_path):
    temp = TemporaryPostgresDatabase(require_postgres())
    try:
        campaign = _campaign(tmp_path, temp.url, random.Random(11), kills=3, checkpoint_every=(1000, 1))
        assert_every_action_whole_or_absent(campaign)
    finally:
        database.close()
        temp.drop()


def test_restarted_worker_continues_the_same_log_after_kills(tmp_path):
    campaign = _campaign(tmp_path, SQLITE_URL, random.Random(3), kills=2)
    finished = subprocess.run(
        [sys.executable, str(WORKER), "--home", str(tmp_path), "--database", SQLITE_URL,
         "--first-id", str(campaign.next_id), "--count", "15"],
        cwd=ROOT, capture_output=True, text=True, timeout=30, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert finished.returncode == 0, finished.stderr
    for line in finished.stdout.splitlines():
        word, *numbers = line.split()
        if word == "done":
            campaign.committed[int(numbers[0])] = int(numbers[1])
        elif word == "refused":
            campaign.refused.add(int(numbers[0]))
    assert len(campaign.committed) >= 14
    assert_every_action_whole_or_absent(campaign)


@pytest.mark.slow
def test_long_sigkill_campaign_keeps_every_payment_whole_or_absent(tmp_path, request):
    if "slow" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("long crash campaign; run with -m slow")
    rng = random.Random(int(os.environ.get("CRASH_SEED", "1")))
    campaign = _campaign(tmp_path, SQLITE_URL, rng, kills=60, checkpoint_every=(1000, 1, 7, 1000, 64))
    assert campaign.in_flight, "no kill landed inside a payment; the campaign proved little"
    assert_every_action_whole_or_absent(campaign)


def test_bench_audit_smoke_prints_the_four_figures(tmp_path):
    finished = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "audit.py"), "--entries", "2000", "--seconds", "1",
         "--dir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=60, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert finished.returncode == 0, finished.stderr
    lines = finished.stdout.splitlines()
    figures = json.loads(lines[-1])
    for name in ("audit_appends_per_s", "raw_commits_per_s", "append_ratio", "proof_ms_median",
                 "proof_ms_p99", "verify_s"):
        assert figures[name] > 0, name
    assert figures["entries"] == 2000
    text = finished.stdout
    for label in ("durable audit appends", "raw durable commits", "inclusion proof", "full verify"):
        assert label in text
