"""Field-by-field comparison of a partner system's record with the chip card's verified data.

Values are compared after normalising what carries no meaning: Unicode form, letter case,
spaces and punctuation, the usual address abbreviations (``P.`` phường, ``Q.`` quận, ``TP``
thành phố, ``Tx.`` thị xã...), the old and new tone-mark placement (``Hóa``/``Hoá``,
``Thủy``/``Thuỷ``), and — when the partner system stores names without Vietnamese
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
#: old-style tone placement (on the first vowel of oa, oe, uy) → the new style (on the second)
_TONES = {f"{marked}{second}": f"{first}{new}"
          for first, second, olds, news in (("o", "a", "óòỏõọ", "áàảãạ"), ("o", "e", "óòỏõọ", "éèẻẽẹ"),
                                            ("u", "y", "úùủũụ", "ýỳỷỹỵ"))
          for marked, new in zip(olds, news, strict=True)}


@dataclass(frozen=True)
class Mismatch:
    """One field a partner system holds differently from the card."""

    system: str
    field: str
    held: str
    card: str
    correctable: bool
    pending: str | None = None  # the reference of an update request the system has not applied yet


def _plain(text: str) -> str:
    """Without diacritics (đ → d), for systems that store ASCII."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def normalise(field: str, value: Any, ascii_only: bool = False) -> str:
    """The comparable form of ``value`` for ``field``."""
    text = unicodedata.normalize("NFC", str(value or "")).casefold().strip()
    for old, new in _TONES.items():
        text = text.replace(old, new)
    if field == "address":
        for pattern, replacement in _ABBREVIATIONS:
            text = re.sub(pattern, replacement, text)
    if field == "sex":
        text = {"nam": "m", "male": "m", "m": "m", "nữ": "f", "nu": "f", "female": "f", "f": "f"}.get(text, text)
    text = re.sub(r"[\s,.;:/\\-]+", " ", text).strip()
    return _plain(text) if ascii_only else text


def compare(system: str, fields: dict[str, Any], card: dict[str, Any], correctable: set[str],
            pending: dict[str, str] | None = None) -> list[Mismatch]:
    """The fields of one record that differ from the card (fields the card lacks are skipped);
    ``pending``: field → reference of an update request already sent and not applied yet."""
    found = []
    for field, held in fields.items():
        card_value = card.get(CARD_FIELD.get(field, ""))
        if field not in FIELDS or held in (None, "") or card_value in (None, ""):
            continue
        ascii_only = str(held).isascii() and not str(card_value).isascii()
        if normalise(field, held, ascii_only) != normalise(field, card_value, ascii_only):
            found.append(Mismatch(system, field, str(held), str(card_value), field in correctable,
                                  (pending or {}).get(field)))
    return found
