"""VietQR payloads: EMVCo merchant-presented QR for NAPAS 247 transfers, encoded and decoded.

Pure code: text in, values out, no I/O. The format, every decision taken here and the sources
are in ``docs/vietqr.md``; in short:

* A payload is a run of data objects ``ID(2 digits) LEN(2 digits) VALUE``; some values are
  themselves runs of data objects (templates 38, 38.01 and 62). Tag paths such as ``38.01.00``
  name nested objects in error messages.
* ``00`` = ``01`` first; ``01`` = ``11`` static / ``12`` dynamic; ``38`` = {``00``
  ``A000000727``, ``01`` {``00`` bank BIN, ``01`` account or card}, ``02`` ``QRIBFTTA`` /
  ``QRIBFTTC``}; ``53`` = ``704``; ``54`` amount; ``58`` = ``VN``; ``62`` = {``08`` purpose};
  ``63`` = CRC-16/CCITT-FALSE over everything before its four hex digits, always last.
* Payloads are printable ASCII. :func:`encode_vietqr` strips Vietnamese diacritics from the
  purpose (:func:`strip_vietnamese_diacritics`) because many bank apps reject anything else.
* The decoder accepts what EMVCo defines for other schemes (merchant account templates 02-51
  besides 38, 52, 59-61, 64, 80-99, additional data 01-11 and 50-99) and keeps it; it rejects
  reserved tags and the tip/convenience fee tags 55-57, which would change the amount paid.

Errors are :class:`VietQRError` subclasses naming the tag path, offset and problem. They never
quote an account number, amount or purpose, only fixed-vocabulary values such as a currency.
"""

from __future__ import annotations

import binascii
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from core.errors import UserInputError

PAYLOAD_FORMAT = "01"
INITIATION_STATIC = "11"
INITIATION_DYNAMIC = "12"
NAPAS_GUID = "A000000727"
SERVICE_TO_ACCOUNT = "QRIBFTTA"
SERVICE_TO_CARD = "QRIBFTTC"
SERVICE_KINDS = {SERVICE_TO_ACCOUNT: "account", SERVICE_TO_CARD: "card"}
CURRENCY_VND = "704"
COUNTRY_VN = "VN"

MAX_VALUE_LENGTH = 99
MAX_AMOUNT_LENGTH = 13
MAX_AMOUNT = 10**MAX_AMOUNT_LENGTH - 1
MAX_ACCOUNT_LENGTH = 19
MAX_PURPOSE_LENGTH = 25
"""What :func:`encode_vietqr` allows: EMVCo's limit for tag 62.08, kept by NAPAS and bank apps.
The decoder accepts up to 99 characters, the most one data object holds."""

TAG_NAMES = {
    "00": "payload format indicator",
    "01": "point of initiation method",
    "38": "VietQR merchant account information",
    "38.00": "NAPAS GUID",
    "38.01": "beneficiary organisation",
    "38.01.00": "bank BIN",
    "38.01.01": "account or card number",
    "38.02": "service code",
    "52": "merchant category code",
    "53": "transaction currency",
    "54": "transaction amount",
    "55": "tip or convenience indicator",
    "56": "fixed convenience fee",
    "57": "percentage convenience fee",
    "58": "country code",
    "59": "merchant name",
    "60": "merchant city",
    "61": "postal code",
    "62": "additional data field template",
    "62.01": "bill number",
    "62.02": "mobile number",
    "62.03": "store label",
    "62.04": "loyalty number",
    "62.05": "reference label",
    "62.06": "customer label",
    "62.07": "terminal label",
    "62.08": "purpose of transaction",
    "62.09": "additional consumer data request",
    "62.10": "merchant tax ID",
    "62.11": "merchant channel",
    "63": "CRC",
    "64": "merchant information language template",
}

MANDATORY_TOP_LEVEL = ("00", "01", "38", "53", "58", "63")

