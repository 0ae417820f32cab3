"""The station's supply-chain tables (core migration 0014)."""

from __future__ import annotations

import peewee

from core.db import BaseModel


class PluginInstall(BaseModel):
    """The TUF-verified wheel a plugin runs from, and the hash of its installed RECORD."""

    plugin_id = peewee.CharField(primary_key=True, max_length=64)
    version = peewee.CharField(max_length=64)
    publisher = peewee.CharField(max_length=64)
    target_path = peewee.CharField(max_length=300)
    wheel_sha256 = peewee.CharField(max_length=64)
    record_sha256 = peewee.CharField(max_length=64)
    previous_version = peewee.CharField(max_length=64, null=True)
    installed_at = peewee.DoubleField()
    last_outcome = peewee.TextField(default="{}")  # JSON {version, outcome, reason}: told to the hub

    class Meta:
        table_name = "plugin_installs"


class PluginSupplyState(BaseModel):
    """One row: the unsigned-plugin switch as last seen (to audit its changes) and the
    version of the last plugin offers applied from the hub (to refuse replays)."""

    id = peewee.IntegerField(primary_key=True)
    allow_unsigned = peewee.BooleanField(default=False)
    offers_version = peewee.BigIntegerField(default=0)
    changed_at = peewee.DoubleField()

    class Meta:
        table_name = "plugin_supply_state"
