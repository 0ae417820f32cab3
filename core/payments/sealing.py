"""A payment's description and receipt lines, encrypted with the payer's data key.

They name what was paid (a customer code, a prescription's medicines, a plate number), so
they are personal data: stored as ``enc:v1:<base64 of a v1 field ciphertext>`` made with the
payer's data key (``core.privacy``) and bound to the table, the column, the payment's
``idempotency_key`` (fixed before the row is inserted) and the payer. Reading the attribute
opens the value; once the payer is erased (data key destroyed) it reads as a neutral
placeholder, so receipts lists, reconciliation and staff screens keep working without it.

What exactly-once and reconciliation need stays queryable: amounts, states, transfer codes,
and the claimed objects as keyed blind indexes (``PaymentClaim.object``).
"""

from __future__ import annotations

import base64
import json
from typing import Any

import peewee

from core.privacy.blind_index import blind_index, is_blind_index
from core.privacy.crypto import field_binding, field_key_version, open_field, seal_field
from core.privacy.fields import PlaintextRefused
from core.privacy.keys import DataErased, data_keys

PREFIX = "enc:v1:"
TABLE = "payments"
CLAIM_PURPOSE = "payment_claims.object"
ERASED = {"description": json.dumps({"vi": "(đã xoá theo yêu cầu)", "en": "(erased on request)"},
                                    ensure_ascii=False),
          "receipt_lines": "[]"}


def is_sealed(value: object) -> bool:
    """True for a stored sealed value."""
    return isinstance(value, str) and value.startswith(PREFIX)


def seal_text(column: str, row_key: str, citizen_id: int, text: str) -> str:
    """Seal ``text`` for ``payments.<column>`` of the payment with ``row_key`` (its idempotency key)."""
    version, key = data_keys().for_writing(int(citizen_id))
    blob = seal_field(key, version, text.encode("utf-8"), field_binding(TABLE, column, row_key, citizen_id))
    return PREFIX + base64.b64encode(blob).decode("ascii")


def open_text(column: str, row_key: str, citizen_id: int, stored: str) -> str:
    """The clear text of a sealed value (a placeholder once the payer was erased)."""
    if not is_sealed(stored):
        return stored  # not migrated yet (the migration seals every row)
    blob = base64.b64decode(stored[len(PREFIX):])
    try:
        key = data_keys().for_reading(int(citizen_id), field_key_version(blob))
    except DataErased:
        return ERASED[column]
    return open_field(key, blob, field_binding(TABLE, column, row_key, citizen_id)).decode("utf-8")


class _OpeningAccessor(peewee.FieldAccessor):
    def __get__(self, instance: Any, instance_type: Any = None) -> Any:
        if instance is None:
            return self.field
        value = instance.__data__.get(self.name)
        if is_sealed(value):
            value = open_text(self.field.column_name, instance.__data__["idempotency_key"],
                              instance.__data__["payer_citizen_id"], value)
            instance.__data__[self.name] = value
        return value


class SealedTextField(peewee.TextField):
    """A text column sealed with the payer's data key: set it and ``save()`` the row; never
    write or compare it in a bulk query (a clear value is refused)."""

    accessor_class = _OpeningAccessor

    def db_value(self, value: Any) -> Any:
        if value is None or is_sealed(value):
            return value
        raise PlaintextRefused(f"payments.{self.name} is encrypted: set it on the row and call save()")


def seal_row(record: Any, fields: tuple[str, ...]) -> dict[str, str]:
    """Seal the clear values of ``fields`` in ``record.__data__`` before it is saved; returns
    the clear values to put back after the save (the row keeps reading them)."""
    clear = {}
    for name in fields:
        value = record.__data__.get(name)
        if value is not None and not is_sealed(value):
            clear[name] = value
            record.__data__[name] = seal_text(name, record.__data__["idempotency_key"],
                                              record.__data__["payer_citizen_id"], value)
    return clear


class BlindIndexField(peewee.CharField):
    """A column that stores the keyed blind index of its value: inserts and ``WHERE`` clauses
    are hashed the same way, so equality works while the clear value is never stored."""

    def __init__(self, purpose: str, **kwargs: Any) -> None:
        self.purpose = purpose
        kwargs.setdefault("max_length", 128)
        super().__init__(**kwargs)

    def db_value(self, value: Any) -> Any:
        if value is None or is_blind_index(value):
            return super().db_value(value)
        return super().db_value(blind_index(str(value), self.purpose))
