"""Tables of citizens and staff members."""

from __future__ import annotations

import peewee

from core.db import BaseModel


class Citizen(BaseModel):
    """A citizen known to this station, keyed by a keyed hash (HMAC) of the ID number.

    The ID number itself is never stored in clear; personal fields live in encrypted columns.
    """

    id_hash = peewee.CharField(max_length=64, unique=True)
    created_at = peewee.DoubleField()

    class Meta:
        table_name = "citizen"


class StaffUser(BaseModel):
    """A staff account: pharmacist, station manager, operator or auditor."""

    username = peewee.CharField(max_length=64, unique=True)
    display_name = peewee.CharField(max_length=128, default="")
    password_hash = peewee.CharField(max_length=255, default="")
    roles = peewee.CharField(max_length=255, default="")
    active = peewee.BooleanField(default=True)
    created_at = peewee.DoubleField()
    totp_secret = peewee.TextField(default="")  # AES-GCM sealed; empty = no TOTP
    totp_last_step = peewee.BigIntegerField(default=0)  # last TOTP time step used (once per code)
    must_change_password = peewee.BooleanField(default=False)  # set by a manager's reset: change at next login

    class Meta:
        table_name = "staff_user"

    @property
    def role_list(self) -> list[str]:
        return [r for r in self.roles.split(",") if r]
