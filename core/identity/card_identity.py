"""Who a chip ID card says its holder is: DG1 (MRZ) + DG13 (Vietnam's fields) → CardIdentity.

Pure: parsed data groups and an injected ``today`` in, a :class:`CardIdentity` out. Call it
only on data groups that passed :func:`core.identity.passive_auth.passive_authenticate`.

Checks: the ID number in DG13 and in the MRZ agree (and the MRZ document number is its last
nine digits); date of birth, sex and expiry agree between DG13 and the MRZ where both state
them; the ID number's century/sex/year digits fit the date of birth and sex; the card has
not expired. DG13 fields may be absent; then the MRZ is used (the name without diacritics).

Also :func:`mrz_info_from_keypad`: the BAC "MRZ information" from what a citizen types on
the on-screen keypad (ID number, date of birth, expiry date).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from core.errors import StationError, UserInputError
from core.identity.id_number import (
    IdNumber,
    IdNumberError,
    Sex,
    check_consistent,
    parse_id_number,
    parse_sex,
)
from hal.errors import ProtocolError
from hal.protocols.icao import mrz
from hal.protocols.icao.datagroups import Dg13, decode_dg1, decode_dg13
from hal.protocols.icao.mrz import Td1

# --------------------------------------------------------------------------- errors


class CardIdentityError(StationError):
    """The card's identity data cannot be used for a login.

    ``code`` is stable (translations, audit entries); ``vi`` is the Vietnamese sentence.
    Messages never contain the card's data.
    """

    http_status = 403
    exit_code = 2
    code = "card_identity_invalid"

    def __init__(self, message: str, vi: str) -> None:
        super().__init__(message)
        self.vi = vi


class CardExpired(CardIdentityError):
    """The card's expiry date has passed."""

    code = "card_expired"

    def __init__(self) -> None:
        super().__init__(
            "this ID card has expired and cannot be used to log in; renew it at the police "
            "office, or log in with the VNeID app",
            "Thẻ căn cước này đã hết hạn nên không dùng để đăng nhập được; hãy làm thủ tục cấp "
            "đổi tại cơ quan công an, hoặc đăng nhập bằng ứng dụng VNeID",
        )


class CardDataInconsistent(CardIdentityError):
    """Two parts of the card's (signed) data contradict each other."""

    code = "card_inconsistent"

    def __init__(self, problem: str, vi_problem: str) -> None:
        super().__init__(
            f"the card's data is inconsistent: {problem}; the card cannot be used here — "
            "contact the police office that issued it",
            f"Dữ liệu trên thẻ không thống nhất: {vi_problem}; không thể dùng thẻ này — hãy "
            "liên hệ cơ quan công an nơi cấp thẻ",
        )


class CardDataUnreadable(CardIdentityError):
    """A data group could not be decoded."""

    code = "card_unreadable"

    def __init__(self, data_group: str) -> None:
        self.data_group = data_group
        super().__init__(
            f"the card's {data_group} could not be read; hold the card still on the reader "
            "and try again",
            f"Không đọc được {data_group} của thẻ; hãy giữ yên thẻ trên đầu đọc và thử lại",
        )


class DateInputError(UserInputError):
    """A typed date is not a real date in the expected form."""

    code = "date_invalid"

    def __init__(self, field: str, vi_field: str) -> None:
        super().__init__(f"the {field} must be a real date typed as dd/mm/yyyy")
        self.vi = f"{vi_field} phải là một ngày có thật, dạng ngày/tháng/năm (dd/mm/yyyy)"


# --------------------------------------------------------------------------- the identity


@dataclass(frozen=True, repr=False)
class CardIdentity:
    """The holder of a chip ID card, as the card states it. ``repr`` hides everything."""

    id_number: IdNumber
    document_number: str
    full_name: str
    date_of_birth: date | None  # None when the card gives only the year
    birth_year: int
    sex: Sex
    nationality: str | None
    ethnicity: str | None
    religion: str | None
    place_of_origin: str | None
    residence: str | None
    identifying_marks: str | None
    issue_date: date | None
    expiry_date: date | None  # None: the card states no expiry ("Không thời hạn")
    father_name: str | None
    mother_name: str | None
    spouse_name: str | None
    old_id_number: str | None
    name_from_mrz: bool  # no DG13 name: the MRZ name, upper case without diacritics

    def __repr__(self) -> str:
        return "CardIdentity(<hidden>)"

    def is_expired(self, today: date) -> bool:
        """True after the expiry date (the card is valid through its expiry day)."""
        return self.expiry_date is not None and today > self.expiry_date


