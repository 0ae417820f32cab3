"""The healthcare plugin's tables (``healthcare_*``).

Screening values are health data: encrypted at rest with the citizen's data key through
``sdk.privacy`` (readable only with the citizen's current consent, every read in their
access log, gone when the citizen is erased). Orders and bookings hold references and
quantities only (medicine codes, amounts, the prescription code), never names or ID numbers.
"""

from __future__ import annotations

import json
from typing import Any

import peewee

from sdk import Model
from sdk.privacy import EncryptedJSONField, EncryptedTextField, PersonalDataModel


class Screening(PersonalDataModel):
    """One guided screening: ``vitals`` = {"values": {...}, "devices": {kind: {...}}, "steps": {kind: state}}."""

    data_category = "health"
    timestamp_field = "taken_at"
    citizen_id = peewee.IntegerField(index=True)
    taken_at = peewee.DoubleField()
    state = peewee.CharField(max_length=16, default="in_progress")   # in_progress | done
    vitals = EncryptedJSONField(null=True)

    class Meta:
        table_name = "healthcare_screening"


class InsuranceCard(PersonalDataModel):
    """The citizen's health insurance (BHYT) card code (see :mod:`..bhyt`), one per citizen, encrypted."""

    data_category = "health"
    timestamp_field = "updated_at"
    citizen_id = peewee.IntegerField(unique=True)
    code = EncryptedTextField()
    updated_at = peewee.DoubleField()

    class Meta:
        table_name = "healthcare_insurance_card"


class JsonText(peewee.TextField):
    """A JSON value in a text column (non-personal data only)."""

    def db_value(self, value: Any) -> Any:
        return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)

    def python_value(self, value: Any) -> Any:
        return None if value is None else json.loads(value)


class RxOrder(PersonalDataModel):
    """A prescription order: what the citizen chose to collect now, until it is paid and posted.

    States: awaiting_approval → approved | rejected; approved → paid (payment settled) → the
    quantities are posted to the national system (``posted``). The prescription code and the
    medicines are encrypted with the citizen's data key; the code is found by its keyed blind
    index (``RxOrder.lookup("code", code)``). Kept without a consent gate: the order is the
    citizen's own request, and what was sold of a prescription must stay countable.
    """

    data_category = "health"
    requires_consent = False
    blind_indexes = {"code_index": "code"}
    citizen_id = peewee.IntegerField(index=True)
    code = EncryptedTextField(column_name="code_sealed", null=True)
    code_index = peewee.CharField(max_length=64, index=True, null=True)
    state = peewee.CharField(max_length=24, default="awaiting_approval")
    lines = EncryptedJSONField(column_name="lines_sealed", null=True)  # [{"sku", "qty", "unit_price", "total"}]
    total_vnd = peewee.BigIntegerField()
    pickup_code = peewee.CharField(max_length=8)
    created_at = peewee.DoubleField()
    decided_at = peewee.DoubleField(null=True)
    pharmacist_id = peewee.IntegerField(null=True)
    payment_id = peewee.CharField(max_length=64, null=True)
    paid_at = peewee.DoubleField(null=True)
    posted = peewee.BooleanField(default=False)

    class Meta:
        table_name = "healthcare_rx_order"


class ShopOrder(Model):
    """An over-the-counter order: paying → paid | failed."""

    citizen_id = peewee.IntegerField(index=True)
    state = peewee.CharField(max_length=16, default="paying")
    lines = JsonText()
    total_vnd = peewee.BigIntegerField()
    pickup_code = peewee.CharField(max_length=8)
    created_at = peewee.DoubleField()
    payment_id = peewee.CharField(max_length=64, null=True)
    paid_at = peewee.DoubleField(null=True)

    class Meta:
        table_name = "healthcare_shop_order"


class Booking(PersonalDataModel):
    """A teleconsultation booking (booked | cancelled), optionally sharing one screening.

    Who the citizen sees, for what specialty, and how to join are encrypted with the
    citizen's data key (no consent gate: the booking is the citizen's own request).
    """

    data_category = "health"
    requires_consent = False
    citizen_id = peewee.IntegerField(index=True)
    slot_id = peewee.CharField(max_length=40)
    doctor_name = EncryptedTextField(column_name="doctor_name_sealed", null=True)
    specialty = EncryptedJSONField(column_name="specialty_sealed", null=True)
    start = peewee.DoubleField()
    minutes = peewee.IntegerField()
    state = peewee.CharField(max_length=16, default="booked")
    join = EncryptedJSONField(column_name="join_sealed", null=True)
    screening_id = peewee.IntegerField(null=True)
    created_at = peewee.DoubleField()

    class Meta:
        table_name = "healthcare_booking"


class VideoCall(Model):
    """A live video consultation from the kiosk: waiting → active → ended. No media is kept."""

    citizen_id = peewee.IntegerField(index=True)
    state = peewee.CharField(max_length=16, default="waiting")
    created_at = peewee.DoubleField()
    answered_at = peewee.DoubleField(null=True)
    ended_at = peewee.DoubleField(null=True)
    ended_by = peewee.CharField(max_length=16, null=True)   # citizen | doctor | timeout
    kiosk_seen_at = peewee.DoubleField(null=True)            # the kiosk page's last poll (10 s grain)

    class Meta:
        table_name = "healthcare_video_call"


class VideoSignal(Model):
    """One WebRTC signalling message (offer, answer, ice, bye) while the call lasts."""

    call_id = peewee.IntegerField(index=True)
    sender = peewee.CharField(max_length=8)   # kiosk | doctor
    kind = peewee.CharField(max_length=8)
    body = peewee.TextField()
    created_at = peewee.DoubleField()

    class Meta:
        table_name = "healthcare_video_signal"


ALL_MODELS = (Screening, RxOrder, ShopOrder, Booking, VideoCall, VideoSignal)
