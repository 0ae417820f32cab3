"""Crash-test worker: a stream of audited payments, each in one transaction, until killed.

Run as a subprocess by ``tests/core/audit/test_audit_crash.py``, which kills it with SIGKILL at a
random moment, restarts it on the same database and checks that every payment is either
complete with its audit entry or absent with none. Not a test module (pytest does not
collect it).

    python tests/core/audit/crash_worker.py --home DIR --database URL --first-id N \
        [--checkpoint-every K] [--count M]

It writes one line per step to stdout and flushes it at once:

- ``ready`` when the database is open and migrated;
- ``begin <id>`` just before the transaction of payment ``<id>`` starts;
- ``done <id> <audit index>`` once that transaction has committed;
- ``refused <id>`` for a payment deliberately rolled back after its entry was written
  (every ``REFUSE_EVERY``-th id): neither its row nor its entry may remain.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import peewee

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from cryptography.hazmat.primitives import serialization

from core import db
from core.audit.log import AuditLog, transaction
from core.audit.note import NoteSigner
from core.secrets import ensure_secrets, signing_key

SITE_ID = "crash-test"
ACTION = "crash.payment"
PLUGIN = "crash_test"
REFUSE_EVERY = 10


class CrashPayment(db.BaseModel):
    """The business row of one audited payment, pointing at its audit entry."""

    id = peewee.BigIntegerField(primary_key=True)
    amount = peewee.BigIntegerField()
    audit_index = peewee.BigIntegerField(null=True)

    class Meta:
        table_name = "crash_payment"


class DeliberateRefusal(Exception):
    """Raised inside a payment's transaction to roll it back after its entry was written."""


def payment_ref(payment_id: int) -> str:
    """The audit ``object`` reference of a payment."""
    return f"crash_payment:{payment_id}"


def amount_for(payment_id: int) -> int:
    """A deterministic amount per payment, so the checker can compare row and entry."""
    return 1000 + (payment_id * 7919) % 100_000


def open_audit_log(home: Path, database_url: str, checkpoint_every: int = 1000,
                   checkpoint_seconds: int = 300) -> AuditLog:
    """Open and migrate the station database and build its audit log as ``core.app`` does."""
    secrets_dir = home / "secrets"
    ensure_secrets(secrets_dir)
    database = db.open_database(database_url, home)
    db.bind_database(database)
    db.migrate(db.core_migrations())
    database.create_tables([CrashPayment], safe=True)
    seed = signing_key(secrets_dir).private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    signer = NoteSigner.from_seed(f"citizen-station/{SITE_ID}", seed)
    return AuditLog(SITE_ID, signer, time.time, checkpoint_every, checkpoint_seconds)


def pay(log: AuditLog, payment_id: int, refuse: bool = False) -> int:
    """Write payment ``payment_id`` and its audit entry in one transaction; return the index.

    The business row is written before the entry and completed after it, so a crash at any
    point inside the transaction would leave a visible half-action if atomicity failed.
    """
    with transaction():
        CrashPayment.insert(id=payment_id, amount=amount_for(payment_id), audit_index=None).execute()
        receipt = log.record(ACTION, actor="system", plugin=PLUGIN, object_ref=payment_ref(payment_id),
                             details={"amount": amount_for(payment_id)})
        CrashPayment.update(audit_index=receipt.index).where(CrashPayment.id == payment_id).execute()
        if refuse:
            raise DeliberateRefusal(f"payment {payment_id} refused after its entry was written")
    return receipt.index


def run(log: AuditLog, first_id: int, count: int | None) -> None:
    """Pay ``count`` payments (forever when ``None``) from ``first_id``, reporting each step."""
    payment_id = first_id
    while count is None or payment_id < first_id + count:
        print(f"begin {payment_id}", flush=True)
        if payment_id % REFUSE_EVERY == 0:
            try:
                pay(log, payment_id, refuse=True)
            except DeliberateRefusal:
                print(f"refused {payment_id}", flush=True)
        else:
            index = pay(log, payment_id)
            print(f"done {payment_id} {index}", flush=True)
        payment_id += 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--home", type=Path, required=True, help="station folder (secrets, SQLite file)")
    parser.add_argument("--database", required=True, help="database URL, e.g. sqlite:///station.db")
    parser.add_argument("--first-id", type=int, required=True, help="id of the first payment to write")
    parser.add_argument("--checkpoint-every", type=int, default=1000)
    parser.add_argument("--count", type=int, default=None, help="stop after this many payments")
    args = parser.parse_args(argv)
    log = open_audit_log(args.home, args.database, args.checkpoint_every)
    print("ready", flush=True)
    run(log, args.first_id, args.count)
    db.database.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