# Bank Identification Numbers of the State Bank of Vietnam's list of card issuers (as
# transcribed in github.com/subiz/vietqr bank.csv), with the short names NAPAS and the banks
# use (cross-checked against vietqr.io's bank list and github.com/neopayvn/neopay-library).
KNOWN_BINS = {
    "970400": "Saigonbank",
    "970403": "Sacombank",
    "970405": "Agribank",
    "970406": "DongA Bank",
    "970407": "Techcombank",
    "970408": "GPBank",
    "970409": "Bac A Bank",
    "970410": "Standard Chartered",
    "970412": "PVcomBank",
    "970414": "OceanBank",
    "970415": "VietinBank",
    "970416": "ACB",
    "970418": "BIDV",
    "970419": "NCB",
    "970421": "VRB",
    "970422": "MB",
    "970423": "TPBank",
    "970424": "Shinhan Bank",
    "970425": "ABBANK",
    "970426": "MSB",
    "970427": "VietABank",
    "970428": "Nam A Bank",
    "970429": "SCB",
    "970430": "PG Bank",
    "970431": "Eximbank",
    "970432": "VPBank",
    "970433": "VietBank",
    "970434": "Indovina Bank",
    "970436": "Vietcombank",
    "970437": "HDBank",
    "970438": "BaoViet Bank",
    "970439": "Public Bank Vietnam",
    "970440": "SeABank",
    "970441": "VIB",
    "970442": "Hong Leong Bank",
    "970443": "SHB",
    "970444": "CBBank",
    "970446": "Co-opBank",
    "970448": "OCB",
    "970449": "LPBank",
    "970452": "KienlongBank",
    "970454": "BVBank",
    "970455": "IBK Ha Noi",
    "970456": "IBK Ho Chi Minh",
}


def bank_name(bin: str) -> str | None:
    """Short name of the bank with this 6-digit BIN, or ``None`` when it is not in the table."""
    return KNOWN_BINS.get(bin)


# --------------------------------------------------------------------------- errors


def describe_tag(path: str) -> str:
    """``tag 38.01.00 (bank BIN)``: a tag path with its name, for messages."""
    name = TAG_NAMES.get(path)
    return f"tag {path} ({name})" if name else f"tag {path}"


class VietQRError(UserInputError):
    """A VietQR payload or the values to encode one are wrong."""


class MalformedPayloadError(VietQRError):
    """The data-object structure is broken: a bad tag or length field, or a value cut short."""

    def __init__(self, problem: str, *, offset: int, tag: str | None = None) -> None:
        self.offset, self.tag, self.problem = offset, tag, problem
        super().__init__(f"malformed VietQR payload at offset {offset}: {problem}")


class TextEncodingError(MalformedPayloadError):
    """The payload is not UTF-8, or holds a character outside printable ASCII."""


class TrailingDataError(MalformedPayloadError):
    """Characters follow the CRC (tag 63), which must be the last data object."""


class DuplicateTagError(MalformedPayloadError):
    """A tag appears twice at the same level."""


class CRCMismatchError(VietQRError):
    """The CRC in tag 63 does not match the payload: it was altered or misread."""

    def __init__(self, expected: str, found: str) -> None:
        self.expected, self.found = expected, found
        super().__init__(
            f"CRC mismatch: tag 63 says {found} but the payload's contents give {expected}; "
            "the payload was altered or misread, scan or copy it again")


class UnknownTagError(VietQRError):
    """A tag that is reserved or undefined where it appears."""

    def __init__(self, tag: str, *, offset: int) -> None:
        self.tag, self.offset = tag, offset
        parent, _, own = tag.rpartition(".")
        where = f"inside {describe_tag(parent)}" if parent else "at the top level"
        super().__init__(f"unknown tag {own} {where} at offset {offset}")


class UnsupportedTagError(VietQRError):
    """An EMVCo tag that VietQR transfers do not use and the station will not ignore."""

    def __init__(self, tag: str, *, offset: int, reason: str) -> None:
        self.tag, self.offset = tag, offset
        super().__init__(f"{describe_tag(tag)} at offset {offset} is not supported: {reason}")


class MissingTagError(VietQRError):
    """A mandatory tag is absent."""

    def __init__(self, tag: str) -> None:
        self.tag = tag
        super().__init__(f"missing mandatory {describe_tag(tag)}")


