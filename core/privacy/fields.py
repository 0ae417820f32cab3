"""Encrypted peewee fields and the model base class that opens and seals them.

    class Screening(sdk.PersonalDataModel):
        data_category = "health"            # declared in the plugin's manifest [[data]]
        timestamp_field = "taken_at"        # for retention purges
        citizen_id = peewee.IntegerField(index=True)
        taken_at = peewee.DoubleField()
        notes = sdk.EncryptedTextField()
        vitals = sdk.EncryptedJSONField(null=True)

        class Meta:
            table_name = "healthcare_screening"

**Design.** A field ciphertext is bound to its table, column, row id and citizen id
(associated data, ``core.privacy.crypto``), but peewee's ``Field.db_value`` never sees the
row. So the fields do not encrypt: they only carry :class:`Sealed` ciphertext to and from the
database and *refuse* plaintext (``PlaintextRefused``) — a bulk ``insert``/``update`` or a
``where(notes == "...")`` with a clear value fails instead of writing or leaking it.
:class:`PersonalDataModel` seals in ``save()`` and opens on attribute access:

* ``save()`` of a new row is a two-step insert in one transaction: insert with an empty
  placeholder, take the new id, then update the sealed values. The cost is one extra UPDATE
  per new row; the benefit is ordinary auto-increment ids on SQLite and PostgreSQL and no
  plaintext ever passing through SQL. Updates of existing rows seal directly.
* Reading ``row.notes`` opens the value: the citizen's data key (:class:`DataErased` once
  the citizen is erased), the consent guard (:class:`ConsentRequired`), then the access log
  row (who, whose, what, why), and only then the plaintext. Queries that bypass the model
  (``.dicts()``, ``.tuples()``, raw SQL) see only ciphertext.
"""

from __future__ import annotations

import json
import os
from typing import Any, ClassVar

import peewee

from core.audit.log import transaction
from core.db import BaseModel
from core.errors import NotFoundError
from core.privacy.access_log import current_context, read_already_recorded, record_access
from core.privacy.blind_index import blind_index
from core.privacy.consent import guard_processing, purposes_for
from core.privacy.crypto import (
    PrivacyError,
    field_binding,
    field_key_version,
    open_field,
    seal_field,
)
from core.privacy.keys import DataErased, data_keys

PERSONAL_MODELS: list[type[PersonalDataModel]] = []


class PlaintextRefused(PrivacyError):
    """A clear value was about to reach the database through an encrypted column."""


class UndeclaredCategory(PrivacyError):
    """A model stores a data category its plugin's manifest does not declare."""


class Sealed(bytes):
    """A field ciphertext as stored; only its own row can open it."""


class _OpeningAccessor(peewee.FieldAccessor):
    def __get__(self, instance: Any, instance_type: Any = None) -> Any:
        if instance is None:
            return self.field
        value = instance.__data__.get(self.name)
        if isinstance(value, Sealed):
            value = instance._open_field(self.field, value)
            instance.__data__[self.name] = value  # opened once per instance (and recorded once)
        return value


class EncryptedField(peewee.BlobField):
    """Base of encrypted columns (stored as BLOB / bytea); use only on a PersonalDataModel."""

    accessor_class = _OpeningAccessor

    def encode(self, value: Any) -> bytes:
        raise NotImplementedError

    def decode(self, data: bytes) -> Any:
        raise NotImplementedError

    def db_value(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, Sealed):
            return super().db_value(bytes(value))
        raise PlaintextRefused(f"{self.model.__name__}.{self.name} is encrypted: write it by setting the "
                               "attribute and calling save() on the row, and never compare it in a query")

    def python_value(self, value: Any) -> Any:
        return None if value is None else Sealed(bytes(value))


class EncryptedTextField(EncryptedField):
    """A text column encrypted at rest (UTF-8 inside)."""

    def encode(self, value: Any) -> bytes:
        if not isinstance(value, str):
            raise TypeError(f"{self.name} takes text, not {type(value).__name__}")
        return value.encode("utf-8")

    def decode(self, data: bytes) -> str:
        return data.decode("utf-8")


class EncryptedJSONField(EncryptedField):
    """A JSON value (dict, list, text, number) encrypted at rest."""

    def encode(self, value: Any) -> bytes:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")

    def decode(self, data: bytes) -> Any:
        return json.loads(data.decode("utf-8"))


