"""EVN's customer record for the records check ("accurate-clean-live") — simulated.

EVN records the ID number of each contract holder, so it can answer for the identified
citizen: the holder's name and the address the electricity bill is sent to. The simulated
EVN keeps these in ``utilities_sim_evn_holder`` (a table of the simulated partner system,
like the simulated bank's KYC table; seeded once for the test citizens). Citizen 1's bill
still goes to his old address; the others match once abbreviations (``P.``, ``TP.``) and the
old tone-mark placement (``Thanh Hoá``) are set aside. The simulated EVN takes an address
update at once (a real one opens a customer-service request); the holder's name is not
correctable here (a change of contract holder is a procedure at the EVN office).
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

import peewee

from sdk import Model

SYSTEM = "evn_customer"
NAME = {"vi": "Điện lực EVN (hồ sơ khách hàng, mô phỏng)", "en": "EVN electricity (customer record, simulated)"}
CORRECTABLE = ("address",)
LABELS = {"address": {"vi": "Địa chỉ trên hoá đơn điện", "en": "The address on the electricity bill"},
          "full_name": {"vi": "Tên chủ hợp đồng trên hoá đơn điện",
                        "en": "The contract holder's name on the electricity bill"}}


class SimEvnHolder(Model):
    """The simulated EVN's contract holder: keyed by a hash of the ID number (invented people)."""

    key_hash = peewee.CharField(max_length=64, unique=True)
    customer_code = peewee.CharField(max_length=16)
    full_name = peewee.CharField(max_length=128)
    address = peewee.CharField(max_length=300)
    updated_at = peewee.DoubleField()

    class Meta:
        table_name = "utilities_sim_evn_holder"


#: (ID number, EVN customer code, holder name, bill address) as the simulated EVN has them
SEED_HOLDERS = (
    ("001085999001", "PD01000123456", "NGUYỄN VĂN AN", "Số 12 ngõ 34 phố Hàng Bạc, phường Hoàn Kiếm, Hà Nội"),
    ("079192999002", "PE04000234567", "TRẦN THỊ BÍCH NGỌC", "34 phố Mẫu, P. Thử Nghiệm, TP. Hồ Chí Minh"),
    ("038070999006", "PA12000345678", "HOÀNG VĂN DŨNG", "Số 3 phố Mẫu, phường Thử Nghiệm, Thanh Hoá"),
)


def holder_key(id_number: str) -> str:
    """How the simulated EVN indexes contract holders: a hash of the ID number (never the number)."""
    return hashlib.sha256(f"citizen-station/evn-sim/{id_number}".encode()).hexdigest()


def _seed(now: float) -> None:
    if SimEvnHolder.select().exists():
        return
    for id_number, code, name, address in SEED_HOLDERS:
        SimEvnHolder.insert(key_hash=holder_key(id_number), customer_code=code, full_name=name, address=address,
                            updated_at=now).on_conflict_ignore().execute()


def holder(id_number: str, now: float) -> SimEvnHolder | None:
    """The simulated EVN's contract holder with ``id_number`` (seeded on first use)."""
    _seed(now)
    return SimEvnHolder.get_or_none(SimEvnHolder.key_hash == holder_key(id_number))


def holder_of_code(code: str) -> SimEvnHolder | None:
    """The holder of customer ``code`` as EVN now has it (after any update), if seeded."""
    return SimEvnHolder.get_or_none(SimEvnHolder.customer_code == code)


def records_for(identity: Any, simulated: bool, now: float) -> list[dict[str, Any]]:
    """The ``citizen_records`` answer: EVN's record of the citizen (simulated EVN only)."""
    row = holder(identity.id_number, now) if simulated else None
    if row is None:
        return []
    return [{"system": SYSTEM, "name": dict(NAME), "labels": LABELS,
             "fields": {"full_name": row.full_name, "address": row.address}, "correctable": list(CORRECTABLE)}]


def update(id_number: str, field: str, value: str, now: float) -> dict[str, Any]:
    """Apply the update request (the simulated EVN takes it at once); ``{"reference", "applied"}``."""
    if field not in CORRECTABLE or not value:
        raise ValueError(f"EVN takes no update of {field} from the station")
    changed = (SimEvnHolder.update({SimEvnHolder.address: value[:300], SimEvnHolder.updated_at: now})
               .where(SimEvnHolder.key_hash == holder_key(id_number)).execute())
    return {"reference": "YC" + secrets.token_hex(4).upper(), "applied": bool(changed)}
