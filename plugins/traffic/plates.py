"""Vietnamese licence plates: parse, validate and normalise (pure functions).

Formats (Circular 24/2023/TT-BCA on vehicle registration and plates):

* car (ô tô): 2-digit locality code, a series of one or two letters, five digits —
  ``51F-123.45``, ``29A-123.45``, ``30LD-123.45``; older four-digit plates ``29A-1234``;
* motorbike (xe mô tô, xe gắn máy): locality code, a series of a letter and a digit, five
  digits — ``59-X1 123.45`` (older four-digit ``59-X1 1234``);
* e-bike (xe máy điện): the series ``MĐ`` and a digit — ``29-MĐ1 123.45``.

Input is forgiving (lower case, missing dash, dot or space, ``MD`` for ``MĐ``); the result is
always the canonical printed form. Series letters exclude I, J, O, Q and W, which plates do
not use. Locality codes run from 11 to 99.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sdk import UserInputError

VEHICLE_TYPES = {"car": {"vi": "Ô tô", "en": "Car"},
                 "motorbike": {"vi": "Xe máy", "en": "Motorbike"},
                 "ebike": {"vi": "Xe máy điện", "en": "E-bike"}}
UNUSED_LETTERS = frozenset("IJOQW")
_CAR = re.compile(r"^(\d{2})([A-Z]{1,2})-?(\d{3})\.?(\d{2})$|^(\d{2})([A-Z]{1,2})-?(\d{4})$")
_BIKE = re.compile(r"^(\d{2})-?([A-Z]\d)[ -]?(?:(\d{3})\.?(\d{2})|(\d{4}))$")
_EBIKE = re.compile(r"^(\d{2})-?(MĐ\d)[ -]?(?:(\d{3})\.?(\d{2})|(\d{4}))$")
EXAMPLES = {"car": "51F-123.45", "motorbike": "59-X1 123.45", "ebike": "29-MĐ1 123.45"}


class InvalidPlate(UserInputError):
    """The plate is not written as Vietnamese plates are; the message shows the right form."""

    def __init__(self, en: str, vi: str) -> None:
        super().__init__(en)
        self.vi = vi


@dataclass(frozen=True)
class Plate:
    """A validated plate: canonical text, vehicle type, locality code and series."""

    text: str
    vehicle_type: str
    locality: str
    series: str


def _clean(raw: str) -> str:
    text = " ".join(str(raw).upper().split())
    return text.replace("MD", "MĐ")


def parse_plate(raw: str, vehicle_type: str) -> Plate:
    """Validate ``raw`` as a plate of ``vehicle_type`` (car, motorbike, ebike); raise :class:`InvalidPlate`."""
    if vehicle_type not in VEHICLE_TYPES:
        raise InvalidPlate("Choose the vehicle type: car, motorbike or e-bike.",
                           "Hãy chọn loại xe: ô tô, xe máy hoặc xe máy điện.")
    text = _clean(raw)
    if not text:
        raise InvalidPlate("Enter the plate number.", "Hãy nhập biển số xe.")
    example = EXAMPLES[vehicle_type]
    if vehicle_type == "car":
        match = _CAR.match(text.replace(" ", ""))
        if not match:
            raise InvalidPlate(f"A car plate looks like {example} or 29A-123.45: two digits, one or two "
                               "letters, five digits.",
                               f"Biển số ô tô có dạng {example} hoặc 29A-123.45: 2 chữ số, 1–2 chữ cái, 5 chữ số.")
        if match.group(1):
            locality, series, digits = match.group(1), match.group(2), f"{match.group(3)}.{match.group(4)}"
        else:
            locality, series, digits = match.group(5), match.group(6), match.group(7)
        letters = series
        canonical = f"{locality}{series}-{digits}"
    else:
        pattern = _EBIKE if vehicle_type == "ebike" else _BIKE
        match = pattern.match(text)
        if not match:
            kind = ("An e-bike plate looks like", "Biển số xe máy điện có dạng") if vehicle_type == "ebike" else (
                "A motorbike plate looks like", "Biển số xe máy có dạng")
            raise InvalidPlate(f"{kind[0]} {example}.", f"{kind[1]} {example}.")
        locality, series = match.group(1), match.group(2)
        digits = f"{match.group(3)}.{match.group(4)}" if match.group(3) else match.group(5)
        letters = series[:-1] if vehicle_type == "motorbike" else ""
        canonical = f"{locality}-{series} {digits}"
    if not 11 <= int(locality) <= 99:
        raise InvalidPlate(f"{locality} is not a locality code; plates start with a code from 11 to 99.",
                           f"{locality} không phải mã địa phương; biển số bắt đầu bằng mã từ 11 đến 99.")
    bad = sorted(set(letters) & UNUSED_LETTERS)
    if bad:
        raise InvalidPlate(f"The letter {bad[0]} is not used on plates.",
                           f"Chữ {bad[0]} không được dùng trên biển số.")
    return Plate(canonical, vehicle_type, locality, series)