class InvalidValueError(VietQRError):
    """A value breaks its rule (wrong currency, BIN not 6 digits, amount not a number...)."""

    def __init__(self, tag: str, problem: str) -> None:
        self.tag, self.problem = tag, problem
        super().__init__(f"{describe_tag(tag)} {problem}")


# --------------------------------------------------------------------------- CRC and text


def crc16_ccitt_false(data: bytes) -> int:
    """CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, xorout 0.

    The EMVCo QR checksum; ``crc16_ccitt_false(b"123456789") == 0x29B1``.
    """
    return binascii.crc_hqx(data, 0xFFFF)  # the stdlib's CRC-CCITT with this initial value


def payload_crc(text_before_crc_value: str) -> str:
    """The four upper-case hex digits for a payload ending in ``6304``."""
    return f"{crc16_ccitt_false(text_before_crc_value.encode('ascii')):04X}"


_VIETNAMESE_LETTERS_WITHOUT_DECOMPOSITION = str.maketrans({"đ": "d", "Đ": "D"})


def strip_vietnamese_diacritics(text: str) -> str:
    """``"Nộp phí Đợt 1"`` → ``"Nop phi Dot 1"``: drop combining marks, map đ/Đ to d/D.

    Bank apps commonly strip diacritics from VietQR purposes and many reject non-ASCII
    payloads, so the encoder does the same. Characters that are not Latin letters with marks
    (emoji, CJK) are left as they are, for the caller's ASCII check to refuse.
    """
    decomposed = unicodedata.normalize("NFD", text.translate(_VIETNAMESE_LETTERS_WITHOUT_DECOMPOSITION))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _first_non_printable_ascii(text: str) -> int | None:
    for index, ch in enumerate(text):
        if not " " <= ch <= "~":
            return index
    return None


# --------------------------------------------------------------------------- value rules

_DIGITS_2 = re.compile(r"[0-9]{2}")
_HEX_4 = re.compile(r"[0-9A-Fa-f]{4}")
_BIN = re.compile(r"[0-9]{6}")
_ACCOUNT = re.compile(rf"[0-9A-Za-z]{{1,{MAX_ACCOUNT_LENGTH}}}")
_CARD = re.compile(r"[0-9]{8,19}")
_MCC = re.compile(r"[0-9]{4}")
_AMOUNT = re.compile(r"(?P<whole>[0-9]+)(?:\.(?P<fraction>[0-9]*))?")


def _quote(value: str) -> str:
    """A fixed-vocabulary value for a message, cut short so garbage stays readable."""
    return repr(value if len(value) <= 16 else value[:16] + "...")


def _check_bin(value: str) -> None:
    if not _BIN.fullmatch(value):
        raise InvalidValueError("38.01.00", "must be 6 digits")


def _check_service(value: str) -> None:
    if value not in SERVICE_KINDS:
        raise InvalidValueError(
            "38.02", f"must be {SERVICE_TO_ACCOUNT} (to an account) or {SERVICE_TO_CARD} "
            f"(to a card), found {_quote(value)}")


def _check_account(value: str, service: str) -> None:
    if service == SERVICE_TO_CARD:
        if not _CARD.fullmatch(value):
            raise InvalidValueError(
                "38.01.01", f"must be a card number of 8 to 19 digits for {SERVICE_TO_CARD} "
                f"(found {len(value)} characters)")
    elif not _ACCOUNT.fullmatch(value):
        raise InvalidValueError(
            "38.01.01", f"must be 1 to {MAX_ACCOUNT_LENGTH} letters or digits "
            f"(found {len(value)} characters)")


def _check_amount(amount: int) -> None:
    if not 1 <= amount <= MAX_AMOUNT:
        raise InvalidValueError("54", f"must be a whole number of dong from 1 to {MAX_AMOUNT}")


