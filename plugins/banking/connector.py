"""The core-banking connector: what the station asks of the partner bank, and its simulator.

The contract (``CoreBanking``) is what a partner bank implements against its own systems;
every money-moving call carries the station's order reference (the transfer's idempotency
key) and must be idempotent on the bank's side: the same reference never moves money twice.

``SimulatedCoreBanking`` is the embedded simulator, labelled as such wherever its data is
shown. It keeps its books in the station database (``banking_sim_*``), so in a demo a
simulated debit and the station's audit entry commit in one transaction. Seeded customers:
the six test citizens of the station's simulators (see docs/plugins/banking.md).
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import peewee

from sdk import transaction
from sdk.banks import bank_name
from sdk.connectors import Simulator

from .models import SIM_TABLES, SimAccount, SimCustomer, SimEntry, SimOrder

SIMULATED_BIN = "970499"
"""The simulated bank's BIN: deliberately not a real bank's, so its QR codes cannot pay anyone."""


class BankRefusal(Exception):
    """The bank refused an order; ``code`` is stable (insufficient_funds, beneficiary_not_found,
    account_not_found)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Account:
    number: str
    product: str
    balance: int
    currency: str = "VND"


@dataclass(frozen=True)
class Booking:
    at: float
    amount: int
    balance_after: int
    description: str
    counterparty: str


@dataclass(frozen=True)
class Statement:
    account: str
    start: float
    end: float
    opening_balance: int
    closing_balance: int
    bookings: list[Booking]


@dataclass(frozen=True)
class Beneficiary:
    bin: str
    number: str
    kind: str
    name: str  # as NAPAS returns it: capitals, no diacritics


@dataclass(frozen=True)
class TransferOrder:
    reference: str  # the station's idempotency key
    cif: str
    from_account: str
    to_bin: str
    to_kind: str
    to_number: str
    amount: int
    description: str


@dataclass(frozen=True)
class TransferResult:
    bank_ref: str
    balance_after: int


class CoreBanking:
    """The interface a partner bank's connector implements (see docs/plugins/banking.md)."""

    simulated = False
    label = {"vi": "", "en": ""}
    bin = ""
    bank_label = {"vi": "", "en": ""}

    def find_customer(self, id_number: str) -> str | None:
        """The customer number (CIF) of the person with this ID number, or None."""
        raise NotImplementedError

    def accounts(self, cif: str) -> list[Account]:
        raise NotImplementedError

    def recent(self, cif: str, account: str, limit: int = 10) -> list[Booking]:
        """The newest bookings of one of the customer's accounts, newest first."""
        raise NotImplementedError

    def statement(self, cif: str, account: str, start: float, end: float) -> Statement:
        raise NotImplementedError

    def lookup_beneficiary(self, bin: str, number: str, kind: str) -> Beneficiary | None:
        """NAPAS name lookup of an account or card at a bank; None when there is none."""
        raise NotImplementedError

    def transfer(self, order: TransferOrder, now: float) -> TransferResult:
        """Execute ``order`` once (idempotent by ``order.reference``); :class:`BankRefusal`."""
        raise NotImplementedError

    def open_account(self, id_number: str, full_name: str, now: float) -> tuple[str, Account]:
        """Open a payment account (creating the customer if new): ``(cif, account)``."""
        raise NotImplementedError


# -- the simulator ---------------------------------------------------------------------------

_DAY = 86400.0


def holder_name(full_name: str) -> str:
    """``Nguyễn Văn An`` → ``NGUYEN VAN AN`` (how NAPAS shows account holders)."""
    text = full_name.replace("đ", "d").replace("Đ", "D")
    text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    return " ".join(text.upper().split())


def customer_key(id_number: str) -> str:
    """How the simulated bank indexes customers: a hash of the ID number (never the number)."""
    return hashlib.sha256(f"citizen-station/banking-sim/{id_number}".encode()).hexdigest()


@dataclass(frozen=True)
class _SeedAccount:
    number: str
    product: str
    balance: int


@dataclass(frozen=True)
class _SeedCustomer:
    id_number: str
    full_name: str
    cif: str
    accounts: tuple[_SeedAccount, ...]


# The station's test citizens (hal.sim.citizens.TEST_CITIZENS; invented people and numbers).
SEED_CUSTOMERS = (
    _SeedCustomer("001085999001", "Nguyễn Văn An", "CIF0000001", (
        _SeedAccount("1010000001", "payment", 85_500_000),
        _SeedAccount("1010000011", "payment", 12_000_000))),
    _SeedCustomer("079192999002", "Trần Thị Bích Ngọc", "CIF0000002", (
        _SeedAccount("1010000002", "payment", 23_750_000),)),
    _SeedCustomer("048203999003", "Lê Hoàng Minh", "CIF0000003", (
        _SeedAccount("1010000003", "payment", 1_200_000),)),
    _SeedCustomer("031304999004", "Phạm Thị Thu Hà", "CIF0000004", (
        _SeedAccount("1010000004", "payment", 5_400_000),)),
    _SeedCustomer("038070999006", "Hoàng Văn Dũng", "CIF0000006", (
        _SeedAccount("1010000006", "payment", 250_000_000),)),
)

