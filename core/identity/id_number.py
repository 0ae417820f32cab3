"""Vietnam's 12-digit personal ID number (số định danh cá nhân): ``PPP G YY NNNNNN``.

* ``PPP`` — province (or, for births registered abroad, country) of birth registration,
  see :mod:`core.identity.provinces`;
* ``G`` — century of birth and sex: 0/1 = 1900s male/female, 2/3 = 2000s, 4/5 = 2100s,
  6/7 = 2200s, 8/9 = 2300s;
* ``YY`` — the last two digits of the birth year;
* ``NNNNNN`` — six random digits. There is no check digit.

Sources: Decree 137/2015/NĐ-CP Article 13 (structure) and Circular 07/2016/TT-BCA Article 7
(century/sex codes, province codes), carried on by Circular 59/2021/TT-BCA.

The number is personal data: it never appears in an exception message or a ``repr``.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from core.errors import UserInputError
from core.identity.provinces import PROVINCES, current_province_name

ID_NUMBER_LENGTH = 12


class Sex(StrEnum):
    """Sex as printed on the card (Nam / Nữ) and in the MRZ (M / F)."""

    MALE = "male"
    FEMALE = "female"


class IdNumberError(UserInputError):
    """A personal ID number is malformed or disagrees with the person's other data.

    ``code`` is a stable identifier for translations and audit entries; ``vi`` is the
    Vietnamese sentence, the exception text the English one. Neither contains the number.
    """

    code = "id_number_invalid"

    def __init__(self, message: str, vi: str, code: str | None = None) -> None:
        super().__init__(message)
        self.vi = vi
        if code is not None:
            self.code = code


class IdNumberMismatch(IdNumberError):
    """The ID number's century/sex/year digits disagree with the date of birth or sex."""

    code = "id_number_mismatch"


# G digit → (first year of the century, sex).
_CENTURY_SEX = {
    0: (1900, Sex.MALE), 1: (1900, Sex.FEMALE),
    2: (2000, Sex.MALE), 3: (2000, Sex.FEMALE),
    4: (2100, Sex.MALE), 5: (2100, Sex.FEMALE),
    6: (2200, Sex.MALE), 7: (2200, Sex.FEMALE),
    8: (2300, Sex.MALE), 9: (2300, Sex.FEMALE),
}
_SEX_WORDS = {
    "m": Sex.MALE, "male": Sex.MALE, "nam": Sex.MALE,
    "f": Sex.FEMALE, "female": Sex.FEMALE, "nữ": Sex.FEMALE, "nu": Sex.FEMALE,
}


@dataclass(frozen=True, repr=False)
class IdNumber:
    """A syntactically valid personal ID number and what its digits say.

    Its ``repr`` shows nothing personal, so it is safe in logs and tracebacks.
    """

    digits: str
    province_code: str
    province_name: str
    sex: Sex
    birth_year: int

    def __repr__(self) -> str:
        return "IdNumber(<hidden>)"

    @property
    def century(self) -> int:
        """The first year of the birth century (1900, 2000, ...)."""
        return self.birth_year - self.birth_year % 100

    @property
    def current_province_name(self) -> str | None:
        """The province the registration area belongs to since the 2025 merger."""
        return current_province_name(self.province_code)

    @property
    def masked(self) -> str:
        """The number with all but the last three digits hidden, for screens and receipts."""
        return "•" * (ID_NUMBER_LENGTH - 3) + self.digits[-3:]


