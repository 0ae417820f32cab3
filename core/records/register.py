"""The population register (Cơ sở dữ liệu quốc gia về dân cư) in the records check — simulated.

The station reaches the register through its identity connector (``[connectors.vneid]``);
with the simulator (the default) the register is simulated too and labelled so: seeded
records of the test citizens, some drifted from what their chip says, as real records do
(a birth date mis-copied from the paper household book, an address written with the ward's
name from before the 2025 merger). There is no real register API here, so with a real
VNeID connector the register answers nothing.

A correction is an adjustment request (Nghị định 70/2024/NĐ-CP, Điều 6: the citizen asks
through the national identification app or the public-service portal; the police check it
and adjust the register). It is therefore *pending* — never applied by the station — and
the page shows its reference instead of a second button, until the simulated police have
processed it (:data:`PROCESSING_SECONDS`); the citizen's next check then finds the field
matching and counts the correction resolved. The request carries the chip's
value to the register; the station keeps only whose (keyed hash), which field, and the
reference.
"""

from __future__ import annotations

import secrets
from typing import Any

from core.records.compare import CARD_FIELD
from core.records.models import RegisterRequest

SYSTEM = "population_register"
NAME = {"vi": "Cơ sở dữ liệu quốc gia về dân cư (mô phỏng)", "en": "National population database (simulated)"}
CORRECTABLE = ("full_name", "date_of_birth", "sex", "address")
LABELS = {"address": {"vi": "Nơi thường trú trong Cơ sở dữ liệu dân cư",
                      "en": "The permanent residence in the population database"}}

#: ID number → what the simulated register holds. Citizen 3's birth date was mis-copied from
#: the paper household book; citizen 5's address still names the ward and district from
#: before the 2025 merger. The others match their chip.
SEED_REGISTER: dict[str, dict[str, str]] = {
    "001085999001": {"full_name": "Nguyễn Văn An", "date_of_birth": "1985-03-14", "sex": "male",
                     "address": "Số 12 phố Mẫu, phường Thử Nghiệm, Hà Nội"},
    "079192999002": {"full_name": "Trần Thị Bích Ngọc", "date_of_birth": "1992-11-02", "sex": "female",
                     "address": "Số 34 phố Mẫu, phường Thử Nghiệm, TP Hồ Chí Minh"},
    "048203999003": {"full_name": "Lê Hoàng Minh", "date_of_birth": "2003-07-12", "sex": "male",
                     "address": "Số 56 phố Mẫu, phường Thử Nghiệm, Đà Nẵng"},
    "031304999004": {"full_name": "Phạm Thị Thu Hà", "date_of_birth": "2004-01-30", "sex": "female",
                     "address": "Số 78 phố Mẫu, phường Thử Nghiệm, Hải Phòng"},
    "040183999005": {"full_name": "Đặng Thị Lan", "date_of_birth": "1983-08-15", "sex": "female",
                     "address": "Số 90 phố Mẫu, xã Thử Nghiệm Cũ, huyện Mẫu Cũ, Nghệ An"},
    "038070999006": {"full_name": "Hoàng Văn Dũng", "date_of_birth": "1970-12-25", "sex": "male",
                     "address": "Số 3 phố Mẫu, phường Thử Nghiệm, Thanh Hoá"},
}


def simulated(station: Any) -> bool:
    """Whether the station's identity connector is the simulator (so is the register)."""
    return str((station.config.connectors.get("vneid") or {}).get("kind", "simulator")) == "simulator"


#: how long the simulated register's police take to process an adjustment request (the real
#: check takes days; ten minutes lets a demo show a correction resolved)
PROCESSING_SECONDS = 600


def register_rows(station: Any, identity: Any) -> list[dict[str, Any]]:
    """The register's record of the citizen in the ``citizen_records`` shape (empty without one).

    Requests older than :data:`PROCESSING_SECONDS` are processed first: the simulated register
    then holds the value the request carried — the chip's, which is the card value here."""
    held = SEED_REGISTER.get(identity.id_number) if simulated(station) else None
    if held is None:
        return []
    held = dict(held)
    key = station.citizens.id_hash(identity.id_number)
    now = station.clock()
    RegisterRequest.update(processed_at=now).where(
        (RegisterRequest.key_hash == key) & RegisterRequest.processed_at.is_null()
        & (RegisterRequest.at <= now - PROCESSING_SECONDS)).execute()
    pending = {}
    for request in RegisterRequest.select().where(RegisterRequest.key_hash == key):
        if request.processed_at is None:
            pending[request.field] = request.reference
        else:
            held[request.field] = str(getattr(identity, CARD_FIELD[request.field], "") or held[request.field])
    return [{"system": SYSTEM, "name": dict(NAME), "fields": held, "correctable": list(CORRECTABLE),
             "pending": pending, "labels": LABELS}]


def request_adjustment(station: Any, identity: Any, field: str, value: str, now: float) -> dict[str, Any]:
    """Send the adjustment request (the chip's ``value``) to the simulated register; pending."""
    if field not in CORRECTABLE or not value:
        raise ValueError(f"the register takes no adjustment of {field}")
    reference = "DC" + secrets.token_hex(5).upper()
    RegisterRequest.create(key_hash=station.citizens.id_hash(identity.id_number), field=field,
                           reference=reference, at=now)
    return {"reference": reference, "applied": False}
