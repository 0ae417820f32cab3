"""The health insurance (BHYT) record for the records check ("accurate-clean-live") — simulated.

Vietnam Social Security (BHXH) holds each insured person's name, date of birth, sex and
address as printed on the BHYT card. The simulated BHXH keeps them in
``healthcare_sim_bhxh_insured`` (a table of the simulated partner system, seeded once for the
test citizens): citizen 4's birth day was mis-keyed, citizen 5 is recorded as male,
citizen 6's address still names the ward from before the 2025 merger. A correction is a
request to BHXH to adjust the card (the real one needs the social insurance office's
check), so it stays *pending*: ``healthcare_sim_bhxh_request`` keeps whose (a hash),
which field and the reference — the chip's value went to BHXH — and the page shows the
reference instead of a second button, until the simulated BHXH processes it
(:data:`PROCESSING_SECONDS`) and the card holds the chip's value.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

import peewee

from sdk import Model, now

SYSTEM = "bhyt_insured"
#: how long the simulated BHXH takes to process an adjustment request (days in real life; ten
#: minutes lets a demo show a correction resolved)
PROCESSING_SECONDS = 600
#: which card field a BHXH field takes its value from
CARD_FIELD = {"full_name": "full_name", "date_of_birth": "date_of_birth", "sex": "sex", "address": "residence"}
NAME = {"vi": "Bảo hiểm xã hội — thẻ BHYT (mô phỏng)", "en": "Social security — health insurance card (simulated)"}
CORRECTABLE = ("full_name", "date_of_birth", "sex", "address")
LABELS = {"full_name": {"vi": "Họ tên trên thẻ BHYT", "en": "The name on the health insurance card"},
          "date_of_birth": {"vi": "Ngày sinh trên thẻ BHYT", "en": "The date of birth on the health insurance card"},
          "sex": {"vi": "Giới tính trên thẻ BHYT", "en": "The sex on the health insurance card"},
          "address": {"vi": "Địa chỉ trên thẻ BHYT", "en": "The address on the health insurance card"}}


class SimInsured(Model):
    """The simulated BHXH's insured person (invented people, see SEED_INSURED)."""

    key_hash = peewee.CharField(max_length=64, unique=True)
    full_name = peewee.CharField(max_length=128)
    date_of_birth = peewee.CharField(max_length=10)
    sex = peewee.CharField(max_length=8)
    address = peewee.CharField(max_length=300)

    class Meta:
        table_name = "healthcare_sim_bhxh_insured"


class SimAdjustment(Model):
    """An adjustment request BHXH has not processed yet (no value: that went to BHXH)."""

    key_hash = peewee.CharField(max_length=64)
    field = peewee.CharField(max_length=40)
    reference = peewee.CharField(max_length=40)
    at = peewee.DoubleField()

    class Meta:
        table_name = "healthcare_sim_bhxh_request"
        indexes = ((("key_hash", "field"), True),)


#: (ID number, name, date of birth, sex, address) as the simulated BHXH has them
SEED_INSURED = (
    ("001085999001", "Nguyễn Văn An", "1985-03-14", "male", "Số 12 phố Mẫu, phường Thử Nghiệm, Hà Nội"),
    ("079192999002", "Trần Thị Bích Ngọc", "1992-11-02", "female", "Số 34 phố Mẫu, phường Thử Nghiệm, TP Hồ Chí Minh"),
    ("031304999004", "Phạm Thị Thu Hà", "2004-01-03", "female", "Số 78 phố Mẫu, phường Thử Nghiệm, Hải Phòng"),
    ("040183999005", "Đặng Thị Lan", "1983-08-15", "male", "Số 90 phố Mẫu, phường Thử Nghiệm, Nghệ An"),
    ("038070999006", "Hoàng Văn Dũng", "1970-12-25", "male", "Số 3 phố Mẫu, phường Thử Nghiệm Cũ, Thanh Hóa"),
)


def insured_key(id_number: str) -> str:
    """How the simulated BHXH indexes insured people: a hash of the ID number (never the number)."""
    return hashlib.sha256(f"citizen-station/bhxh-sim/{id_number}".encode()).hexdigest()


def _seed() -> None:
    if SimInsured.select().exists():
        return
    for id_number, name, born, sex, address in SEED_INSURED:
        SimInsured.insert(key_hash=insured_key(id_number), full_name=name, date_of_birth=born, sex=sex,
                          address=address).on_conflict_ignore().execute()


def records_for(identity: Any) -> list[dict[str, Any]]:
    """The ``citizen_records`` answer: BHXH's record of the insured citizen, if any."""
    _seed()
    key = insured_key(identity.id_number)
    row = SimInsured.get_or_none(SimInsured.key_hash == key)
    if row is None:
        return []
    _process(row, key, identity, now())
    pending = {r.field: r.reference for r in SimAdjustment.select().where(SimAdjustment.key_hash == key)}
    return [{"system": SYSTEM, "name": dict(NAME), "labels": LABELS, "pending": pending,
             "fields": {"full_name": row.full_name, "date_of_birth": row.date_of_birth, "sex": row.sex,
                        "address": row.address},
             "correctable": list(CORRECTABLE)}]


def _process(row: SimInsured, key: str, identity: Any, now: float) -> None:
    """The simulated BHXH processes requests older than :data:`PROCESSING_SECONDS`: the card
    takes the value the request carried (the chip's, which ``identity`` holds) and the request
    is gone."""
    for request in SimAdjustment.select().where((SimAdjustment.key_hash == key)
                                                & (SimAdjustment.at <= now - PROCESSING_SECONDS)):
        value = getattr(identity, CARD_FIELD.get(request.field, request.field), None)
        if value:
            setattr(row, request.field, str(value))
            row.save()
        request.delete_instance()


def request_adjustment(id_number: str, field: str, value: str, now: float) -> dict[str, Any]:
    """Send BHXH the adjustment request with the chip's ``value``; pending until BHXH processes it."""
    if field not in CORRECTABLE or not value:
        raise ValueError(f"BHXH takes no adjustment of {field} from the station")
    reference = "BHXH" + secrets.token_hex(4).upper()
    SimAdjustment.create(key_hash=insured_key(id_number), field=field, reference=reference, at=now)
    return {"reference": reference, "applied": False}