def parse_id_number(text: str) -> IdNumber:
    """Parse and validate a 12-digit personal ID number.

    Spaces (as people type them in groups) are ignored. Raises :class:`IdNumberError`
    naming the problem: empty, not only digits, wrong length, unknown province code.
    """
    digits = "".join(text.split()) if isinstance(text, str) else ""
    if not digits:
        raise IdNumberError("the ID number is empty", "Chưa nhập số định danh cá nhân", "id_number_empty")
    if not (digits.isascii() and digits.isdigit()):
        raise IdNumberError(
            "the ID number may contain only digits",
            "Số định danh cá nhân chỉ gồm các chữ số",
            "id_number_not_digits",
        )
    if len(digits) != ID_NUMBER_LENGTH:
        raise IdNumberError(
            f"the ID number has {len(digits)} digits; it must have {ID_NUMBER_LENGTH}",
            f"Số định danh cá nhân có {len(digits)} chữ số; cần đủ {ID_NUMBER_LENGTH} chữ số",
            "id_number_length",
        )
    province_code = digits[0:3]
    name = PROVINCES.get(province_code)
    if name is None:
        raise IdNumberError(
            "the ID number's province code (first three digits) is unknown",
            "Mã tỉnh (ba chữ số đầu) của số định danh cá nhân không tồn tại",
            "id_number_province",
        )
    century, sex = _CENTURY_SEX[int(digits[3])]
    return IdNumber(
        digits=digits,
        province_code=province_code,
        province_name=name,
        sex=sex,
        birth_year=century + int(digits[4:6]),
    )


def parse_sex(value: Sex | str) -> Sex:
    """``Sex`` from ``Sex``, ``M``/``F``, ``male``/``female`` or ``Nam``/``Nữ``."""
    if isinstance(value, Sex):
        return value
    found = _SEX_WORDS.get(unicodedata.normalize("NFC", str(value)).strip().lower())
    if found is None:
        raise IdNumberError("the sex is not recognised (expected Nam/Nữ or M/F)",
                            "Không nhận ra giới tính (Nam/Nữ hoặc M/F)", "sex_unknown")
    return found


def check_consistent(
    id_number: IdNumber | str,
    date_of_birth: date | int,
    sex: Sex | str | None = None,
) -> IdNumber:
    """Check that the ID number agrees with a date of birth (or birth year) and sex.

    ``sex`` may be None when the source does not state it (the year is still checked).
    Returns the parsed number; raises :class:`IdNumberMismatch` saying which part disagrees
    (never the values themselves).
    """
    parsed = id_number if isinstance(id_number, IdNumber) else parse_id_number(id_number)
    year = date_of_birth if isinstance(date_of_birth, int) else date_of_birth.year
    if sex is not None and parse_sex(sex) is not parsed.sex:
        raise IdNumberMismatch(
            "the sex digit of the ID number (4th digit) does not match the person's sex",
            "Chữ số giới tính (chữ số thứ 4) của số định danh không khớp với giới tính",
        )
    if year - year % 100 != parsed.century:
        raise IdNumberMismatch(
            "the century digit of the ID number (4th digit) does not match the date of birth",
            "Chữ số thế kỷ (chữ số thứ 4) của số định danh không khớp với ngày sinh",
        )
    if year != parsed.birth_year:
        raise IdNumberMismatch(
            "the birth-year digits of the ID number (5th and 6th) do not match the date of birth",
            "Hai chữ số năm sinh (thứ 5 và 6) của số định danh không khớp với ngày sinh",
        )
    return parsed


def compose_id_number(province_code: str, birth_year: int, sex: Sex | str, serial: int) -> str:
    """Build a 12-digit ID number (for simulators and tests) from its parts.

    Raises ``ValueError`` for an unknown province, a year outside 1900–2399 or a serial
    outside 0–999999.
    """
    if province_code not in PROVINCES:
        raise ValueError("unknown province code")
    if not 1900 <= birth_year <= 2399:
        raise ValueError("birth year must be within 1900–2399")
    if not 0 <= serial <= 999_999:
        raise ValueError("serial must have at most six digits")
    century_index = (birth_year - 1900) // 100
    gender_digit = century_index * 2 + (1 if parse_sex(sex) is Sex.FEMALE else 0)
    return f"{province_code}{gender_digit}{birth_year % 100:02d}{serial:06d}"
