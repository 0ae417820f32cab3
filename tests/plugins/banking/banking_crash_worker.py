"""Crash-test worker: transfers in a loop on a station database, until killed.

Run by ``test_banking_crash.py``, which kills it with SIGKILL at random moments and restarts
it on the same station; afterwards every balance change must have its audit entry and vice
versa. Not a test module.

    python tests/plugins/banking/banking_crash_worker.py --home DIR --round N [--database URL]

Prints ``ready`` once the station is up, then ``begin <key>`` / ``done <key> <state>`` per
transfer (flushed at once). Mixes transfers inside the simulated bank (debit and credit),
to another bank, and refusals (amounts above the balance, unknown beneficiaries).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from core.app import create_app  # noqa: E402
from core.config import config_from_dict  # noqa: E402
from plugins.banking.connector import SimulatedCoreBanking  # noqa: E402
from plugins.banking.service import TransferDraft, execute_transfer  # noqa: E402

SIM_BIN = "970499"
# (citizen id, ID number, accounts) of seeded customers used by the worker
PAYERS = (
    (1, "001085999001", ("1010000001", "1010000011")),
    (2, "079192999002", ("1010000002",)),
    (3, "038070999006", ("1010000006",)),
)
INTERNAL = ("1010000001", "1010000011", "1010000002", "1010000006", "1010000003")


def station(home: Path, database_url: str | None):
    raw = {"site": {"id": "banking-crash", "name_vi": "Trạm thử", "name_en": "Crash test", "address": "-"},
           "devices": [], "plugin_settings": {}}
    if database_url:
        raw["database"] = {"url": database_url}
    config = config_from_dict(raw, home, str(home / "station.toml"))
    return create_app(config.with_overrides(enabled_plugins=("banking",)))


def draft_for(rng: random.Random, accounts: tuple[str, ...]) -> TransferDraft:
    source = rng.choice(accounts)
    roll = rng.random()
    if roll < 0.6:
        target = rng.choice([a for a in INTERNAL if a != source])
        return TransferDraft(source, SIM_BIN, "account", target, rng.randint(1, 900) * 1000, "Crash test")
    if roll < 0.8:
        return TransferDraft(source, "970436", "account", "0011004455667", rng.randint(1, 500) * 1000, "Ra ngoai")
    if roll < 0.9:
        return TransferDraft(source, SIM_BIN, "account", "1010000002" if source != "1010000002" else "1010000001",
                             900_000_000_000, "Qua so du")
    return TransferDraft(source, "970436", "account", "0000000000", 1000, "Khong co nguoi nhan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--round", type=int, required=True)
    parser.add_argument("--database", default=None)
    args = parser.parse_args(argv)
    app = station(args.home, args.database)
    rng = random.Random(args.round)
    with app.test_request_context("/s/banking/"):
        bank = SimulatedCoreBanking({})
        bank.ensure_seeded(time.time())
        cifs = {citizen: bank.find_customer(number) for citizen, number, _ in PAYERS}
        from core.identity.models import Citizen

        for citizen, _, _ in PAYERS:  # known citizens: their data keys seal the transfers
            Citizen.insert(id=citizen, id_hash=f"crash-payer-{citizen}", created_at=0.0).on_conflict_ignore().execute()
        print("ready", flush=True)
        n = 0
        while True:
            citizen, _, accounts = rng.choice(PAYERS)
            key = f"crash-{args.round}-{n}"
            print(f"begin {key}", flush=True)
            outcome = execute_transfer(bank, citizen_id=citizen, cif=cifs[citizen], key=key,
                                       draft=draft_for(rng, accounts), daily_limit=10**15, biometric=False,
                                       now=time.time())
            print(f"done {key} {outcome.transfer.state}", flush=True)
            n += 1


if __name__ == "__main__":
    sys.exit(main())