def parse_amount(text: str) -> int:
    """Tag 54's text as integer VND.

    EMVCo allows digits with one optional ``.`` decimal mark; VND has no minor unit, so
    ``"50000"``, ``"50000."`` and ``"50000.00"`` are 50000 and ``"50000.5"`` is refused.
    """
    if len(text) > MAX_AMOUNT_LENGTH:
        raise InvalidValueError("54", f"is longer than {MAX_AMOUNT_LENGTH} characters")
    match = _AMOUNT.fullmatch(text)
    if not match:
        raise InvalidValueError("54", "must be digits with at most one '.' decimal mark")
    if (match["fraction"] or "").strip("0"):
        raise InvalidValueError("54", "has a fraction of a dong; VND amounts are whole numbers")
    amount = int(match["whole"])
    if amount == 0:
        raise InvalidValueError("54", "must not be zero; leave tag 54 out for an open amount")
    return amount


# --------------------------------------------------------------------------- the value


@dataclass(frozen=True)
class VietQR:
    """One VietQR transfer request, as decoded or to be encoded.

    ``additional_data`` holds tag 62's data objects other than the purpose (08), and
    ``other_templates`` the top-level data objects of other schemes (merchant account
    templates 02-51 besides 38, 64, 80-99), both as sorted ``(tag, raw value)`` pairs.
    ``crc`` is what the decoded payload carried; it takes no part in equality.
    """

    bin: str
    account: str
    service: str = SERVICE_TO_ACCOUNT
    dynamic: bool = False
    amount: int | None = None
    purpose: str | None = None
    merchant_category: str | None = None
    merchant_name: str | None = None
    merchant_city: str | None = None
    postal_code: str | None = None
    additional_data: tuple[tuple[str, str], ...] = ()
    other_templates: tuple[tuple[str, str], ...] = ()
    crc: str | None = field(default=None, compare=False)

    payload_format = PAYLOAD_FORMAT
    guid = NAPAS_GUID
    currency = CURRENCY_VND
    country = COUNTRY_VN

    @property
    def initiation(self) -> str:
        """``"dynamic"`` (one payment, tag 01 = 12) or ``"static"`` (reusable, 11)."""
        return "dynamic" if self.dynamic else "static"

    @property
    def service_kind(self) -> str:
        """``"account"`` for QRIBFTTA, ``"card"`` for QRIBFTTC."""
        return SERVICE_KINDS[self.service]

    @property
    def bank(self) -> str | None:
        """The bank's short name from :data:`KNOWN_BINS`, or ``None``."""
        return bank_name(self.bin)

    def to_payload(self) -> str:
        """The canonical payload: tags in ascending order, CRC last.

        The result is checked by :func:`decode_vietqr`, so it raises what the decoder would.
        """
        beneficiary = _tlv("38.01.00", self.bin) + _tlv("38.01.01", self.account)
        merchant_account = (_tlv("38.00", NAPAS_GUID) + _tlv("38.01", beneficiary)
                            + _tlv("38.02", self.service))
        top = {
            "00": PAYLOAD_FORMAT,
            "01": INITIATION_DYNAMIC if self.dynamic else INITIATION_STATIC,
            "38": merchant_account,
            "53": CURRENCY_VND,
            "58": COUNTRY_VN,
        }
        optional = {"52": self.merchant_category, "59": self.merchant_name,
                    "60": self.merchant_city, "61": self.postal_code,
                    "54": None if self.amount is None else str(self.amount)}
        top.update({tag: value for tag, value in optional.items() if value is not None})
        additional = dict(self.additional_data)
        if self.purpose is not None:
            additional["08"] = self.purpose
        if additional:
            top["62"] = "".join(_tlv(f"62.{tag}", additional[tag]) for tag in sorted(additional))
        top.update(dict(self.other_templates))
        body = "".join(_tlv(tag, top[tag]) for tag in sorted(top)) + "6304"
        payload = body + payload_crc(body)
        decode_vietqr(payload)
        return payload

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields, for the CLI and the payment service."""
        return {
            "payload_format": self.payload_format,
            "initiation": self.initiation,
            "guid": self.guid,
            "bin": self.bin,
            "bank": self.bank,
            "account": self.account,
            "service": self.service,
            "service_kind": self.service_kind,
            "currency": self.currency,
            "amount": self.amount,
            "country": self.country,
            "purpose": self.purpose,
            "crc": self.crc if self.crc is not None else self.to_payload()[-4:],
            "merchant_category": self.merchant_category,
            "merchant_name": self.merchant_name,
            "merchant_city": self.merchant_city,
            "postal_code": self.postal_code,
            "additional_data": dict(self.additional_data),
            "other_templates": dict(self.other_templates),
        }


def _tlv(path: str, value: str) -> str:
    if not value:
        raise InvalidValueError(path, "must not be empty")
    if len(value) > MAX_VALUE_LENGTH:
        raise InvalidValueError(
            path, f"is {len(value)} characters long; one data object holds at most {MAX_VALUE_LENGTH}")
    return f"{path.rpartition('.')[2]}{len(value):02d}{value}"


# --------------------------------------------------------------------------- encoding


def encode_vietqr(bin: str, account: str, amount: int | None = None, purpose: str | None = None,
                  dynamic: bool = False, service: str = SERVICE_TO_ACCOUNT) -> str:
    """Build the payload for a NAPAS 247 transfer to ``account`` at the bank ``bin``.

    ``amount`` is whole VND (1 to 13 digits) or ``None`` to let the payer type it; ``purpose``
    (tag 62.08) loses its Vietnamese diacritics and must then be 1 to 25 printable ASCII
    characters; ``dynamic`` marks a one-payment code (tag 01 = 12) rather than a reusable
    one; ``service`` is ``QRIBFTTA`` (account) or ``QRIBFTTC`` (card number).
    Raises :class:`InvalidValueError` naming the tag and the rule broken.
    """
    if not isinstance(service, str):
        raise InvalidValueError("38.02", "must be text")
    _check_service(service)
    if not isinstance(bin, str):
        raise InvalidValueError("38.01.00", "must be text of 6 digits")
    _check_bin(bin)
    if not isinstance(account, str):
        raise InvalidValueError("38.01.01", "must be text")
    _check_account(account, service)
    if amount is not None:
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise InvalidValueError("54", "must be an integer number of dong")
        _check_amount(amount)
    if purpose is not None:
        purpose = _purpose_for_encoding(purpose)
    if not isinstance(dynamic, bool):
        raise InvalidValueError("01", "dynamic must be True or False")
    return VietQR(bin=bin, account=account, service=service, dynamic=dynamic, amount=amount,
                  purpose=purpose).to_payload()


def _purpose_for_encoding(purpose: str) -> str:
    if not isinstance(purpose, str):
        raise InvalidValueError("62.08", "must be text")
    ascii_purpose = strip_vietnamese_diacritics(purpose)
    if _first_non_printable_ascii(ascii_purpose) is not None:
        raise InvalidValueError(
            "62.08", "may hold only printable ASCII once Vietnamese diacritics are removed")
    if not 1 <= len(ascii_purpose) <= MAX_PURPOSE_LENGTH:
        raise InvalidValueError(
            "62.08", f"must be 1 to {MAX_PURPOSE_LENGTH} characters (found {len(ascii_purpose)})")
    return ascii_purpose


# --------------------------------------------------------------------------- decoding


class _DataObject(NamedTuple):
    path: str
    value: str
    offset: int
    """Where the tag's two digits start in the payload."""

    @property
    def tag(self) -> str:
        return self.path.rpartition(".")[2]

    @property
    def value_offset(self) -> int:
        return self.offset + 4


