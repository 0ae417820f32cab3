"""SIGKILL during transfers: no balance changes without its audit entry, and vice versa.

A worker (``banking_crash_worker.py``) runs transfers in a loop on a station database and is
killed with SIGKILL at random moments, several times, each time restarted on the same
station. Afterwards: every booking of a transfer has its ``banking.transfer`` ok entry (same
transfer, same amount) and every such entry its booking; every refused entry its refused row;
every balance equals its opening balance plus its bookings; money is conserved; the audit log
verifies. SIGKILL ends the process, not the machine: this checks transaction atomicity and
recovery, not the disk's durability on power loss.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sdk.testing import TemporaryPostgresDatabase, require_postgres

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
WORKER = HERE / "banking_crash_worker.py"
KILLS = 4


def _wait_for(report: Path, word: str, process: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if report.exists() and word in report.read_text().split():
            return
        if process.poll() is not None:
            raise AssertionError(f"worker exited early: {process.stderr.read().decode()[-2000:]}")
        time.sleep(0.02)
    raise AssertionError(f"worker never said {word!r}")


def run_campaign(home: Path, database_url: str | None, rng: random.Random, kills: int = KILLS) -> list[str]:
    """Kill the worker ``kills`` times; returns the keys whose transfer was begun."""
    begun: list[str] = []
    for round_number in range(kills):
        report = home / f"round-{round_number}.txt"
        command = [sys.executable, str(WORKER), "--home", str(home), "--round", str(round_number)]
        if database_url:
            command += ["--database", database_url]
        with report.open("w") as out:
            process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.PIPE,
                                       env=dict(os.environ, PYTHONPATH=str(ROOT)))
        try:
            _wait_for(report, "ready", process)
            time.sleep(rng.uniform(0.15, 0.5))
            assert process.poll() is None, process.stderr.read().decode()[-2000:]
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait()
            process.stderr.close()
        assert process.returncode == -signal.SIGKILL
        lines = report.read_text().splitlines()
        begun += [line.split()[1] for line in lines if line.startswith("begin ")]
    return begun


def check_books(home: Path, database_url: str | None) -> dict[str, int]:
    sys.path.insert(0, str(HERE))
    from banking_crash_worker import station

    from plugins.banking.models import REFUSED, SUCCEEDED, SimAccount, SimEntry, Transfer

    app = station(home, database_url)
    with app.app_context():
        log = app.extensions["station"].audit
        entries = [json.loads(leaf) for leaf in log.export()]
        transfer_entries = [e for e in entries if e["action"] == "banking.transfer"]
        ok = {e["object"]: e for e in transfer_entries if e["outcome"] == "ok"}
        refused = {e["object"]: e for e in transfer_entries if e["outcome"] == "refused"}
        rows = {f"transfer:{t.id}": t for t in Transfer.select()}
        out = {e.reference: e for e in SimEntry.select().where(SimEntry.kind == "transfer_out")}
        into = {e.reference: e for e in SimEntry.select().where(SimEntry.kind == "transfer_in")}

        # every transfer row is whole: final state and its own audit entry, never PENDING
        assert {t.state for t in rows.values()} <= {SUCCEEDED, REFUSED}
        assert set(ok) == {ref for ref, t in rows.items() if t.state == SUCCEEDED}
        assert set(refused) == {ref for ref, t in rows.items() if t.state == REFUSED}
        # every debit has its audit entry and every ok entry its debit, with the same amount
        by_key = {t.idempotency_key: ref for ref, t in rows.items()}
        assert {by_key[key] for key in out} == set(ok)
        for key, booking in out.items():
            entry = ok[by_key[key]]
            assert entry["details"]["amount"] == -booking.amount == rows[by_key[key]].amount_vnd
            assert rows[by_key[key]].audit_index == entry_index(entries, entry)
        # a credit only with its debit
        assert set(into) <= set(out)
        for key, credit in into.items():
            assert credit.amount == -out[key].amount
        # each balance is its opening balance plus its bookings
        for account in SimAccount.select():
            booked = sum(e.amount for e in SimEntry.select().where(SimEntry.account_number == account.number))
            assert account.balance == account.opening_balance + booked, account.number
        # money is conserved: what left the bank is what the balances lost
        external = sum(-e.amount for key, e in out.items() if key not in into)
        total = sum(a.balance for a in SimAccount.select())
        opening = sum(a.opening_balance for a in SimAccount.select()) + sum(
            e.amount for e in SimEntry.select().where(SimEntry.kind == "seed"))
        assert total == opening - external
        report = log.verify()
        assert report.ok, report.problem
        return {"succeeded": len(ok), "refused": len(refused), "entries": len(entries)}


def entry_index(entries: list[dict], entry: dict) -> int:
    """The log index of an entry (export is in index order, from 0)."""
    return entries.index(entry)


def test_sigkill_during_transfers_leaves_every_balance_change_with_its_audit_entry(tmp_path):
    home = tmp_path / "station"
    home.mkdir()
    begun = run_campaign(home, None, random.Random(2026))
    counts = check_books(home, None)
    assert counts["succeeded"] > 10 and counts["refused"] > 0
    assert len(begun) >= counts["succeeded"] + counts["refused"]


@pytest.mark.postgres
def test_sigkill_during_transfers_on_postgresql(tmp_path):
    database = TemporaryPostgresDatabase(require_postgres())
    try:
        home = tmp_path / "station"
        home.mkdir()
        run_campaign(home, database.url, random.Random(7), kills=3)
        counts = check_books(home, database.url)
        assert counts["succeeded"] > 0
    finally:
        from core import db

        if db.database.obj is not None:
            db.database.close()
        database.drop()