def card_identity_from_files(dg1: bytes, dg13: bytes | None, today: date) -> CardIdentity:
    """Decode DG1 and DG13 file bytes and :func:`build_card_identity` from them."""
    try:
        td1 = decode_dg1(dg1)
    except ProtocolError:
        raise CardDataUnreadable("DG1 (MRZ)") from None
    personal = None
    if dg13 is not None:
        try:
            personal = decode_dg13(dg13)
        except ProtocolError:
            raise CardDataUnreadable("DG13 (personal data)") from None
    return build_card_identity(td1, personal, today)


def build_card_identity(td1: Td1, dg13: Dg13 | None, today: date) -> CardIdentity:
    """Combine the MRZ and DG13 into a checked :class:`CardIdentity` (see module docstring)."""
    personal = dg13 or Dg13()
    id_number = _id_number(td1, personal)
    sex = _sex(td1, personal, id_number)
    date_of_birth, birth_year = _birth(td1, personal, id_number)
    try:
        check_consistent(id_number, date_of_birth or birth_year, sex)
    except IdNumberError as exc:
        raise CardDataInconsistent(str(exc), exc.vi) from None
    expiry = _expiry(td1, personal)
    if expiry is not None and today > expiry:
        raise CardExpired()
    if personal.full_name:
        full_name, from_mrz = personal.full_name.strip(), False
    else:
        full_name, from_mrz = f"{td1.surname} {td1.given_names}".strip(), True
    return CardIdentity(
        id_number=id_number,
        document_number=td1.document_number,
        full_name=full_name,
        date_of_birth=date_of_birth,
        birth_year=birth_year,
        sex=sex,
        nationality=personal.nationality or td1.nationality or None,
        ethnicity=personal.ethnicity,
        religion=personal.religion,
        place_of_origin=personal.place_of_origin,
        residence=personal.residence,
        identifying_marks=personal.identifying_marks,
        issue_date=_full_date(personal.issue_date),
        expiry_date=expiry,
        father_name=personal.father_name,
        mother_name=personal.mother_name,
        spouse_name=personal.spouse_name,
        old_id_number=personal.old_id_number,
        name_from_mrz=from_mrz,
    )


def _id_number(td1: Td1, personal: Dg13) -> IdNumber:
    from_mrz = td1.personal_id
    from_dg13 = "".join((personal.personal_id or "").split()) or None
    if from_mrz and from_dg13 and from_mrz != from_dg13:
        raise CardDataInconsistent(
            "the ID number in the chip's personal data (DG13) differs from the one in the MRZ",
            "số định danh trong dữ liệu cá nhân của chip (DG13) khác với vùng MRZ",
        )
    text = from_dg13 or from_mrz
    if text is None:
        raise CardDataInconsistent("the card states no 12-digit ID number",
                                   "thẻ không ghi số định danh 12 chữ số")
    try:
        parsed = parse_id_number(text)
    except IdNumberError as exc:
        raise CardDataInconsistent(str(exc), exc.vi) from None
    if td1.document_number != mrz.vn_document_number(parsed.digits):
        raise CardDataInconsistent(
            "the MRZ document number is not the last nine digits of the ID number",
            "số giấy tờ trong vùng MRZ không phải chín chữ số cuối của số định danh",
        )
    return parsed


def _sex(td1: Td1, personal: Dg13, id_number: IdNumber) -> Sex:
    mrz_sex = {"M": Sex.MALE, "F": Sex.FEMALE}.get(td1.sex)
    dg13_sex = None
    if personal.sex:
        try:
            dg13_sex = parse_sex(personal.sex)
        except IdNumberError:
            raise CardDataInconsistent("the sex in DG13 is not Nam or Nữ",
                                       "giới tính trong DG13 không phải Nam hoặc Nữ") from None
    if mrz_sex and dg13_sex and mrz_sex is not dg13_sex:
        raise CardDataInconsistent("the sex in DG13 differs from the MRZ",
                                   "giới tính trong DG13 khác với vùng MRZ")
    return dg13_sex or mrz_sex or id_number.sex


