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
