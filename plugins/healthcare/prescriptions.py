"""E-prescription rules — pure functions on plain values, no I/O.

National e-prescription code: 14 characters — 12 letters or digits (the issuing facility's
5-character code, which may hold letters, then 7) + ``-`` + the type: ``c`` basic, ``n`` narcotic, ``h`` psychotropic / precursor,
``y`` traditional medicine. The 12 characters are kept in the case they were issued in (the
national system's codes are case-sensitive); only the type letter, always lower case in an
issued code, is lower-cased. A prescription is collected within
5 days of issue; it may be dispensed partly, across visits, up to the prescribed quantity;
at most 30 days of medicine (90 for listed chronic diseases).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

CODE_PATTERN = re.compile(r"^(?P<facility>[A-Za-z0-9]{5})(?P<serial>[A-Za-z0-9]{7})-(?P<type>[cnhy])$", re.ASCII)
COLLECTION_WINDOW_DAYS = 5
MAX_DAYS = 30
MAX_DAYS_CHRONIC = 90
KIOSK_TYPES = frozenset({"c", "y"})
TYPE_NAMES = {"c": {"vi": "Đơn thuốc thường", "en": "Basic prescription"},
              "n": {"vi": "Đơn thuốc gây nghiện", "en": "Narcotic prescription"},
              "h": {"vi": "Đơn thuốc hướng thần, tiền chất", "en": "Psychotropic / precursor prescription"},
              "y": {"vi": "Đơn thuốc y học cổ truyền", "en": "Traditional medicine prescription"}}


class PrescriptionRefused(Exception):
    """The kiosk may not dispense this prescription; ``reason`` is a machine label."""

    def __init__(self, reason: str, message: dict[str, str]) -> None:
        super().__init__(reason)
        self.reason, self.message = reason, message


def normalize_code(text: str) -> str:
    """Strip spaces and lower-case the type letter; the 12 first characters keep their case."""
    raw = "".join(text.split())
    if len(raw) >= 2 and raw[-2] == "-":
        return raw[:-2] + "-" + raw[-1].lower()
    return raw


def parse_code(text: str) -> tuple[str, str]:
    """``(normalized code, type)``; ``ValueError`` with a plain message when malformed."""
    code = normalize_code(text)
    match = CODE_PATTERN.match(code)
    if len(code) != 14 or match is None:
        raise ValueError("A prescription code has 14 characters: 12 letters or digits, a dash and the "
                         "type letter (c, n, h or y), e.g. 79013K7Q2M9X-c; type it as printed.")
    return code, match["type"]


@dataclass(frozen=True)
class RxLine:
    """One medicine on a prescription: prescribed and already dispensed quantities."""

    drug_code: str
    name: str
    unit: dict[str, str]
    quantity: int
    dispensed: int
    dosage: dict[str, str]

    @property
    def remaining(self) -> int:
        return max(0, self.quantity - self.dispensed)


@dataclass(frozen=True)
class Prescription:
    """A prescription as the national system returns it."""

    code: str
    type: str
    patient_id_number: str
    issued_on_day: int               # days since epoch (UTC+7 calendar day) of issue
    days_supply: int
    chronic: bool
    prescriber: str
    facility: str
    lines: tuple[RxLine, ...] = field(default_factory=tuple)

    @property
    def fully_dispensed(self) -> bool:
        return all(line.remaining == 0 for line in self.lines)


def local_day(epoch_seconds: float) -> int:
    """The calendar day (days since 1970-01-01) in Vietnam (UTC+7)."""
    return int((epoch_seconds + 7 * 3600) // 86400)


def check_kiosk_dispensable(rx: Prescription, today: int) -> None:
    """Raise :class:`PrescriptionRefused` unless the kiosk may dispense ``rx`` today.

    Called only after the right-person check: the messages may talk about the prescription.
    """
    if rx.type not in KIOSK_TYPES:
        raise PrescriptionRefused("controlled_type", {
            "vi": "Đơn thuốc gây nghiện, hướng thần hoặc tiền chất chỉ được cấp trực tiếp bởi dược sĩ tại quầy. "
                  "Vui lòng mang giấy tờ tùy thân đến nhà thuốc.",
            "en": "Narcotic, psychotropic and precursor prescriptions are dispensed only by a pharmacist in "
                  "person. Please bring your ID to the pharmacy counter."})
    if today - rx.issued_on_day > COLLECTION_WINDOW_DAYS:
        raise PrescriptionRefused("collection_window_passed", {
            "vi": f"Đơn thuốc đã quá {COLLECTION_WINDOW_DAYS} ngày kể từ ngày kê. Vui lòng đi khám lại để được kê đơn mới.",
            "en": f"More than {COLLECTION_WINDOW_DAYS} days have passed since the prescription was issued. "
                  "Please see your doctor for a new one."})
    if rx.days_supply > (MAX_DAYS_CHRONIC if rx.chronic else MAX_DAYS):
        raise PrescriptionRefused("too_many_days", {
            "vi": "Số ngày dùng thuốc vượt quá mức cho phép; vui lòng gặp dược sĩ.",
            "en": "The prescription covers more days than allowed; please see a pharmacist."})
    if rx.fully_dispensed:
        raise PrescriptionRefused("fully_dispensed", {
            "vi": "Đơn thuốc này đã được cấp đủ.", "en": "This prescription has already been fully dispensed."})


def plan_dispensing(rx: Prescription, requested: Mapping[str, int], stock: Mapping[str, int]) -> dict[str, int]:
    """The quantities to dispense now: each ``0 ≤ n ≤ min(remaining, stock)``, at least one > 0.

    ``ValueError`` with a plain message when a quantity is out of bounds.
    """
    plan: dict[str, int] = {}
    by_code = {line.drug_code: line for line in rx.lines}
    unknown = set(requested) - set(by_code)
    if unknown:
        raise ValueError("A medicine that is not on this prescription was requested.")
    for code, amount in requested.items():
        line = by_code[code]
        if amount < 0:
            raise ValueError("Quantities cannot be negative.")
        if amount > line.remaining:
            raise ValueError(f"At most {line.remaining} {line.unit['en']} of {line.name} remain on the prescription.")
        if amount > stock.get(code, 0):
            raise ValueError(f"Only {stock.get(code, 0)} {line.unit['en']} of {line.name} are in stock.")
        if amount:
            plan[code] = amount
    if not plan:
        raise ValueError("Choose at least one medicine to collect.")
    return plan


def price_lines(plan: Mapping[str, int], prices: Mapping[str, int]) -> tuple[list[tuple[str, int, int]], int]:
    """``([(code, quantity, line total)], total)`` in integer VND."""
    lines = [(code, qty, qty * prices[code]) for code, qty in plan.items()]
    return lines, sum(total for _, _, total in lines)
