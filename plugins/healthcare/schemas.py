"""Form schemas (marshmallow): what each POST accepts, with messages a person can act on."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from sdk import UserInputError, pick


class PrescriptionCodeForm(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=32))


class CartItemForm(Schema):
    sku = fields.String(required=True, validate=validate.Length(min=1, max=16))
    qty = fields.Integer(load_default=1, validate=validate.Range(min=0, max=1000))


class BookingForm(Schema):
    slot_id = fields.String(required=True, validate=validate.Length(min=3, max=40))
    share_screening = fields.Boolean(load_default=False)


class PayForm(Schema):
    attempt = fields.String(required=True, validate=validate.Length(min=8, max=64))


def load_form(schema: type[Schema], data: Any) -> dict[str, Any]:
    """Validate ``data`` (a form) with ``schema``; :class:`sdk.UserInputError` on bad input."""
    try:
        return schema().load({k: v for k, v in data.items() if k != "csrf_token"}, unknown="exclude")
    except ValidationError as exc:
        fields_named = ", ".join(sorted(exc.messages)) if isinstance(exc.messages, dict) else ""
        raise UserInputError(pick(f"Thông tin chưa hợp lệ: {fields_named}.",
                                  f"Please check what you entered: {fields_named}.")) from None


def quantities_from_form(data: Any, prefix: str = "qty_") -> dict[str, int]:
    """``{sku: n}`` from fields named ``qty_<sku>``; blank means 0."""
    out = {}
    for key, value in data.items():
        if key.startswith(prefix):
            text = (value or "0").strip() or "0"
            if not (text.isascii() and text.isdigit()):
                raise UserInputError(pick("Số lượng phải là số nguyên không âm.",
                                          "Quantities must be whole numbers, 0 or more."))
            out[key[len(prefix):]] = int(text)
    return out
