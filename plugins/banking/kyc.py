"""The bank's customer record (KYC) for the records check ("accurate-clean-live").

:class:`CoreBanking` connectors may offer the KYC record of a customer and take an update
request with the chip card's value; the simulated bank keeps both in ``banking_sim_kyc``
(seeded for the test citizens, two of them with a difference from their card, as real
records drift: an old address, a name without its middle part).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import peewee

from sdk import Model

SYSTEM = "bank_kyc"
CORRECTABLE = ("full_name", "address")


class SimKyc(Model):
    """The simulated bank's KYC record of a customer (invented people, see SEED_KYC)."""

    key_hash = peewee.CharField(max_length=64, unique=True)
    full_name = peewee.CharField(max_length=128)
    date_of_birth = peewee.CharField(max_length=10)
    address = peewee.CharField(max_length=300)
    updated_at = peewee.DoubleField()

    class Meta:
        table_name = "banking_sim_kyc"


@dataclass(frozen=True)
class KycRecord:
    """What the bank holds about its customer."""

    full_name: str
    date_of_birth: str
    address: str


#: (ID number, name, date of birth, address) as the simulated bank recorded them. Citizen 2's
#: address is the one before she moved; citizen 3's name lacks a middle part.
SEED_KYC = (
    ("001085999001", "Nguyễn Văn An", "1985-03-14", "Số 12 phố Mẫu, phường Thử Nghiệm, Hà Nội"),
    ("079192999002", "Trần Thị Bích Ngọc", "1992-11-02", "Số 8 đường Cũ, phường Thử Nghiệm, TP Hồ Chí Minh"),
    ("048203999003", "Lê Minh", "2003-07-21", "Số 56 phố Mẫu, P. Thử Nghiệm, Đà Nẵng"),
    ("031304999004", "Phạm Thị Thu Hà", "2004-01-30", "Số 78 phố Mẫu, phường Thử Nghiệm, Hải Phòng"),
    ("038070999006", "Hoàng Văn Dũng", "1970-12-25", "Số 3 phố Mẫu, phường Thử Nghiệm, Thanh Hóa"),
)


def seed_kyc(key: Any, now: float) -> None:
    """Create the seeded KYC records once (``key``: the bank's customer key function)."""
    if SimKyc.select().exists():
        return
    for id_number, name, born, address in SEED_KYC:
        SimKyc.insert(key_hash=key(id_number), full_name=name, date_of_birth=born, address=address,
                      updated_at=now).on_conflict_ignore().execute()


def kyc_record(key: Any, id_number: str) -> KycRecord | None:
    """The simulated bank's KYC record of the person with ``id_number``."""
    row = SimKyc.get_or_none(SimKyc.key_hash == key(id_number))
    return None if row is None else KycRecord(row.full_name, row.date_of_birth, row.address)


def update_kyc(key: Any, id_number: str, field: str, value: str, now: float) -> str:
    """Apply an update request (the simulated bank takes it at once); returns its reference."""
    if field not in CORRECTABLE:
        raise ValueError(f"the bank does not take updates of {field}")
    (SimKyc.update({getattr(SimKyc, field): value[:300], SimKyc.updated_at: now})
     .where(SimKyc.key_hash == key(id_number)).execute())
    return "KYC" + secrets.token_hex(4).upper()


def records_for(identity: Any, bank: Any) -> list[dict[str, Any]]:
    """The ``citizen_records`` answer: the bank's KYC record, when the connector has one."""
    record = bank.kyc_record(identity.id_number) if hasattr(bank, "kyc_record") else None
    if record is None:
        return []
    label = bank.bank_label
    return [{"system": SYSTEM,
             "name": {"vi": f"{label['vi']} (hồ sơ khách hàng)", "en": f"{label['en']} (customer record)"},
             "fields": {"full_name": record.full_name, "date_of_birth": record.date_of_birth,
                        "address": record.address},
             "correctable": list(CORRECTABLE) if hasattr(bank, "request_kyc_update") else []}]
