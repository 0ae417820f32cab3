"""Small secrets sealed directly under a key derived from the station KEK.

Staff TOTP secrets and the VNeID claims waiting for their kiosk are not citizens' fields
(those use per-citizen data keys, ``core.privacy.keys``): each is AES-GCM sealed under a key
derived from ``data.kek``. The sealed text names the KEK it was made with —
``<kek id>:<hex(nonce || ciphertext)>`` — so a running station opens it with whichever KEK
the key ring holds, before, during and after a rotation. Text without a KEK id (written
before ids were recorded) is opened with any KEK the ring knows.

Every column holding such values is declared once as a :class:`SealedColumn` and registered
here; ``station keys rotate`` re-seals them all in the rotation's transaction and checks
each one opens under the new KEK before the old KEK is retired.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import peewee
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from core.privacy.crypto import kek_id


@dataclass(frozen=True)
class SealedColumn:
    """A text column of sealed values: how to derive its key from a KEK and bind each value."""

    label: str
    model: type[peewee.Model]
    column: str
    derive: Callable[[bytes], bytes]
    associated_data: Callable[[Any], bytes]

    def field(self) -> peewee.Field:
        return getattr(self.model, self.column)


SEALED_COLUMNS: list[SealedColumn] = []


def register_sealed_column(column: SealedColumn) -> SealedColumn:
    """Declare a column of KEK-sealed values (re-sealed by every key rotation)."""
    if all(c.label != column.label for c in SEALED_COLUMNS):
        SEALED_COLUMNS.append(column)
    return column


class SealedValueError(Exception):
    """A sealed value opens under none of the station's KEKs."""


def seal(column: SealedColumn, ring: Any, row: Any, plaintext: bytes, kek: tuple[str, bytes] | None = None) -> str:
    """Seal ``plaintext`` for ``row`` under the ring's current KEK (or the given one)."""
    ident, key = kek or ring.current()
    nonce = os.urandom(12)
    body = AESGCM(column.derive(key)).encrypt(nonce, plaintext, column.associated_data(row))
    return f"{ident}:{(nonce + body).hex()}"


def open_sealed(column: SealedColumn, ring: Any, row: Any, sealed: str) -> bytes:
    """Open a sealed value with the KEK it names (any known KEK for legacy values)."""
    ident, sep, body = sealed.partition(":")
    if sep:
        candidates: Iterable[bytes] = [ring.get(ident)]
    else:
        body = ident
        ring.reload()
        candidates = [ring.current()[1], *ring.known().values()]
    raw = bytes.fromhex(body)
    for kek in candidates:
        try:
            return AESGCM(column.derive(kek)).decrypt(raw[:12], raw[12:], column.associated_data(row))
        except InvalidTag:
            continue
    raise SealedValueError(f"a value of {column.label} opens under none of the station's keys")


def sealed_kek_id(sealed: str) -> str | None:
    """The id of the KEK a sealed value names (None for a legacy value)."""
    ident, sep, _ = sealed.partition(":")
    return ident if sep else None


def reseal_all(ring: Any, new_kek: bytes, columns: Iterable[SealedColumn] | None = None) -> dict[str, int]:
    """Re-seal every value not yet under ``new_kek``; then check every value opens under it.

    Runs inside the caller's transaction; raises (rolling everything back) if any value
    cannot be opened or does not open under the new KEK afterwards.
    """
    new_id = kek_id(new_kek)
    counts: dict[str, int] = {}
    for column in SEALED_COLUMNS if columns is None else columns:
        field = column.field()
        rows = list(column.model.select().where(field != ""))
        changed = 0
        for row in rows:
            value = getattr(row, column.column)
            if sealed_kek_id(value) == new_id:
                continue
            plaintext = open_sealed(column, ring, row, value)
            resealed = seal(column, ring, row, plaintext, kek=(new_id, new_kek))
            (column.model.update({field: resealed}).where(column.model._meta.primary_key == row._pk)
             .execute())
            changed += 1
        for row in column.model.select().where(field != ""):  # the check before the old key goes
            value = getattr(row, column.column)
            if sealed_kek_id(value) != new_id:
                raise SealedValueError(f"a value of {column.label} is still sealed under another key")
            raw = bytes.fromhex(value.partition(":")[2])
            AESGCM(column.derive(new_kek)).decrypt(raw[:12], raw[12:], column.associated_data(row))
        counts[column.label] = changed
    return counts


def kek_ids_in_use(columns: Iterable[SealedColumn] | None = None) -> set[str | None]:
    """KEK ids named by sealed values (None stands for legacy values naming no KEK)."""
    used: set[str | None] = set()
    for column in SEALED_COLUMNS if columns is None else columns:
        for (value,) in column.model.select(column.field()).where(column.field() != "").tuples():
            used.add(sealed_kek_id(value))
    return used
