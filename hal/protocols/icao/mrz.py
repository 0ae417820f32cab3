"""Machine readable zone (ICAO 9303 part 3/5) — TD1 (3 × 30) and the BAC "MRZ information".

Vietnamese chip ID card (CCCD / thẻ căn cước) layout used by this project::

    line 1  IDVNM <doc no: last 9 digits of the 12-digit ID> <cd> <12-digit ID> << <cd of the ID>
    line 2  <YYMMDD birth> <cd> <M|F> <YYMMDD expiry> <cd> VNM <11 × '<'> <composite cd>
    line 3  <SURNAME<<GIVEN<NAMES, no diacritics, '<'-padded>

i.e. the document number field holds the last 9 digits of the personal ID number, the full
12-digit number sits at the start of the optional data, and line 1 position 30 carries the
check digit of that 12-digit number, as on the cards. The parser accepts any optional data
(older cards and other documents carry other things there).

Document numbers longer than 9 characters (ICAO 9303-5, TD1 note j): the first 9 go in the
document-number field, its check-digit position holds a filler ``<``, and the rest of the
number, then its check digit (computed over the whole number), then a ``<`` start the
optional data. :func:`parse_td1` reads them back whole, and :func:`mrz_information` uses the
whole number and its check digit, as ICAO 9303-11 asks for BAC.

Check digit: weights 7, 3, 1 repeating; digits count as their value, A–Z as 10–35, ``<``
as 0; the sum mod 10.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from hal.errors import ProtocolError

TD1_LINE_LENGTH = 30
MAX_DOCUMENT_NUMBER = 22
"""9 in the number field + up to 13 in TD1 optional data (then the check digit and a filler)."""
MAX_MRZ_INFORMATION = MAX_DOCUMENT_NUMBER + 15
_WEIGHTS = (7, 3, 1)
_ALLOWED = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<")


def char_value(char: str) -> int:
    """ICAO value of one MRZ character."""
    if char.isdigit():
        return int(char)
    if "A" <= char <= "Z":
        return ord(char) - ord("A") + 10
    if char == "<":
        return 0
    raise ValueError(f"not an MRZ character: {char!r}")


def check_digit(field: str) -> str:
    """The check digit (as a one-character string) of an MRZ field."""
    total = sum(char_value(c) * _WEIGHTS[i % 3] for i, c in enumerate(field))
    return str(total % 10)


def pad(text: str, length: int) -> str:
    """Right-pad with ``<`` (raises if too long)."""
    if len(text) > length:
        raise ValueError(f"{text!r} longer than {length}")
    return text + "<" * (length - len(text))


def transliterate_name(name: str) -> str:
    """Vietnamese name → MRZ characters: strip diacritics (Đ → D), upper case, spaces → ``<``."""
    text = name.replace("Đ", "D").replace("đ", "d")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).upper()
    return "".join(c if c in _ALLOWED else "<" for c in text.replace(" ", "<"))


def mrz_information(document_number: str, birth_date: str, expiry_date: str) -> str:
    """The BAC key seed input: doc number + cd, birth YYMMDD + cd, expiry YYMMDD + cd.

    A document number longer than 9 characters is used whole, with the check digit of the
    whole number (ICAO 9303-11; on a TD1 it is split between the number field and the
    optional data, see :func:`parse_td1`).
    """
    number = document_number.upper()
    number = pad(number, 9) if len(number) <= 9 else number
    if not set(number) <= _ALLOWED:
        raise ValueError("the document number holds characters an MRZ cannot")
    for date in (birth_date, expiry_date):
        if len(date) != 6 or not date.isdigit():
            raise ValueError("dates must be YYMMDD")
    return (
        number
        + check_digit(number)
        + birth_date
        + check_digit(birth_date)
        + expiry_date
        + check_digit(expiry_date)
    )


def vn_document_number(personal_id: str) -> str:
    """The 9-digit MRZ document number of a Vietnamese chip ID: the last 9 ID digits."""
    if len(personal_id) != 12 or not personal_id.isdigit():
        raise ValueError("a personal ID number has 12 digits")
    return personal_id[-9:]


def validate_mrz_information(text: str) -> str:
    """Check a typed/scanned MRZ information string and its three check digits.

    24 characters for a document number of 9 (or fewer) characters, more for a longer one
    (number, its check digit, birth date + cd, expiry date + cd). Returns the normalised
    string; raises ``ValueError`` naming the field that is wrong.
    """
    text = text.strip().upper().replace(" ", "")
    if not 24 <= len(text) <= MAX_MRZ_INFORMATION or not set(text) <= _ALLOWED:
        raise ValueError("MRZ information must be the document number, birth date and expiry "
                         "with their check digits (24 characters or more)")
    for name, field, digit in (
        ("document number", text[:-15], text[-15]),
        ("date of birth", text[-14:-8], text[-8]),
        ("expiry date", text[-7:-1], text[-1]),
    ):
        if check_digit(field) != digit:
            raise ValueError(f"the check digit of the {name} does not match")
    return text


@dataclass(frozen=True)
class Td1:
    """A parsed TD1 MRZ."""

    document_code: str
    issuing_state: str
    document_number: str
    optional_data_1: str
    birth_date: str  # YYMMDD
    sex: str  # M, F or <
    expiry_date: str  # YYMMDD
    nationality: str
    optional_data_2: str
    surname: str
    given_names: str
    lines: tuple[str, str, str]

    @property
    def mrz_information(self) -> str:
        """The BAC key seed input of this document."""
        return mrz_information(self.document_number, self.birth_date, self.expiry_date)

    @property
    def personal_id(self) -> str | None:
        """The 12-digit Vietnamese personal ID from the optional data, if present."""
        candidate = self.optional_data_1[:12]
        return candidate if candidate.isdigit() and len(candidate) == 12 else None


def compose_td1(
    *,
    document_number: str,
    birth_date: str,
    sex: str,
    expiry_date: str,
    surname: str,
    given_names: str,
    issuing_state: str = "VNM",
    nationality: str = "VNM",
    document_code: str = "ID",
    optional_data_1: str = "",
    optional_data_2: str = "",
) -> tuple[str, str, str]:
    """Build the three TD1 lines with all check digits.

    A document number longer than 9 characters is split as ICAO 9303-5 says: 9 in the number
    field, ``<`` in its check-digit position, the rest + the check digit + ``<`` in front of
    ``optional_data_1``.
    """
    if len(document_number) > 9:
        if len(document_number) > MAX_DOCUMENT_NUMBER:
            raise ValueError(f"a TD1 document number has at most {MAX_DOCUMENT_NUMBER} characters")
        head = document_number[:9] + "<"
        optional_data_1 = document_number[9:] + check_digit(document_number) + "<" + optional_data_1
    else:
        number = pad(document_number, 9)
        head = number + check_digit(number)
    line1 = pad(document_code, 2) + pad(issuing_state, 3) + head
    line1 += pad(optional_data_1, 15)
    line2_head = birth_date + check_digit(birth_date) + sex
    line2_head += expiry_date + check_digit(expiry_date) + pad(nationality, 3)
    line2_head += pad(optional_data_2, 11)
    composite_input = line1[5:30] + line2_head[0:7] + line2_head[8:15] + line2_head[18:29]
    line2 = line2_head + check_digit(composite_input)
    name = transliterate_name(surname) + "<<" + transliterate_name(given_names)
    line3 = pad(name[:TD1_LINE_LENGTH], TD1_LINE_LENGTH)
    return line1, line2, line3


def vn_td1(
    *, personal_id: str, birth_date: str, sex: str, expiry_date: str, surname: str, given_names: str
) -> tuple[str, str, str]:
    """TD1 lines of a Vietnamese chip ID card (see the module docstring for the layout):
    the optional data is the 12-digit ID, two fillers and the ID's check digit (position 30)."""
    return compose_td1(
        document_number=vn_document_number(personal_id),
        birth_date=birth_date,
        sex=sex,
        expiry_date=expiry_date,
        surname=surname,
        given_names=given_names,
        optional_data_1=personal_id + "<<" + check_digit(personal_id),
    )