def _birth(td1: Td1, personal: Dg13, id_number: IdNumber) -> tuple[date | None, int]:
    dg13_date, dg13_year = _partial_date(personal.birth_date)
    mrz_date = _yymmdd(td1.birth_date, id_number.century)
    if dg13_date and mrz_date and dg13_date != mrz_date:
        raise CardDataInconsistent("the date of birth in DG13 differs from the MRZ",
                                   "ngày sinh trong DG13 khác với vùng MRZ")
    found = dg13_date or mrz_date
    if found is not None:
        return found, found.year
    if dg13_year is not None:
        return None, dg13_year
    if td1.birth_date[:2].isdigit():  # only the year is known, e.g. "60<<<<"
        return None, id_number.century + int(td1.birth_date[:2])
    raise CardDataInconsistent("the card states no date of birth", "thẻ không ghi ngày sinh")


def _expiry(td1: Td1, personal: Dg13) -> date | None:
    dg13_date = _full_date(personal.expiry_date)
    mrz_date = _yymmdd(td1.expiry_date, 2000)
    if dg13_date and mrz_date and dg13_date != mrz_date:
        raise CardDataInconsistent("the expiry date in DG13 differs from the MRZ",
                                   "ngày hết hạn trong DG13 khác với vùng MRZ")
    # A DG13 text such as "Không thời hạn" (no expiry) and no MRZ date: the card never expires.
    return dg13_date or mrz_date


_DATE_FORMS = (
    re.compile(r"^(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>\d{4})$"),
    re.compile(r"^(?P<d>\d{2})(?P<m>\d{2})(?P<y>\d{4})$"),  # ddmmyyyy typed on a keypad
)
_YEAR_ONLY = re.compile(r"^(?:\d{1,2}[/.-]){0,2}(?P<y>\d{4})$")  # 1960, 03/1960, 00/00/1960


def _full_date(text: str | None) -> date | None:
    if not text:
        return None
    for form in _DATE_FORMS:
        match = form.match(text.strip())
        if match:
            try:
                return date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                return None
    return None


def _partial_date(text: str | None) -> tuple[date | None, int | None]:
    """A full date, or only the year (``00/00/1960``, ``1960``, ``03/1960``)."""
    full = _full_date(text)
    if full is not None:
        return full, full.year
    if not text:
        return None, None
    match = _YEAR_ONLY.match(text.strip())
    return (None, int(match["y"])) if match else (None, None)


def _yymmdd(text: str, century: int) -> date | None:
    if len(text) != 6 or not text.isdigit():
        return None
    try:
        return date(century + int(text[0:2]), int(text[2:4]), int(text[4:6]))
    except ValueError:
        return None


# --------------------------------------------------------------------------- keypad


def parse_keypad_date(text: str, *, field: str = "date", vi_field: str = "Ngày") -> date:
    """A date typed as ``dd/mm/yyyy`` (also ``dd-mm-yyyy``, ``dd.mm.yyyy`` or ``ddmmyyyy``).

    Raises :class:`DateInputError` naming ``field`` when it is not a real date.
    """
    found = _full_date(text)
    if found is None:
        raise DateInputError(field, vi_field)
    return found


def mrz_info_from_keypad(id_number: str, date_of_birth: date, expiry_date: date) -> str:
    """The BAC MRZ information (24 characters) from the numbers a citizen typed.

    Document number = the last nine digits of the 12-digit ID number (Vietnamese TD1
    layout, :func:`hal.protocols.icao.mrz.vn_document_number`), then date of birth and
    expiry date as YYMMDD, each followed by its check digit. Raises
    :class:`~core.identity.id_number.IdNumberError` when the ID number is invalid or its
    birth-year digits do not fit the date of birth — before the card is even tried.
    """
    parsed = check_consistent(parse_id_number(id_number), date_of_birth)
    return mrz.mrz_information(
        mrz.vn_document_number(parsed.digits),
        date_of_birth.strftime("%y%m%d"),
        expiry_date.strftime("%y%m%d"),
    )