class PersonalDataModel(BaseModel):
    """A plugin table holding one citizen's personal data per row, with encrypted fields.

    Class attributes: ``data_category`` (required: a category of the plugin's manifest),
    ``citizen_field`` (default ``citizen_id``), ``timestamp_field`` (for retention, epoch
    seconds or datetime), ``plugin_id`` (default: the plugin package the model lives in).
    The primary key must be a single column (the row id in the associated data).
    """

    data_category: ClassVar[str] = ""
    citizen_field: ClassVar[str] = "citizen_id"
    timestamp_field: ClassVar[str | None] = None
    plugin_id: ClassVar[str | None] = None
    #: sdk 1.5: False for records the citizen's own request needs kept (a payment, a
    #: prescription order, a booking): encrypted and access-logged, but not gated on consent.
    requires_consent: ClassVar[bool] = True
    #: sdk 1.5: ``{index field: encrypted field}`` — the index column holds the keyed blind
    #: index of the encrypted value, set by ``save()``; query with :meth:`lookup`.
    blind_indexes: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        PERSONAL_MODELS.append(cls)

    # ---- description -----------------------------------------------------------------

    @classmethod
    def owner_plugin(cls) -> str:
        """The plugin that owns this table."""
        if cls.plugin_id:
            return cls.plugin_id
        parts = cls.__module__.split(".")
        return parts[1] if parts[0] == "plugins" and len(parts) > 1 else parts[0]

    @classmethod
    def encrypted_fields(cls) -> list[EncryptedField]:
        return [f for f in cls._meta.sorted_fields if isinstance(f, EncryptedField)]

    @classmethod
    def default_purpose(cls) -> dict[str, str]:
        """The manifest's purposes for this model's category (checked to be declared)."""
        if not cls.data_category:
            raise UndeclaredCategory(f"{cls.__name__} must set data_category (one of its manifest's categories)")
        try:
            _, purposes = purposes_for(cls.owner_plugin(), cls.data_category)
        except NotFoundError:
            raise UndeclaredCategory(f"{cls.__name__} stores {cls.data_category!r} data but plugin "
                                     f"{cls.owner_plugin()!r} does not declare it in its manifest [[data]]") from None
        return {"vi": "; ".join(p["vi"] for p in purposes), "en": "; ".join(p["en"] for p in purposes)}

    @classmethod
    def index_of(cls, field_name: str, value: Any) -> str:
        """The blind index of ``value`` for the encrypted field ``field_name`` (sdk 1.5)."""
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
        return blind_index(text, f"{cls._meta.table_name}.{field_name}")

    @classmethod
    def lookup(cls, field_name: str, value: Any) -> Any:
        """A query condition: rows whose encrypted ``field_name`` equals ``value`` (via its
        blind index, declared in ``blind_indexes``), e.g. ``Order.select().where(Order.lookup("code", c))``."""
        for index_name, source in cls.blind_indexes.items():
            if source == field_name:
                return getattr(cls, index_name) == cls.index_of(field_name, value)
        raise PrivacyError(f"{cls.__name__}.{field_name} has no blind index (declare it in blind_indexes)")

    def _citizen(self) -> int:
        value = self.__data__.get(self.citizen_field)
        if value is None:
            raise PrivacyError(f"{type(self).__name__}.{self.citizen_field} must be set before personal data is "
                               "written or read")
        return int(value)

    def _binding(self, field: EncryptedField) -> bytes:
        return field_binding(self._meta.table_name, field.column_name, self._pk, self._citizen())

    # ---- sealing and opening ---------------------------------------------------------

    def _seal(self, field: EncryptedField, value: Any) -> Sealed:
        version, key = data_keys().for_writing(self._citizen())
        return Sealed(seal_field(key, version, field.encode(value), self._binding(field), os.urandom))

    def _open_field(self, field: EncryptedField, sealed: Sealed) -> Any:
        # Order matters: an erased citizen gets DataErased (not ConsentRequired), and the access
        # record is written after the integrity check but before the value is handed over.
        citizen_id = self._citizen()
        key = data_keys().for_reading(citizen_id, field_key_version(sealed))
        plugin, category = self.owner_plugin(), self.data_category
        purpose = self.default_purpose()
        if self.requires_consent:
            guard_processing(citizen_id, plugin, category)
        plaintext = open_field(key, sealed, self._binding(field))
        context = current_context()
        if context is not None or not read_already_recorded(citizen_id, self._meta.table_name):
            record_access(citizen_id, plugin, category, self._meta.table_name,
                          purpose=None if context and context.purpose else purpose)
        return field.decode(plaintext)

    def open_all(self) -> PersonalDataModel:
        """Open every encrypted field now (each read recorded); returns the row."""
        for field in self.encrypted_fields():
            getattr(self, field.name)
        return self

    def save(self, force_insert: bool = False, only: Any = None) -> Any:
        """Save the row, sealing changed personal values (new rows: insert, then seal by id)."""
        if self._meta.composite_key:
            raise PrivacyError(f"{type(self).__name__} needs a single-column primary key (the row id)")
        citizen_id = self._citizen()
        self.default_purpose()
        data_keys().ensure_not_erased(citizen_id)
        if self.requires_consent:
            guard_processing(citizen_id, self.owner_plugin(), self.data_category)
        plain = {f.name: self.__data__[f.name] for f in self.encrypted_fields()
                 if self.__data__.get(f.name) is not None and not isinstance(self.__data__[f.name], Sealed)}
        for index_name, source in self.blind_indexes.items():
            if source in plain:
                self.__data__[index_name] = self.index_of(source, plain[source])
        fields = {f.name: f for f in self.encrypted_fields()}
        try:
            with transaction():
                if self._pk is None:
                    for name in plain:
                        self.__data__[name] = Sealed(b"")  # placeholder until the row has its id
                    rows = super().save(force_insert=force_insert, only=only)
                    if plain:
                        sealed = {fields[name]: self._seal(fields[name], value) for name, value in plain.items()}
                        type(self).update(sealed).where(self._pk_expr()).execute()
                else:
                    for name, value in plain.items():
                        self.__data__[name] = self._seal(fields[name], value)
                    rows = super().save(force_insert=force_insert, only=only)
        finally:
            self.__data__.update(plain)
        return rows