def parse_td1(text: str | tuple[str, ...] | list[str], *, verify: bool = True) -> Td1:
    """Parse a TD1 MRZ given as three lines or as the 90 characters of DG1.

    With ``verify`` every check digit is checked; a bad one is a :class:`ProtocolError`.
    """
    joined = "".join(text) if not isinstance(text, str) else text.replace("\n", "")
    if len(joined) != 90 or not set(joined) <= _ALLOWED:
        raise ProtocolError("a TD1 MRZ has 3 lines of 30 MRZ characters")
    l1, l2, l3 = joined[0:30], joined[30:60], joined[60:90]
    document_number, number_check, optional_1 = l1[5:14].rstrip("<"), l1[14], l1[15:30]
    if number_check == "<" and optional_1[:1] not in ("", "<"):
        # ICAO 9303-5: a long number continues in the optional data, then its check digit, "<".
        rest, filler, after = optional_1.partition("<")
        if len(rest) < 2 or len(l1[5:14].rstrip("<")) != 9:
            raise ProtocolError("MRZ document number continues in the optional data without a check digit")
        document_number, number_check, optional_1 = l1[5:14] + rest[:-1], rest[-1], after
    if verify:
        composite = l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29]
        number_field = document_number if len(document_number) > 9 else l1[5:14]
        for name, field, digit in (
            ("document number", number_field, number_check),
            ("date of birth", l2[0:6], l2[6]),
            ("expiry date", l2[8:14], l2[14]),
            ("composite", composite, l2[29]),
        ):
            if check_digit(field) != digit:
                raise ProtocolError(f"MRZ check digit of the {name} does not match")
    surname, _, given = l3.partition("<<")
    return Td1(
        document_code=l1[0:2].rstrip("<"),
        issuing_state=l1[2:5].rstrip("<"),
        document_number=document_number,
        optional_data_1=optional_1.rstrip("<"),
        birth_date=l2[0:6],
        sex=l2[7],
        expiry_date=l2[8:14],
        nationality=l2[15:18].rstrip("<"),
        optional_data_2=l2[18:29].rstrip("<"),
        surname=surname.replace("<", " ").strip(),
        given_names=given.replace("<", " ").strip(),
        lines=(l1, l2, l3),
    )