# Accounts and cards at other banks that the simulated NAPAS directory knows.
OTHER_BANK_DIRECTORY = {
    ("970436", "0011004455667"): "NGUYEN THI MAI",
    ("970418", "12010000123456"): "CONG TY TNHH DIEN NUOC MAU",
    ("970407", "19033334444555"): "LE THI HOA",
    ("970422", "0801234567890"): "PHAM VAN TUAN",
    ("970418", "9704180000000018"): "TRAN VAN BINH",
}

# (days before seeding, amount, description, counterparty) — every seeded account gets these,
# scaled by its position so the histories differ.
_SEED_HISTORY = (
    (27, 15_000_000, "Luong thang", "CONG TY TNHH MAU · Vietcombank"),
    (21, -1_250_000, "Tien dien thang truoc", "EVN HA NOI · BIDV"),
    (18, -350_000, "Nap tien dien thoai", "VIETTEL · MB"),
    (12, -2_000_000, "Chuyen tien cho me", "NGUYEN THI MAI · Vietcombank"),
    (7, -480_000, "Mua thuoc", "NHA THUOC MAU · ACB"),
    (3, 500_000, "Hoan tien", "LE THI HOA · Techcombank"),
    (1, -95_000, "Phi dich vu SMS", ""),
)


class SimulatedCoreBanking(Simulator, CoreBanking):
    """A small core-banking system in the station database (see the module docstring)."""

    label = {"vi": "Ngân hàng mô phỏng — số dư và giao dịch không có thật",
             "en": "Simulated bank — balances and transactions are not real"}
    bank_label = {"vi": "Ngân hàng Mô phỏng", "en": "Simulated Bank"}

    def __init__(self, settings) -> None:  # type: ignore[no-untyped-def]
        super().__init__(settings)
        self.bin = str(self.settings.get("bin", SIMULATED_BIN))
        self._tables_ready = False

    # -- customer record (KYC) -------------------------------------------------------------

    def kyc_record(self, id_number: str) -> Any:
        """The KYC record of the customer with ``id_number`` (plugins/banking/kyc.py), or None."""
        from .kyc import kyc_record

        return kyc_record(customer_key, id_number)

    def request_kyc_update(self, id_number: str, field: str, value: str, now: float) -> tuple[str, bool]:
        """Take the chip card's ``value`` for ``field``; (reference, applied at once)."""
        from .kyc import update_kyc

        return update_kyc(customer_key, id_number, field, value, now), True

    # -- seeding ---------------------------------------------------------------------------

    def ensure_seeded(self, now: float) -> None:
        """Create the simulator's tables and its seeded customers and histories once (safe under
        concurrency). Its tables exist only where it runs: no migration creates them."""
        from .kyc import SimKyc, seed_kyc

        if not self._tables_ready:
            for table in (*SIM_TABLES, SimKyc):
                table.create_table(safe=True)
            self._tables_ready = True
        seed_kyc(customer_key, now)
        if SimCustomer.select().where(SimCustomer.cif == SEED_CUSTOMERS[0].cif).exists():
            return
        try:
            with transaction():
                for position, seed in enumerate(SEED_CUSTOMERS):
                    SimCustomer.create(cif=seed.cif, key_hash=customer_key(seed.id_number),
                                       holder_name=holder_name(seed.full_name), created_at=now - 400 * _DAY)
                    for number, account in enumerate(seed.accounts):
                        self._seed_account(account, seed.cif, now, position + number)
        except peewee.IntegrityError:
            return  # seeded by a concurrent request

    @staticmethod
    def _seed_account(seed: _SeedAccount, cif: str, now: float, position: int) -> None:
        scale = 1 + (position % 3)
        history = [(days, amount * scale if amount > 0 else amount, text, party)
                   for days, amount, text, party in _SEED_HISTORY]
        opening = seed.balance - sum(amount for _, amount, _, _ in history)
        SimAccount.create(number=seed.number, cif=cif, product=seed.product, opening_balance=opening,
                          balance=seed.balance, opened_at=now - 400 * _DAY)
        balance = opening
        for days, amount, text, party in history:
            balance += amount
            SimEntry.create(account_number=seed.number, amount=amount, balance_after=balance,
                            at=now - days * _DAY - position * 3600, kind="seed", description=text,
                            counterparty=party)

    # -- reads -------------------------------------------------------------------------------

    def find_customer(self, id_number: str) -> str | None:
        row = SimCustomer.get_or_none(SimCustomer.key_hash == customer_key(id_number))
        return row.cif if row else None

    def accounts(self, cif: str) -> list[Account]:
        return [Account(a.number, a.product, a.balance)
                for a in SimAccount.select().where(SimAccount.cif == cif).order_by(SimAccount.number)]

    def _own_account(self, cif: str, number: str) -> SimAccount:
        account = SimAccount.get_or_none((SimAccount.number == number) & (SimAccount.cif == cif))
        if account is None:
            raise BankRefusal("account_not_found")
        return account

    def recent(self, cif: str, account: str, limit: int = 10) -> list[Booking]:
        self._own_account(cif, account)
        rows = (SimEntry.select().where(SimEntry.account_number == account)
                .order_by(SimEntry.at.desc(), SimEntry.id.desc()).limit(limit))
        return [_booking(row) for row in rows]

    def statement(self, cif: str, account: str, start: float, end: float) -> Statement:
        row = self._own_account(cif, account)
        before = (SimEntry.select(peewee.fn.COALESCE(peewee.fn.SUM(SimEntry.amount), 0))
                  .where((SimEntry.account_number == account) & (SimEntry.at < start)).scalar())
        rows = (SimEntry.select().where((SimEntry.account_number == account) & (SimEntry.at >= start)
                                        & (SimEntry.at < end)).order_by(SimEntry.at, SimEntry.id))
        bookings = [_booking(r) for r in rows]
        opening = row.opening_balance + int(before)
        return Statement(account, start, end, opening, opening + sum(b.amount for b in bookings), bookings)

    def lookup_beneficiary(self, bin: str, number: str, kind: str) -> Beneficiary | None:
        if bin == self.bin and kind == "account":
            account = SimAccount.get_or_none(SimAccount.number == number)
            if account is None:
                return None
            customer = SimCustomer.get(SimCustomer.cif == account.cif)
            return Beneficiary(bin, number, kind, customer.holder_name)
        name = OTHER_BANK_DIRECTORY.get((bin, number))
        return Beneficiary(bin, number, kind, name) if name else None

    # -- money -------------------------------------------------------------------------------

    def transfer(self, order: TransferOrder, now: float) -> TransferResult:
        done = SimOrder.get_or_none(SimOrder.reference == order.reference)
        if done is not None:
            return TransferResult(done.bank_ref, done.balance_after)
        beneficiary = self.lookup_beneficiary(order.to_bin, order.to_number, order.to_kind)
        if beneficiary is None:
            raise BankRefusal("beneficiary_not_found")
        payer = self._own_account(order.cif, order.from_account)
        internal = order.to_bin == self.bin
        _lock_accounts([payer.number] + ([order.to_number] if internal else []))
        debited = (SimAccount.update(balance=SimAccount.balance - order.amount)
                   .where((SimAccount.number == payer.number) & (SimAccount.balance >= order.amount))
                   .execute())
        if debited != 1:
            raise BankRefusal("insufficient_funds")
        balance_after = SimAccount.get(SimAccount.number == payer.number).balance
        bank_ref = "FT" + hashlib.sha256(order.reference.encode()).hexdigest()[:14].upper()
        payer_name = SimCustomer.get(SimCustomer.cif == order.cif).holder_name
        to_bank = bank_name(order.to_bin) or self.bank_label["en"]
        SimEntry.create(account_number=payer.number, amount=-order.amount, balance_after=balance_after, at=now,
                        kind="transfer_out", description=order.description[:140],
                        counterparty=f"{beneficiary.name} · {to_bank} ****{order.to_number[-4:]}",
                        reference=order.reference)
        if internal:
            SimAccount.update(balance=SimAccount.balance + order.amount).where(
                SimAccount.number == order.to_number).execute()
            credited = SimAccount.get(SimAccount.number == order.to_number).balance
            SimEntry.create(account_number=order.to_number, amount=order.amount, balance_after=credited, at=now,
                            kind="transfer_in", description=order.description[:140],
                            counterparty=f"{payer_name} ****{payer.number[-4:]}", reference=order.reference)
        SimOrder.create(reference=order.reference, bank_ref=bank_ref, amount=order.amount,
                        balance_after=balance_after)
        return TransferResult(bank_ref, balance_after)

    def open_account(self, id_number: str, full_name: str, now: float) -> tuple[str, Account]:
        key = customer_key(id_number)
        customer = SimCustomer.get_or_none(SimCustomer.key_hash == key)
        if customer is None:
            count = SimCustomer.select().count()
            customer = SimCustomer.create(cif=f"CIF{9000000 + count + 1:07d}", key_hash=key,
                                          holder_name=holder_name(full_name), created_at=now)
        number = f"{2020000000 + SimAccount.select().count() + 1}"
        SimAccount.create(number=number, cif=customer.cif, product="payment", opening_balance=0, balance=0,
                          opened_at=now)
        return customer.cif, Account(number, "payment", 0)


def _lock_accounts(numbers: list[str]) -> None:
    """Lock the rows in one order (PostgreSQL) so two crossing transfers cannot deadlock.

    On SQLite the station's write transaction already holds the database lock.
    """
    database = SimAccount._meta.database
    if getattr(database, "for_update", False):
        list(SimAccount.select(SimAccount.id).where(SimAccount.number.in_(sorted(set(numbers))))
             .order_by(SimAccount.number).for_update())


def _booking(row: SimEntry) -> Booking:
    return Booking(row.at, row.amount, row.balance_after, row.description, row.counterparty)


def day_bounds(day_start: datetime) -> tuple[float, float]:
    """Epoch seconds of a day's start and the next day's start."""
    return day_start.timestamp(), (day_start + timedelta(days=1)).timestamp()


def now_utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)