def read_personal(rows: Any, purpose: Any, on_refused: str = "raise") -> Any:
    """Read personal data for a stated purpose: open every encrypted field of ``rows``.

    ``rows`` is a :class:`PersonalDataModel` row, a query or any iterable of rows. Each read
    is recorded in the access log with ``purpose`` (text, or ``{"vi": ..., "en": ...}``).
    Returns the row, or a list of rows.

    A row whose citizen withdrew consent (or was erased) raises by default
    (``on_refused="raise"``); for lists such as a staff screen (sdk 1.1), ``"skip"`` leaves
    such rows out and ``"mask"`` keeps them with their encrypted fields set to None (nothing
    is read or logged for them).
    """
    from core.privacy.access_log import access_context
    from core.privacy.consent import ConsentRequired

    if on_refused not in ("raise", "skip", "mask"):
        raise ValueError("on_refused must be 'raise', 'skip' or 'mask'")
    with access_context(purpose):
        if isinstance(rows, PersonalDataModel):
            return rows.open_all()
        opened = []
        for row in rows:
            if on_refused == "raise":
                opened.append(row.open_all())
                continue
            try:
                opened.append(row.open_all())
            except (ConsentRequired, DataErased):
                if on_refused == "mask":
                    for field in row.encrypted_fields():
                        row.__data__[field.name] = None
                    opened.append(row)
        return opened


def personal_models() -> list[type[PersonalDataModel]]:
    """Every PersonalDataModel subclass imported so far (loaded plugins' tables)."""
    return list(PERSONAL_MODELS)


def seal_value(table: str, column: str, row_id: object, citizen_id: int, value: Any, kind: str = "text") -> bytes | None:
    """Encrypt one existing clear value for ``table.column`` of a row, as an encrypted field
    would (sdk 1.5, for migrations that encrypt rows written before a column was encrypted).

    ``kind`` is ``"text"`` (a str) or ``"json"``. Returns the ciphertext to store, or None
    when the citizen was erased (the value must then be dropped, not kept in clear).
    """
    if kind == "text":
        if not isinstance(value, str):
            raise TypeError("a text value is needed")
        data = value.encode("utf-8")
    elif kind == "json":
        data = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    else:
        raise ValueError("kind must be 'text' or 'json'")
    keys = data_keys()
    try:
        keys.ensure_not_erased(int(citizen_id))
    except DataErased:
        return None
    version, key = keys.for_writing(int(citizen_id))
    return seal_field(key, version, data, field_binding(table, column, row_id, citizen_id), os.urandom)
