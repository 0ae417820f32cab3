"""What the records check keeps: events without a person (core migration 0020)."""

from __future__ import annotations

import peewee

from core.db import BaseModel


class QualityEvent(BaseModel):
    """A mismatch found, a correction filed or a mismatch found resolved — no citizen, no values
    (the counts the fleet hub shows as data quality per ward)."""

    id = peewee.AutoField()
    system = peewee.CharField(max_length=40)
    field = peewee.CharField(max_length=40)
    event = peewee.CharField(max_length=16)  # mismatch | correction | resolved
    at = peewee.DoubleField(index=True)

    class Meta:
        table_name = "records_quality_events"


class RegisterRequest(BaseModel):
    """An adjustment request sent to the simulated population register: whose (keyed hash of
    the ID number), which field and the reference — not the value, which went to the register
    (core migration 0018). The simulated register's police process it after
    :data:`core.records.register.PROCESSING_SECONDS` (``processed_at``): the register then holds
    the value the request carried, the chip's."""

    id = peewee.AutoField()
    key_hash = peewee.CharField(max_length=64, index=True)
    field = peewee.CharField(max_length=40)
    reference = peewee.CharField(max_length=40)
    at = peewee.DoubleField()
    processed_at = peewee.DoubleField(null=True)  # when the simulated register applied it (core 0023)

    class Meta:
        table_name = "records_sim_register_requests"
        indexes = ((("key_hash", "field"), True),)


class FiledCorrection(BaseModel):
    """A correction the citizen filed, until the system is seen holding the card's value
    (core migration 0023): whose (keyed hash of the ID number), which system and field, the
    system's reference; no values. When the citizen's next records check finds the field
    matching, it is *resolved* (counted once for the hub's data-quality figures)."""

    id = peewee.AutoField()
    key_hash = peewee.CharField(max_length=64, index=True)
    system = peewee.CharField(max_length=40)
    field = peewee.CharField(max_length=40)
    reference = peewee.CharField(max_length=64)
    filed_at = peewee.DoubleField()
    resolved_at = peewee.DoubleField(null=True)

    class Meta:
        table_name = "records_filed_corrections"
