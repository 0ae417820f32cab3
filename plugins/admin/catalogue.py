"""The catalogue of administrative procedures, loaded from TOML data files.

Built-in procedures live in ``plugins/admin/procedures/<code>.toml``; a station manager adds
or overrides procedures with files in the folder named by the ``extra_procedures_dir``
setting (a file with the same code replaces the built-in one). Every file is validated
(marshmallow) and an error names the file and the field. See docs/plugins/admin.md for the
file format.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

BUILTIN_DIR = Path(__file__).parent / "procedures"
#: National procedure codes: e.g. 1.004222, 2.000635, 3.000333.
CODE_PATTERN = r"^\d\.\d{6}$"
IDENTITY_KEYS = ("full_name", "id_number", "date_of_birth", "sex", "place_of_origin", "residence")
FIELD_TYPES = ("string", "text", "date", "integer", "choice", "phone")
FORMAT_NAMES = ("jpeg", "png", "pdf")


class CatalogueError(Exception):
    """A procedure file is unreadable or invalid (the message names the file and field)."""


class _Text(Schema):
    vi = fields.String(required=True, validate=validate.Length(min=1))
    en = fields.String(required=True, validate=validate.Length(min=1))


class _Choice(Schema):
    value = fields.String(required=True)
    vi = fields.String(required=True)
    en = fields.String(required=True)


class _FieldSpec(Schema):
    name = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,39}$"))
    type = fields.String(load_default="string", validate=validate.OneOf(FIELD_TYPES))
    label = fields.Nested(_Text, required=True)
    prefill = fields.String(load_default=None, validate=validate.OneOf(IDENTITY_KEYS))
    required = fields.Boolean(load_default=True)
    max_length = fields.Integer(load_default=200, validate=validate.Range(1, 2000))
    minimum = fields.Integer(load_default=None)
    maximum = fields.Integer(load_default=None)
    choices = fields.List(fields.Nested(_Choice), load_default=list)
    validate = fields.String(load_default=None, validate=validate.OneOf(("not_future", "not_past")))

    @validates_schema
    def _choices_for_choice(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("type") == "choice" and not data.get("choices"):
            raise ValidationError("a choice field needs choices", "choices")


class _DocumentSpec(Schema):
    key = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,39}$"))
    name = fields.Nested(_Text, required=True)
    required = fields.Boolean(load_default=True)
    accept = fields.List(fields.String(validate=validate.OneOf(FORMAT_NAMES)),
                         load_default=lambda: list(FORMAT_NAMES))


class ProcedureFileSchema(Schema):
    """The layout of one ``<code>.toml`` procedure file."""

    code = fields.String(required=True, validate=validate.Regexp(CODE_PATTERN))
    name = fields.Nested(_Text, required=True)
    field = fields.Nested(_Text, required=True)
    authority = fields.Nested(_Text, required=True)
    processing_working_days = fields.Integer(required=True, validate=validate.Range(0, 365))
    fee_vnd = fields.Integer(required=True, validate=validate.Range(0, 100_000_000))
    fee_note = fields.Nested(_Text, load_default=None)
    source = fields.String(load_default="")
    documents = fields.List(fields.Nested(_DocumentSpec), load_default=list)
    fields_ = fields.List(fields.Nested(_FieldSpec), data_key="fields", required=True,
                          validate=validate.Length(min=1))

    @validates_schema
    def _unique_names(self, data: dict[str, Any], **_: Any) -> None:
        names = [f["name"] for f in data.get("fields_", [])]
        if len(names) != len(set(names)):
            raise ValidationError("field names must be unique", "fields")
        keys = [d["key"] for d in data.get("documents", [])]
        if len(keys) != len(set(keys)):
            raise ValidationError("document keys must be unique", "documents")


@dataclass(frozen=True)
class FieldSpec:
    """One form field: its type, label, and whether it is pre-filled (read-only) from the ID."""

    name: str
    type: str
    label: dict[str, str]
    prefill: str | None = None
    required: bool = True
    max_length: int = 200
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[dict[str, str], ...] = ()
    validate: str | None = None

    @property
    def read_only(self) -> bool:
        """Identity fields come from the card or VNeID and cannot be changed by the citizen."""
        return self.prefill is not None


@dataclass(frozen=True)
class DocumentSpec:
    """A document the dossier needs (or may have), and the file types accepted for it."""

    key: str
    name: dict[str, str]
    required: bool = True
    accept: tuple[str, ...] = FORMAT_NAMES


@dataclass(frozen=True)
class Procedure:
    """One administrative procedure of the catalogue."""

    code: str
    name: dict[str, str]
    field: dict[str, str]
    authority: dict[str, str]
    processing_working_days: int
    fee_vnd: int
    fee_note: dict[str, str] | None
    source: str
    documents: tuple[DocumentSpec, ...]
    fields: tuple[FieldSpec, ...]
    origin: str = "built-in"

    def document(self, key: str) -> DocumentSpec | None:
        return next((d for d in self.documents if d.key == key), None)


def parse_procedure(raw: dict[str, Any], origin: str) -> Procedure:
    """A :class:`Procedure` from a decoded file; :class:`CatalogueError` naming the field."""
    try:
        data = ProcedureFileSchema().load(raw)
    except ValidationError as exc:
        raise CatalogueError(f"{origin}: {_first_error(exc.messages)}") from None
    return Procedure(
        code=data["code"], name=data["name"], field=data["field"], authority=data["authority"],
        processing_working_days=data["processing_working_days"], fee_vnd=data["fee_vnd"],
        fee_note=data["fee_note"], source=data["source"], origin=origin,
        documents=tuple(DocumentSpec(d["key"], d["name"], d["required"], tuple(d["accept"]))
                        for d in data["documents"]),
        fields=tuple(FieldSpec(name=f["name"], type=f["type"], label=f["label"], prefill=f["prefill"],
                               required=f["required"], max_length=f["max_length"], minimum=f["minimum"],
                               maximum=f["maximum"], choices=tuple(f["choices"]), validate=f["validate"])
                     for f in data["fields_"]))


def _first_error(messages: Any, path: str = "") -> str:
    if isinstance(messages, dict):
        key, value = next(iter(messages.items()))
        key = "fields" if key == "fields_" else key
        return _first_error(value, f"{path}.{key}" if path else str(key))
    if isinstance(messages, list) and messages:
        return _first_error(messages[0], path)
    return f"{path}: {messages}"


def load_folder(folder: Path, origin: str) -> dict[str, Procedure]:
    """Every ``*.toml`` procedure of ``folder`` by code."""
    procedures: dict[str, Procedure] = {}
    for path in sorted(folder.glob("*.toml")):
        where = f"{origin} file {path.name}"
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise CatalogueError(f"{where}: cannot be read ({exc})") from None
        procedure = parse_procedure(raw, where)
        if procedure.code in procedures:
            raise CatalogueError(f"{where}: procedure {procedure.code} is defined twice")
        procedures[procedure.code] = procedure
    return procedures


def load_catalogue(extra_dir: str | Path | None = None) -> dict[str, Procedure]:
    """Built-in procedures, overridden and extended by the manager's folder (if any)."""
    procedures = load_folder(BUILTIN_DIR, "built-in")
    if extra_dir:
        folder = Path(extra_dir)
        if not folder.is_dir():
            raise CatalogueError(f"extra_procedures_dir {str(folder)!r} is not a folder")
        procedures.update(load_folder(folder, "station"))
    return dict(sorted(procedures.items()))


def is_procedure_code(text: str) -> bool:
    """True for a national procedure code such as ``1.004222``."""
    return re.fullmatch(CODE_PATTERN, text or "") is not None
