"""Forms as marshmallow schemas, built from a procedure's field specs.

Identity fields (``prefill``) are read-only: their values always come from the verified
identity (card or VNeID), whatever the browser sends. Validation messages are in the
citizen's language (Vietnamese or English).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from .catalogue import FieldSpec, Procedure

PHONE_PATTERN = r"^(\+84|0)\d{9,10}$"

_MESSAGES = {
    "required": ("Vui lòng nhập mục này.", "Please fill in this field."),
    "blank": ("Vui lòng nhập mục này.", "Please fill in this field."),
    "too_long": ("Tối đa {max} ký tự.", "At most {max} characters."),
    "date": ("Ngày không hợp lệ (dd/mm/yyyy).", "Not a valid date (dd/mm/yyyy)."),
    "integer": ("Vui lòng nhập một số nguyên.", "Please enter a whole number."),
    "range": ("Giá trị phải từ {min} đến {max}.", "The value must be between {min} and {max}."),
    "choice": ("Vui lòng chọn một trong các lựa chọn.", "Please choose one of the options."),
    "phone": ("Số điện thoại không hợp lệ (ví dụ 0912345678).", "Not a valid phone number (e.g. 0912345678)."),
    "not_future": ("Ngày không được ở tương lai.", "The date cannot be in the future."),
    "not_past": ("Ngày không được ở quá khứ.", "The date cannot be in the past."),
}


def message(key: str, language: str, **values: Any) -> str:
    """A validation message in ``language`` ("vi" or "en")."""
    vi, en = _MESSAGES[key]
    return (en if language == "en" else vi).format(**values)


EARLIEST_DATE, LATEST_DATE = date(1900, 1, 1), date(2199, 12, 31)


class FlexibleDate(fields.Date):
    """A date given as dd/mm/yyyy (how Vietnamese forms write it) or ISO yyyy-mm-dd."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> date:
        text = str(value or "").strip()
        for layout in ("%d/%m/%Y", "%Y-%m-%d"):
            try:
                parsed = datetime.strptime(text, layout).date()
            except ValueError:
                continue
            if EARLIEST_DATE <= parsed <= LATEST_DATE:  # "0001-01-01" is a typing slip, not a date of a dossier
                return parsed
        raise self.make_error("invalid")


def _field(spec: FieldSpec, language: str, today: date) -> fields.Field:
    common: dict[str, Any] = {
        "required": spec.required,
        "allow_none": not spec.required,
        "error_messages": {"required": message("required", language), "null": message("required", language)},
    }
    checks: list[Any] = []
    if spec.type == "date":
        field: fields.Field = FlexibleDate(**common)
        field.error_messages["invalid"] = message("date", language)
        if spec.validate == "not_future":
            checks.append(validate.Range(max=today, error=message("not_future", language)))
        elif spec.validate == "not_past":
            checks.append(validate.Range(min=today, error=message("not_past", language)))
        field.validators = checks
        return field
    if spec.type == "integer":
        field = fields.Integer(strict=False, **common)
        field.error_messages["invalid"] = message("integer", language)
        if spec.minimum is not None or spec.maximum is not None:
            checks.append(validate.Range(min=spec.minimum, max=spec.maximum,
                                         error=message("range", language, min=spec.minimum, max=spec.maximum)))
        field.validators = checks
        return field
    if spec.type == "choice":
        values = [c["value"] for c in spec.choices]
        return fields.String(validate=validate.OneOf(values, error=message("choice", language)), **common)
    checks.append(validate.Length(max=spec.max_length, error=message("too_long", language, max=spec.max_length)))
    if spec.required:
        checks.append(validate.Length(min=1, error=message("blank", language)))
    if spec.type == "phone":
        checks.append(validate.Regexp(PHONE_PATTERN, error=message("phone", language)))
    return fields.String(validate=checks, **common)


def form_schema(procedure: Procedure, language: str = "vi", today: date | None = None) -> Schema:
    """The marshmallow schema of ``procedure``'s form (unknown keys ignored)."""
    today = today or date.today()
    spec = {f.name: _field(f, language, today) for f in procedure.fields}
    cls = Schema.from_dict(spec, name=f"Form_{procedure.code.replace('.', '_')}")
    return cls(unknown=EXCLUDE)


def prefilled(procedure: Procedure, identity: Any) -> dict[str, str]:
    """Values of the identity fields that the verified identity carries (read-only on the form).

    VNeID tells the station less than the chip card (no sex, place of origin or residence):
    an identity field the identity does not carry is typed by the citizen and marked as
    self-declared (``SELF_DECLARED`` in the stored form) for the authority to check.
    """
    values: dict[str, str] = {}
    for spec in procedure.fields:
        if spec.prefill:
            value = getattr(identity, spec.prefill, None) if identity is not None else None
            if spec.type == "date" and value and re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(value)):
                value = date.fromisoformat(str(value)).strftime("%d/%m/%Y")
            if value:
                values[spec.name] = str(value)
    return values


SELF_DECLARED = "_self_declared"


def validate_form(procedure: Procedure, submitted: dict[str, Any], identity: Any, language: str = "vi",
                  today: date | None = None) -> tuple[dict[str, Any], dict[str, str]]:
    """(clean JSON-ready data, errors by field) for a submitted form.

    Identity fields the verified identity carries are overwritten with its values before
    validation, so a tampered form cannot change them.
    """
    raw = {spec.name: (str(submitted.get(spec.name, "")).strip() or None) for spec in procedure.fields}
    locked = prefilled(procedure, identity)
    raw.update(locked)
    declared = [spec.name for spec in procedure.fields
                if spec.read_only and spec.name not in locked and raw.get(spec.name)]
    errors: dict[str, str] = {}
    try:
        data = form_schema(procedure, language, today).load(raw)
    except ValidationError as exc:
        data = {}
        for name, problems in exc.messages.items():
            errors.setdefault(str(name), problems[0] if isinstance(problems, list) else str(problems))
    if errors:
        return {}, errors
    clean: dict[str, Any] = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in data.items()}
    if declared:
        clean[SELF_DECLARED] = declared
    return clean, {}


def display_value(spec: FieldSpec, value: Any, language: str = "vi") -> str:
    """How a stored value is shown back (dates dd/mm/yyyy, choices by their label)."""
    if value in (None, ""):
        return ""
    if spec.type == "date" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(value)):
        return date.fromisoformat(str(value)).strftime("%d/%m/%Y")
    if spec.type == "choice":
        for choice in spec.choices:
            if choice["value"] == str(value):
                return choice["en" if language == "en" else "vi"]
    return str(value)
