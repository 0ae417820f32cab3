"""Field-by-field comparison of a partner system's record with the chip card's verified data.

Values are compared after normalising what carries no meaning: Unicode form, letter case,
spaces and punctuation, the usual address abbreviations (``P.`` phường, ``Q.`` quận, ``TP``
thành phố, ``Tx.`` thị xã...), and — when the partner system stores names without Vietnamese
diacritics, as banks do (``NGUYEN VAN AN``) — the diacritics. Anything else that differs is
a mismatch the citizen is shown.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

#: The card's fields a partner record may be compared with, and their names for citizens.
FIELDS = {
    "full_name": ("Họ và tên", "Full name"),
    "date_of_birth": ("Ngày sinh", "Date of birth"),
    "sex": ("Giới tính", "Sex"),
    "address": ("Địa chỉ", "Address"),
}
#: which card field a partner's field is compared with
CARD_FIELD = {"full_name": "full_name", "date_of_birth": "date_of_birth", "sex": "sex", "address": "residence"}
_ABBREVIATIONS = ((r"\bp\.\s*", "phường "), (r"\bq\.\s*", "quận "), (r"\btp\.?\s*", "thành phố "),
                  (r"\btx\.\s*", "thị xã "), (r"\bx\.\s*", "xã "), (r"\bh\.\s*", "huyện "), (r"\bt\.\s*", "tỉnh "),
                  (r"\bsố\s+", ""), (r"\bphố\s+", ""))


@dataclass(frozen=True)
class Mismatch:
    """One field a partner system holds differently from the card."""

    system: str
    field: str
    held: str
    card: str
    correctable: bool


def _plain(text: str) -> str:
    """Without diacritics (đ → d), for systems that store ASCII."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def normalise(field: str, value: Any, ascii_only: bool = False) -> str:
    """The comparable form of ``value`` for ``field``."""
    text = unicodedata.normalize("NFC", str(value or "")).casefold().strip()
    if field == "address":
        for pattern, replacement in _ABBREVIATIONS:
            text = re.sub(pattern, replacement, text)
    if field == "sex":
        text = {"nam": "m", "male": "m", "m": "m", "nữ": "f", "nu": "f", "female": "f", "f": "f"}.get(text, text)
    text = re.sub(r"[\s,.;:/\\-]+", " ", text).strip()
    return _plain(text) if ascii_only else text


def compare(system: str, fields: dict[str, Any], card: dict[str, Any], correctable: set[str]) -> list[Mismatch]:
    """The fields of one record that differ from the card (fields the card lacks are skipped)."""
    found = []
    for field, held in fields.items():
        card_value = card.get(CARD_FIELD.get(field, ""))
        if field not in FIELDS or held in (None, "") or card_value in (None, ""):
            continue
        ascii_only = str(held).isascii() and not str(card_value).isascii()
        if normalise(field, held, ascii_only) != normalise(field, card_value, ascii_only):
            found.append(Mismatch(system, field, str(held), str(card_value), field in correctable))
    return found
