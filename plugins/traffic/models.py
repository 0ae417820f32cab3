"""The traffic plugin's own table: fines paid at this station (payment id, decision number)."""

from __future__ import annotations

import peewee

from sdk import Model


class FinePayment(Model):
    """A decided fine paid here; written in ``payment_settled`` with its audit entry."""

    violation_id = peewee.CharField(max_length=32, index=True)
    decision_number = peewee.CharField(max_length=64)
    payment_id = peewee.IntegerField(unique=True)
    amount_vnd = peewee.BigIntegerField()
    citizen_id = peewee.IntegerField(index=True)
    paid_at = peewee.DoubleField()

    class Meta:
        table_name = "traffic_fine_payment"
