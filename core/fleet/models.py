"""The station's fleet tables (created by core migration 0010)."""

from __future__ import annotations

import peewee

from core.db import BaseModel


class HubLink(BaseModel):
    """The hub this station is enrolled with (one row, id 1)."""

    id = peewee.IntegerField(primary_key=True)
    hub_url = peewee.CharField(max_length=500)
    station_id = peewee.CharField(max_length=32)
    witness_key = peewee.TextField()
    enrolled_at = peewee.DoubleField()
    witnessed_size = peewee.BigIntegerField(default=0)

    class Meta:
        table_name = "hub_link"


class HubOutbox(BaseModel):
    """One message for the hub, kept until the hub acknowledged it; sent in ``id`` order."""

    id = peewee.AutoField()
    message_id = peewee.CharField(max_length=64, unique=True)
    kind = peewee.CharField(max_length=32)
    body = peewee.TextField()
    created_at = peewee.DoubleField()
    sent_at = peewee.DoubleField(null=True, index=True)
    attempts = peewee.IntegerField(default=0)
    last_error = peewee.TextField(null=True)

    class Meta:
        table_name = "hub_outbox"


class AuditCosignature(BaseModel):
    """A checkpoint of this station's audit log with the hub witness's cosignature line."""

    size = peewee.BigIntegerField(primary_key=True)
    witness_key = peewee.TextField()
    note = peewee.TextField()
    cosigned_at = peewee.DoubleField()

    class Meta:
        table_name = "audit_cosignatures"


class HubDesiredConfig(BaseModel):
    """The hub's configuration key and the last desired configuration this station applied
    (one row, id 1; core migration 0019)."""

    id = peewee.IntegerField(primary_key=True)
    config_key = peewee.TextField(null=True)
    version = peewee.BigIntegerField(default=0)
    etag = peewee.CharField(max_length=80, null=True)
    document = peewee.TextField(default="{}")
    checked_at = peewee.DoubleField(null=True)
    status = peewee.CharField(max_length=16, default="none")  # none | applied | refused
    problems = peewee.TextField(default="[]")

    class Meta:
        table_name = "hub_desired_config"
