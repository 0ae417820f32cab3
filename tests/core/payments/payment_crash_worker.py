"""Crash-test worker: pays in a loop through the real payment service until it is SIGKILLed.

Used by ``test_crash.py`` (not a test module). The card terminal is a simulated ZVT terminal
served over TCP by the *test* process, so its ledger — the bank's books — survives the kills.

    python payment_crash_worker.py --serve
        A fork server: imports everything once, then for each line
        ``run <home> <database url> <terminal url> <report file> <seed>`` on stdin forks a
        child that pays in a loop, prints ``pid <child pid>``, waits for the child and prints
        ``exit <child pid> <wait status>``. Forking from a warm process makes 50 kills cheap.

The child writes to the report file (flushed line by line): ``ready``, then per payment
``begin <id> <method>`` and ``end <id> <state>``.
"""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from cryptography.hazmat.primitives import serialization  # noqa: E402

from core import db  # noqa: E402
from core.audit.log import AuditLog  # noqa: E402
from core.audit.note import NoteSigner  # noqa: E402
from core.errors import StationError  # noqa: E402
from core.payments.bank_sim import BankSimulator  # noqa: E402
from core.payments.service import PaymentRequest, PaymentService  # noqa: E402
from core.privacy.keys import standalone_keys  # noqa: E402
from core.secrets import ensure_secrets, signing_key  # noqa: E402
from hal.inventory import Inventory  # noqa: E402

SITE_ID = "payments-crash-test"
_KEYS: list = []


def build_service(home: Path, database_url: str, terminal_url: str) -> PaymentService:
    """Open and migrate the database and build the payment service as the station would."""
    secrets_dir = home / "secrets"
    ensure_secrets(secrets_dir)
    database = db.open_database(database_url, home)
    db.bind_database(database)
    # no app here: payments seal descriptions with the payer's data key from these secrets
    _KEYS.append(standalone_keys(secrets_dir, time.time))  # kept: closing it would end the keys
    _KEYS[-1].__enter__()
    db.migrate(db.core_migrations())
    from core.identity.models import Citizen

    for payer in range(1, 6):  # the payers (their data keys seal the descriptions)
        Citizen.insert(id=payer, id_hash=f"payer-{payer}", created_at=time.time()).on_conflict_ignore().execute()
    seed = signing_key(secrets_dir).private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    audit = AuditLog(SITE_ID, NoteSigner.from_seed(f"citizen-station/{SITE_ID}", seed), time.time, 1000, 300)
    inventory = Inventory.from_entries([{"id": "terminal-1", "kind": "payment_terminal", "url": terminal_url,
                                         "options": {"ack_timeout": 0.5, "result_timeout": 2.0}}])
    terminal = inventory.driver("terminal-1")
    bank = BankSimulator({})
    return PaymentService(audit=audit, clock=time.time, site={"name_vi": "Trạm", "name_en": "Station",
                                                               "address": "-"},
                          terminal=lambda: terminal, printer=lambda: None, bank=lambda: bank)


def amount_for(n: int) -> int:
    return 10_000 + (n * 7919) % 5_000_000


def pay_in_a_loop(service: PaymentService, report, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    """Pay forever: mostly by card, sometimes by VietQR with the simulated bank."""
    def say(line: str) -> None:
        report.write(line + "\n")
        report.flush()

    say("ready")
    n = 0
    while True:
        n += 1
        request = PaymentRequest(payer_citizen_id=1 + n % 5, plugin="crash", purpose="crash.fee",
                                 reference=f"fee:{os.getpid()}:{n}", amount_vnd=amount_for(n),
                                 idempotency_key=f"crash-{os.getpid()}-{n}-{rng.randrange(10**9)}",
                                 description={"vi": "Phí", "en": "Fee"}, return_url="/")
        record = service.start(request, "citizen:1")
        method = "vietqr" if rng.random() < 0.2 else "card"
        say(f"begin {record.id} {method}")
        try:
            if method == "card":
                record = service.pay_by_card(record.id, "citizen:1")
            else:
                record = service.choose_vietqr(record.id, "citizen:1")
                transfer = service.bank().receive(record.qr_payload, service.clock)
                record = service.record_transfer(transfer, "bank", "notification")
        except StationError as exc:  # e.g. the terminal was not reachable: nothing was charged
            say(f"error {record.id} {type(exc).__name__}")
            continue
        say(f"end {record.id} {record.state}")


def child(home: str, database_url: str, terminal_url: str, report_path: str, seed: str) -> None:
    service = build_service(Path(home), database_url, terminal_url)
    with open(report_path, "w", encoding="utf-8") as report:
        pay_in_a_loop(service, report, random.Random(int(seed)))


def serve() -> None:
    for line in sys.stdin:
        words = line.split()
        if not words or words[0] != "run":
            continue
        pid = os.fork()
        if pid == 0:
            try:
                child(*words[1:6])
            except BaseException:
                import traceback

                traceback.print_exc()
            finally:
                os._exit(3)
        print(f"pid {pid}", flush=True)
        _, status = os.waitpid(pid, 0)
        print(f"exit {pid} {status}", flush=True)


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve"]:
        serve()
    else:
        raise SystemExit("usage: payment_crash_worker.py --serve")