def decode_vietqr(payload: str | bytes) -> VietQR:
    """Parse and check a VietQR payload; raise a :class:`VietQRError` saying what is wrong.

    Trailing whitespace (a scanner's line ending) is ignored. Checks run in this order:
    text encoding, data-object structure, CRC, tags allowed, mandatory tags, values.
    """
    text = _payload_text(payload)
    objects = _parse_data_objects(text, 0, len(text), parent=None)
    _check_crc(text, objects)
    top = _index(objects)
    for obj in objects:
        _check_top_level_tag(obj)
    if objects[0].tag != "00":
        if "00" in top:
            raise MalformedPayloadError("tag 00 must be the first data object", offset=0, tag="00")
        raise MissingTagError("00")
    for tag in MANDATORY_TOP_LEVEL:
        if tag not in top:
            raise MissingTagError(tag)

    _expect_exactly(top["00"], PAYLOAD_FORMAT)
    initiation = top["01"].value
    if initiation not in (INITIATION_STATIC, INITIATION_DYNAMIC):
        raise InvalidValueError(
            "01", f"must be {INITIATION_STATIC} (static) or {INITIATION_DYNAMIC} (dynamic), "
            f"found {_quote(initiation)}")
    bin_, account, service = _decode_merchant_account(text, top["38"])
    _expect_exactly(top["53"], CURRENCY_VND, "(VND)")
    _expect_exactly(top["58"], COUNTRY_VN)
    if "52" in top and not _MCC.fullmatch(top["52"].value):
        raise InvalidValueError("52", "must be 4 digits (ISO 18245)")
    amount = parse_amount(top["54"].value) if "54" in top else None
    purpose, additional = _decode_additional_data(text, top["62"]) if "62" in top else (None, ())
    other = tuple(sorted((obj.tag, obj.value) for obj in objects if _is_other_scheme(int(obj.tag))))

    def optional(tag: str) -> str | None:
        return top[tag].value if tag in top else None

    return VietQR(
        bin=bin_, account=account, service=service, dynamic=initiation == INITIATION_DYNAMIC,
        amount=amount, purpose=purpose, merchant_category=optional("52"),
        merchant_name=optional("59"), merchant_city=optional("60"), postal_code=optional("61"),
        additional_data=additional, other_templates=other, crc=top["63"].value.upper())


