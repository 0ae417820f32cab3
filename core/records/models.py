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
    (core migration 0018). The register's police have not processed it until it is gone."""

    id = peewee.AutoField()
    key_hash = peewee.CharField(max_length=64, index=True)
    field = peewee.CharField(max_length=40)
    reference = peewee.CharField(max_length=40)
    at = peewee.DoubleField()

    class Meta:
        table_name = "records_sim_register_requests"
        indexes = ((("key_hash", "field"), True),)
