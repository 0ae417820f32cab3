"""Form validation (marshmallow): transfers, receive-QR requests and statement periods.

Amounts are whole VND; the kiosk keypad may send "1.500.000" or "1 500 000" — separators are
dropped, anything else is refused. Error messages are bilingual.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validates_schema

from sdk import UserInputError, pick
from sdk.banks import bank_name

from .service import NAPAS_MAX_VND, TransferDraft

ACCOUNT_NUMBER = re.compile(r"^[0-9A-Za-z]{6,19}$")
CARD_NUMBER = re.compile(r"^[0-9]{16,19}$")
_SEPARATORS = re.compile(r"[., ]")
_AMOUNT = re.compile(r"[0-9]{1,15}|[0-9]{1,3}(?:[., ][0-9]{3}){1,4}")


def _msg(vi: str, en: str) -> str:
    return pick(vi, en)


REQUIRED = {"required": "Vui lòng điền đủ thông tin. / Please fill in every field."}


class AmountField(fields.Field):
    """An integer number of đồng; separators allowed, decimals and signs refused."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> int:
        text = str(value or "").strip()
        # ASCII digits, optionally grouped by threes ("1.500.000"): "1000.5", "²", "１０００００" are refused,
        # never reinterpreted
        if not _AMOUNT.fullmatch(text):
            raise ValidationError(_msg("Số tiền phải là số nguyên đồng, ví dụ 1.500.000.",
                                       "The amount must be a whole number of đồng, e.g. 1.500.000."))
        return int(_SEPARATORS.sub("", text))


def _plain_text(value: str) -> str:
    if any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in value):
        raise ValidationError(_msg("Nội dung có ký tự không hợp lệ.", "The text has characters that are not allowed."))
    return value


class TransferSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    def __init__(self, own_bin: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.own_bin = own_bin

    from_account = fields.String(required=True, error_messages=REQUIRED)
    to_bin = fields.String(required=True, error_messages=REQUIRED)
    to_kind = fields.String(load_default="account")
    to_number = fields.String(required=True, error_messages=REQUIRED)
    amount = AmountField(required=True, error_messages=REQUIRED)
    description = fields.String(load_default="")

    @validates_schema
    def _check(self, data: dict[str, Any], **_: Any) -> None:
        own_bin = self.own_bin
        errors: dict[str, str] = {}
        if not re.fullmatch(r"[0-9]{6}", data["to_bin"]) or (data["to_bin"] != own_bin
                                                              and bank_name(data["to_bin"]) is None):
            errors["to_bin"] = _msg("Vui lòng chọn ngân hàng nhận.", "Please choose the receiving bank.")
        kind, number = data.get("to_kind"), data["to_number"].replace(" ", "")
        if kind not in ("account", "card"):
            errors["to_kind"] = _msg("Chọn tài khoản hoặc thẻ.", "Choose account or card.")
        elif kind == "account" and not ACCOUNT_NUMBER.fullmatch(number):
            errors["to_number"] = _msg("Số tài khoản gồm 6–19 chữ số hoặc chữ cái.",
                                       "An account number has 6-19 digits or letters.")
        elif kind == "card" and not CARD_NUMBER.fullmatch(number):
            errors["to_number"] = _msg("Số thẻ gồm 16–19 chữ số.", "A card number has 16-19 digits.")
        if not 1000 <= data["amount"] <= NAPAS_MAX_VND:
            errors["amount"] = _msg("Số tiền từ 1.000 ₫ đến 499.999.999 ₫ mỗi giao dịch.",
                                    "The amount must be between 1.000 ₫ and 499.999.999 ₫ per transfer.")
        description = data.get("description", "").strip()
        if len(description) > 100:
            errors["description"] = _msg("Nội dung tối đa 100 ký tự.", "The description is at most 100 characters.")
        else:
            try:
                _plain_text(description)
            except ValidationError as exc:
                errors["description"] = str(exc.messages[0])
        if errors:
            raise ValidationError(errors)

    @post_load
    def _build(self, data: dict[str, Any], **_: Any) -> TransferDraft:
        return TransferDraft(data["from_account"], data["to_bin"], data["to_kind"], data["to_number"].replace(" ", ""),
                             data["amount"], data.get("description", "").strip() or "Chuyen tien")


class ReceiveSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    account = fields.String(required=True, error_messages=REQUIRED)
    amount = AmountField(load_default=None)
    purpose = fields.String(load_default="")

    @validates_schema
    def _check(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("amount") is not None and not 1000 <= data["amount"] <= NAPAS_MAX_VND:
            raise ValidationError({"amount": _msg("Số tiền từ 1.000 ₫ đến 499.999.999 ₫.",
                                                  "The amount must be between 1.000 ₫ and 499.999.999 ₫.")})
        if len(data.get("purpose", "")) > 25:
            raise ValidationError({"purpose": _msg("Nội dung tối đa 25 ký tự.", "The purpose is at most 25 characters.")})


STATEMENT_EARLIEST, STATEMENT_LATEST = date(1970, 1, 2), date(2199, 12, 31)


class StatementSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    account = fields.String(required=True, error_messages=REQUIRED)
    start = fields.Date(required=True, format="%Y-%m-%d", error_messages=REQUIRED)
    end = fields.Date(required=True, format="%Y-%m-%d", error_messages=REQUIRED)

    @validates_schema
    def _check(self, data: dict[str, Any], **_: Any) -> None:
        for name in ("start", "end"):  # 0001-01-01 or 9999-12-31 would overflow the day arithmetic
            if not STATEMENT_EARLIEST <= data[name] <= STATEMENT_LATEST:
                raise ValidationError({name: _msg("Ngày sao kê không hợp lệ.", "The statement date is not valid.")})
        if data["end"] < data["start"]:
            raise ValidationError({"end": _msg("Ngày kết thúc phải sau ngày bắt đầu.",
                                               "The end date must not be before the start date.")})


def load(schema: Schema, form: Any) -> Any:
    """Validate ``form`` or raise :class:`sdk.UserInputError` listing every problem."""
    raw = {key: form.get(key) for key in form.keys()} if hasattr(form, "keys") else dict(form)
    raw = {key: value for key, value in raw.items() if value not in (None, "")}
    try:
        return schema.load(raw)
    except ValidationError as exc:
        raise UserInputError(" ".join(_flatten(exc.messages))) from None


def field_errors(schema: Schema, form: Any) -> tuple[Any, dict[str, str]]:
    """Validate ``form``: ``(result, {})`` or ``(None, {field: message})`` to show next to each field."""
    raw = {key: form.get(key) for key in form.keys()} if hasattr(form, "keys") else dict(form)
    raw = {key: value for key, value in raw.items() if value not in (None, "")}
    try:
        return schema.load(raw), {}
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        return None, {key: " ".join(_flatten(value)) for key, value in messages.items()}


def _flatten(messages: Any) -> list[str]:
    if isinstance(messages, dict):
        return [text for value in messages.values() for text in _flatten(value)]
    if isinstance(messages, list):
        return [text for value in messages for text in _flatten(value)]
    return [str(messages)]