def _payload_text(payload: str | bytes) -> str:
    if isinstance(payload, bytes | bytearray | memoryview):
        raw = bytes(payload)
        try:
            payload = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise TextEncodingError(f"byte {exc.start} is not valid UTF-8", offset=exc.start) from None
    if not isinstance(payload, str):
        raise TypeError(f"a VietQR payload is str or bytes, not {type(payload).__name__}")
    text = payload.rstrip(" \t\r\n")
    if not text:
        raise MalformedPayloadError("the payload is empty", offset=0)
    bad = _first_non_printable_ascii(text)
    if bad is not None:
        raise TextEncodingError(
            f"character {bad} is not printable ASCII; VietQR payloads are ASCII "
            "(Vietnamese diacritics are stripped)", offset=bad)
    return text


def _parse_data_objects(text: str, start: int, end: int, parent: str | None) -> list[_DataObject]:
    """Split ``text[start:end]`` into data objects; at the top level, stop after tag 63."""
    objects = []
    inside = f" inside {describe_tag(parent)}" if parent else ""
    offset = start
    while offset < end:
        if end - offset < 4:
            raise MalformedPayloadError(
                f"{end - offset} stray characters{inside} where a data object (2-digit tag, "
                "2-digit length) should start", offset=offset)
        tag, length = text[offset:offset + 2], text[offset + 2:offset + 4]
        if not _DIGITS_2.fullmatch(tag):
            raise MalformedPayloadError(f"expected a 2-digit tag{inside}", offset=offset)
        path = f"{parent}.{tag}" if parent else tag
        if not _DIGITS_2.fullmatch(length):
            raise MalformedPayloadError(
                f"{describe_tag(path)} has a length field that is not 2 digits",
                offset=offset + 2, tag=path)
        size = int(length)
        remaining = end - offset - 4
        if size == 0:
            raise MalformedPayloadError(
                f"{describe_tag(path)} declares length 00; empty data objects are not allowed",
                offset=offset, tag=path)
        if size > remaining:
            raise MalformedPayloadError(
                f"{describe_tag(path)} declares {size} characters but only {remaining} remain"
                f"{inside}", offset=offset, tag=path)
        objects.append(_DataObject(path, text[offset + 4:offset + 4 + size], offset))
        offset += 4 + size
        if parent is None and tag == "63" and offset < end:
            raise TrailingDataError(
                f"{end - offset} characters follow the CRC (tag 63), which must be the last "
                "data object", offset=offset, tag="63")
    return objects


