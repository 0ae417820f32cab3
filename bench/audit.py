"""Audit log: durable appends beside raw durable commits; proof and verify time at 1,000,000 entries.

Prints, in one run and on one disk (a temporary folder beside the repository, not tmpfs):

- durable audit appends/s: ``AuditLog.record``, one transaction per entry, SQLite in WAL
  mode with ``synchronous=FULL`` (the station's pragmas), with a no-op ``audit_event``
  observer as in a running station; beside raw durable single-row commits/s (plain
  ``sqlite3``: ``BEGIN IMMEDIATE; INSERT one row; COMMIT``, same pragmas, same folder),
  the two measured in alternating slices; and their ratio (target >= 0.5). No group commit:
  the station commits each entry with its business change, so it is not measured;
- inclusion-proof time at N entries (target < 5 ms): median and p99 of
  ``AuditLog.inclusion(index)`` for random indexes, each proof checked against the signed
  checkpoint;
- full verify time at N entries (target < 60 s): ``AuditLog.verify()``.

The N-entry log is bulk-loaded (entries, Merkle nodes, head and the signed checkpoints that
``AuditLog.record`` would have written with the default ``checkpoint_every``) in a few big
transactions, and the timed verify then confirms it is a valid log.

    .venv/bin/python bench/audit.py [--entries 1000000] [--seconds 5] [--proofs 200] [--dir PATH] [--profile]
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import json
import pstats
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core import db
from core.audit.canonical import canonical_json
from core.audit.log import ENTRY_VERSION, AuditLog
from core.audit.merkle import Frontier, leaf_hash, verify_inclusion
from core.audit.note import Checkpoint, NoteSigner, open_checkpoint, sign_checkpoint
from core.audit.store import AuditEntry, AuditHead

ROOT = Path(__file__).resolve().parent.parent
SITE_ID = "bench-01"
CHECKPOINT_EVERY = 1000
CHECKPOINT_SECONDS = 300
BULK_BATCH = 100_000
SLICES = 10  # alternate raw and audit measurements this many times each (the disk is noisy)

RAW_PRAGMAS = ("PRAGMA journal_mode=wal", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=1",
               "PRAGMA busy_timeout=10000")


# ---- the station's audit log on a fresh SQLite file -------------------------------------------


def open_station_log(path: Path) -> AuditLog:
    """Open, migrate and bind a station database at ``path``; return its audit log."""
    database = db.open_database(f"sqlite:///{path}")
    db.bind_database(database)
    db.migrate(db.core_migrations())
    signer = NoteSigner.from_seed(f"citizen-station/{SITE_ID}", bytes(range(32)))
    return AuditLog(SITE_ID, signer, time.time, CHECKPOINT_EVERY, CHECKPOINT_SECONDS,
                    observers=lambda event: None)


def entry_for(index: int, now: float, rng: random.Random) -> dict:
    """An entry shaped exactly as ``AuditLog.record`` writes it."""
    action = rng.choice(("payment.confirm", "login", "healthcare.measure", "logout", "consent.give"))
    return {"v": ENTRY_VERSION, "i": index, "site": SITE_ID,
            "time": datetime.fromtimestamp(now, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "actor": f"citizen:{rng.randrange(1, 50_000)}", "action": action, "plugin": action.split(".")[0],
            "object": f"payment:{index}", "outcome": "ok", "details": {"amount": rng.randrange(1000, 5_000_000)}}


# ---- 1. durable appends beside raw durable commits --------------------------------------------


def raw_commits(connection: sqlite3.Connection, seconds: float, payload: str) -> int:
    """Durable single-row commits done in ``seconds``."""
    done, deadline = 0, time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO raw_commit (payload) VALUES (?)", (payload,))
        connection.execute("COMMIT")
        done += 1
    return done


def audit_appends(log: AuditLog, seconds: float) -> int:
    """Durable audit appends (one transaction each) done in ``seconds``."""
    done, deadline = 0, time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        log.record("payment.confirm", actor="citizen:4711", plugin="payments", object_ref=f"payment:{done}",
                   details={"amount": 125_000})
        done += 1
    return done


def measure_appends(folder: Path, seconds: float) -> tuple[float, float]:
    """(audit appends/s, raw commits/s), measured in alternating slices on the same disk."""
    raw = sqlite3.connect(folder / "raw.db", isolation_level=None)
    for pragma in RAW_PRAGMAS:
        raw.execute(pragma)
    raw.execute("CREATE TABLE raw_commit (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)")
    log = open_station_log(folder / "appends.db")
    payload = canonical_json(entry_for(0, time.time(), random.Random(0))).decode()
    raw_commits(raw, 0.2, payload)  # warm-up
    audit_appends(log, 0.2)
    raw_count = audit_count = 0
    slice_seconds = seconds / SLICES
    for _ in range(SLICES):
        raw_count += raw_commits(raw, slice_seconds, payload)
        audit_count += audit_appends(log, slice_seconds)
    raw.close()
    db.database.close()
    return audit_count / (slice_seconds * SLICES), raw_count / (slice_seconds * SLICES)


# ---- 2. a log of N entries --------------------------------------------------------------------


def bulk_load(log: AuditLog, entries: int, start_time: float, rng: random.Random) -> None:
    """Write ``entries`` entries, their Merkle nodes, the head and the signed checkpoints.

    Produces what ``AuditLog.record`` would have (same entry shape, same checkpoint rule),
    one transaction per ``BULK_BATCH`` entries with raw ``executemany``.
    """
    database = db.database.obj
    frontier = Frontier()
    checkpoint_size, checkpoint_at = 0, 0.0
    for start in range(0, entries, BULK_BATCH):
        entry_rows, node_rows, checkpoint_rows = [], [], []
        for index in range(start, min(start + BULK_BATCH, entries)):
            now = start_time + index * 0.001
            leaf = canonical_json(entry_for(index, now, rng))
            hashed = leaf_hash(leaf)
            entry_rows.append((index, leaf.decode("utf-8"), hashed))
            node_rows.extend((key.level, key.index, hash_) for key, hash_ in frontier.append(hashed).items()
                             if key.level > 0)
            if index + 1 - checkpoint_size >= log.checkpoint_every or now - checkpoint_at >= log.checkpoint_seconds:
                root = frontier.root()
                note = sign_checkpoint(Checkpoint(log.origin, index + 1, root), log.signer)
                checkpoint_rows.append((index + 1, root, note, now))
                checkpoint_size, checkpoint_at = index + 1, now
        with database.atomic():
            cursor = database.cursor()
            cursor.executemany("INSERT INTO audit_entry (idx, leaf, leaf_hash) VALUES (?, ?, ?)", entry_rows)
            cursor.executemany("INSERT INTO audit_node (level, idx, hash) VALUES (?, ?, ?)", node_rows)
            cursor.executemany("INSERT INTO audit_checkpoint (size, root, note, created_at) VALUES (?, ?, ?, ?)",
                               checkpoint_rows)
            AuditHead.update(size=frontier.size, checkpoint_size=checkpoint_size,
                             checkpoint_at=checkpoint_at).where(AuditHead.id == 1).execute()


def time_proofs(log: AuditLog, entries: int, count: int, rng: random.Random) -> list[float]:
    """Seconds taken by ``log.inclusion`` for ``count`` random indexes; each proof is checked."""
    keys = [log.verifier_key()]
    roots: dict[str, bytes] = {}
    timings = []
    for index in (rng.randrange(entries) for _ in range(count)):
        started = time.perf_counter()
        proof = log.inclusion(index)
        timings.append(time.perf_counter() - started)
        if proof["checkpoint"] not in roots:
            roots[proof["checkpoint"]] = open_checkpoint(proof["checkpoint"], keys, origin=log.origin).root_hash
        hashed = leaf_hash(AuditEntry.get_by_id(index).leaf.encode("utf-8"))
        assert base64.b64decode(proof["leaf_hash"]) == hashed, f"proof {index} names another leaf"
        verify_inclusion(index, proof["tree_size"], hashed,
                         [base64.b64decode(h) for h in proof["inclusion_proof"]], roots[proof["checkpoint"]])
    return timings


def time_verify(log: AuditLog, entries: int) -> float:
    """Seconds taken by ``log.verify()``, which must find the bulk-loaded log valid."""
    started = time.perf_counter()
    report = log.verify()
    elapsed = time.perf_counter() - started
    assert report.ok, f"the bulk-loaded log does not verify: {report.problem}"
    assert report.size == entries and report.unsigned == 0, report
    return elapsed


def print_profile(title: str, run: Callable[[], object]) -> None:
    """Run ``run`` under cProfile and print its top functions to stderr (timings are taken apart)."""
    profiler = cProfile.Profile()
    profiler.runcall(run)
    print(f"\n==== profile: {title}", file=sys.stderr)
    pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(20)


# ---- report ----------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000, help="log size for proof and verify timing")
    parser.add_argument("--seconds", type=float, default=5.0, help="time spent measuring each of the two append rates")
    parser.add_argument("--proofs", type=int, default=200, help="inclusion proofs to time")
    parser.add_argument("--dir", type=Path, default=ROOT.parent,
                        help="folder for the temporary databases (default: beside the repository)")
    parser.add_argument("--profile", action="store_true", help="also profile proofs, verify and appends (to stderr, after the timed runs)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(dir=args.dir, prefix="citizen-station-bench-audit-") as tmp:
        folder = Path(tmp)
        appends_per_s, raw_per_s = measure_appends(folder, args.seconds)
        log = open_station_log(folder / "audit.db")
        started = time.perf_counter()
        bulk_load(log, args.entries, time.time() - args.entries * 0.001, rng)
        log.checkpoint()  # as on shutdown; a no-op when the last entry was checkpointed
        populate_s = time.perf_counter() - started
        proofs = time_proofs(log, args.entries, args.proofs, rng)
        verify_s = time_verify(log, args.entries)
        if args.profile:
            print_profile("200 inclusion proofs", lambda: time_proofs(log, args.entries, 200, rng))
            print_profile("full verify", log.verify)
            print_profile("1000 durable appends", lambda: [log.record("payment.confirm", actor="citizen:4711")
                                                           for _ in range(1000)])
        db.database.close()

    ratio = appends_per_s / raw_per_s
    median_ms = statistics.median(proofs) * 1000
    p99_ms = sorted(proofs)[min(len(proofs) - 1, round(0.99 * (len(proofs) - 1)))] * 1000
    print(f"disk                              : {folder.parent} (SQLite WAL, synchronous=FULL)")
    print(f"durable audit appends             : {appends_per_s:10.0f} /s   (AuditLog.record, one transaction each)")
    print(f"raw durable commits               : {raw_per_s:10.0f} /s   (sqlite3, BEGIN IMMEDIATE; INSERT; COMMIT)")
    print(f"ratio appends / raw commits       : {ratio:10.2f}      target >= 0.50  {verdict(ratio >= 0.5)}")
    print("group commit                      :        n/a      (not implemented: each entry commits with its action)")
    print(f"log size for proof and verify     : {args.entries:10d}      (bulk-loaded in {populate_s:.1f} s)")
    print(f"inclusion proof, median / p99     : {median_ms:6.2f} / {p99_ms:5.2f} ms  over {len(proofs)} random "
          f"indexes, target < 5 ms  {verdict(p99_ms < 5)}")
    print(f"full verify                       : {verify_s:10.1f} s    target < 60 s  {verdict(verify_s < 60)}")
    print(json.dumps({"entries": args.entries, "audit_appends_per_s": round(appends_per_s, 1),
                      "raw_commits_per_s": round(raw_per_s, 1), "append_ratio": round(ratio, 3),
                      "proof_ms_median": round(median_ms, 3), "proof_ms_p99": round(p99_ms, 3),
                      "verify_s": round(verify_s, 2), "populate_s": round(populate_s, 2),
                      "pass": {"append_ratio": ratio >= 0.5, "proof": p99_ms < 5, "verify": verify_s < 60}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