def _check_crc(text: str, objects: list[_DataObject]) -> None:
    crc = objects[-1]
    if crc.tag != "63":
        raise MissingTagError("63")
    if not _HEX_4.fullmatch(crc.value):
        raise InvalidValueError("63", "must be 4 hexadecimal digits")
    expected = payload_crc(text[:crc.value_offset])
    if crc.value.upper() != expected:
        raise CRCMismatchError(expected=expected, found=crc.value.upper())


def _index(objects: list[_DataObject]) -> dict[str, _DataObject]:
    by_tag: dict[str, _DataObject] = {}
    for obj in objects:
        if obj.tag in by_tag:
            raise DuplicateTagError(f"{describe_tag(obj.path)} appears twice", offset=obj.offset,
                                    tag=obj.path)
        by_tag[obj.tag] = obj
    return by_tag


def _is_other_scheme(tag: int) -> bool:
    """Merchant account information of other schemes (02-51 but 38) and templates 64, 80-99."""
    return (2 <= tag <= 51 and tag != 38) or tag == 64 or 80 <= tag <= 99


_TIP_OR_FEE = "a tip or convenience fee changes the amount paid; VietQR transfers carry none"
_UNSUPPORTED_TOP_LEVEL = {55: _TIP_OR_FEE, 56: _TIP_OR_FEE, 57: _TIP_OR_FEE}


def _check_top_level_tag(obj: _DataObject) -> None:
    tag = int(obj.tag)
    if tag in _UNSUPPORTED_TOP_LEVEL:
        raise UnsupportedTagError(obj.path, offset=obj.offset, reason=_UNSUPPORTED_TOP_LEVEL[tag])
    if not (tag <= 1 or _is_other_scheme(tag) or tag == 38 or 52 <= tag <= 63):
        raise UnknownTagError(obj.path, offset=obj.offset)


def _expect_exactly(obj: _DataObject, expected: str, note: str = "") -> None:
    if obj.value != expected:
        suffix = f" {note}" if note else ""
        raise InvalidValueError(obj.path, f"must be '{expected}'{suffix}, found {_quote(obj.value)}")


def _template(text: str, obj: _DataObject, allowed: set[str]) -> dict[str, _DataObject]:
    children = _parse_data_objects(text, obj.value_offset, obj.value_offset + len(obj.value),
                                   parent=obj.path)
    for child in children:
        if child.tag not in allowed:
            raise UnknownTagError(child.path, offset=child.offset)
    return _index(children)


def _require(children: dict[str, _DataObject], parent: str, *tags: str) -> None:
    for tag in tags:
        if tag not in children:
            raise MissingTagError(f"{parent}.{tag}")


def _decode_merchant_account(text: str, obj: _DataObject) -> tuple[str, str, str]:
    children = _template(text, obj, {"00", "01", "02"})
    _require(children, "38", "00", "01", "02")
    _expect_exactly(children["00"], NAPAS_GUID)
    service = children["02"].value
    _check_service(service)
    beneficiary = _template(text, children["01"], {"00", "01"})
    _require(beneficiary, "38.01", "00", "01")
    bin_, account = beneficiary["00"].value, beneficiary["01"].value
    _check_bin(bin_)
    _check_account(account, service)
    return bin_, account, service


# 62.01-62.11 are EMVCo's; 12-49 are reserved; 50-99 are payment-system specific templates.
_ADDITIONAL_DATA_TAGS = {f"{n:02d}" for n in (*range(1, 12), *range(50, 100))}


def _decode_additional_data(text: str, obj: _DataObject) -> tuple[str | None, tuple[tuple[str, str], ...]]:
    children = _template(text, obj, _ADDITIONAL_DATA_TAGS)
    purpose = children.pop("08").value if "08" in children else None
    return purpose, tuple(sorted((tag, child.value) for tag, child in children.items()))
