"""ICAO 9303-10 data groups: EF.COM, DG1 (MRZ), DG2 (face), DG13 (Vietnam's personal data).

Pure encode/decode. Every decoder raises only :class:`~hal.errors.ProtocolError` on bad
input, so a corrupt chip can never crash the reader.

DG13 on Vietnamese chip ID cards is issuer-defined: a SET (here: tag 31 inside the 6D
wrapper) of SEQUENCE { INTEGER n, value }, where value is a UTF8String (13 = a SEQUENCE of
the father's and the mother's names). The decoder also accepts the sequences directly
under 6D, other string types, absent fields and unknown field numbers (kept in ``extra``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from hal.errors import ProtocolError
from hal.protocols.icao import tlv
from hal.protocols.icao.mrz import Td1, parse_td1

TAG_COM = 0x60
TAG_DG1 = 0x61
TAG_DG2 = 0x75
TAG_DG13 = 0x6D
TAG_SOD = 0x77

#: Data group number → the tag its file starts with (as listed in EF.COM).
DG_TAGS = {1: TAG_DG1, 2: TAG_DG2, 13: TAG_DG13}
FILE_TAGS = {"COM": TAG_COM, "DG1": TAG_DG1, "DG2": TAG_DG2, "DG13": TAG_DG13, "SOD": TAG_SOD}

# ASN.1 universal tags used in DG13.
_INTEGER = 0x02
_OCTET_STRING = 0x04
_UTF8_STRING = 0x0C
_SEQUENCE = 0x30
_SET = 0x31
_STRING_TAGS = {_UTF8_STRING, 0x13, 0x16, 0x1E, _OCTET_STRING}


# --------------------------------------------------------------------------- EF.COM


@dataclass(frozen=True)
class Com:
    """EF.COM: LDS version, Unicode version and the tags of the data groups present."""

    lds_version: str
    unicode_version: str
    tags: tuple[int, ...]


def encode_com(tags: tuple[int, ...], lds_version: str = "0107", unicode_version: str = "040000") -> bytes:
    body = tlv.encode_many(
        [(0x5F01, lds_version.encode()), (0x5F36, unicode_version.encode()), (0x5C, bytes(tags))]
    )
    return tlv.encode(TAG_COM, body)


def decode_com(data: bytes) -> Com:
    items = tlv.decode_single(data, TAG_COM).children()
    version = tlv.find(items, 0x5F01)
    unicode = tlv.find(items, 0x5F36)
    tag_list = tlv.find(items, 0x5C)
    if tag_list is None:
        raise ProtocolError("EF.COM lacks the data group tag list")
    return Com(
        lds_version=_ascii(version.value) if version else "",
        unicode_version=_ascii(unicode.value) if unicode else "",
        tags=tuple(tag_list.value),
    )


# --------------------------------------------------------------------------- DG1


def encode_dg1(lines: tuple[str, ...]) -> bytes:
    return tlv.encode(TAG_DG1, tlv.encode(0x5F1F, "".join(lines).encode("ascii")))


def decode_dg1(data: bytes) -> Td1:
    """The TD1 MRZ stored in DG1 (check digits verified)."""
    mrz = tlv.find(tlv.decode_single(data, TAG_DG1).children(), 0x5F1F)
    if mrz is None:
        raise ProtocolError("DG1 lacks the MRZ data object")
    return parse_td1(_ascii(mrz.value))


# --------------------------------------------------------------------------- DG2

_FACE_HEADER = b"FAC\x00010\x00"
IMAGE_TYPE_JPEG = 0
IMAGE_TYPE_JPEG2000 = 1


@dataclass(frozen=True)
class FaceImage:
    """The portrait in DG2 (ISO/IEC 19794-5 facial record inside a CBEFF template)."""

    mime_type: str
    width: int
    height: int
    data: bytes


def encode_dg2(image: bytes, width: int, height: int, image_type: int = IMAGE_TYPE_JPEG) -> bytes:
    """DG2 with one ISO 19794-5 (2005) facial record holding ``image``."""
    face_info = (
        (0).to_bytes(2, "big")  # feature points
        + bytes([0, 0, 0])  # gender, eye colour, hair colour: unspecified
        + bytes(3)  # property mask
        + bytes(2)  # expression
        + bytes(3)  # pose angles
        + bytes(3)  # pose angle uncertainty
    )
    image_info = (
        bytes([1, image_type])  # full frontal, data type
        + width.to_bytes(2, "big")
        + height.to_bytes(2, "big")
        + bytes([1, 2])  # colour space sRGB, source: digital still camera
        + bytes(2)  # device type
        + bytes(2)  # quality
    )
    block = face_info + image_info + image
    block_length = 4 + len(block)
    record = (
        _FACE_HEADER
        + (14 + block_length).to_bytes(4, "big")
        + (1).to_bytes(2, "big")
        + block_length.to_bytes(4, "big")
        + block
    )
    header = tlv.encode_many([(0x80, b"\x01\x01"), (0x81, b"\x02"), (0x87, b"\x01\x01"), (0x88, b"\x00\x08")])
    bit = tlv.encode(0x7F60, tlv.encode(0xA1, header) + tlv.encode(0x5F2E, record))
    return tlv.encode(TAG_DG2, tlv.encode(0x7F61, tlv.encode(_INTEGER, b"\x01") + bit))


def decode_dg2(data: bytes) -> FaceImage:
    """The first portrait in DG2."""
    group = tlv.find(tlv.decode_single(data, TAG_DG2).children(), 0x7F61)
    if group is None:
        raise ProtocolError("DG2 lacks the biometric information group template")
    template = tlv.find(group.children(), 0x7F60)
    if template is None:
        raise ProtocolError("DG2 lacks a biometric information template")
    children = template.children()
    block = tlv.find(children, 0x5F2E) or tlv.find(children, 0x7F2E)
    if block is None:
        raise ProtocolError("DG2 lacks the biometric data block")
    return _decode_facial_record(block.value)


def _decode_facial_record(record: bytes) -> FaceImage:
    if not record.startswith(b"FAC\x00") or len(record) < 14 + 4 + 20 + 12:
        raise ProtocolError("DG2 facial record has no ISO 19794-5 header")
    pos = 14
    block_length = int.from_bytes(record[pos : pos + 4], "big")
    feature_points = int.from_bytes(record[pos + 4 : pos + 6], "big")
    image_info = pos + 4 + 16 + feature_points * 8
    image_start = image_info + 12
    block_end = pos + block_length
    if block_end > len(record) or image_start > block_end:
        raise ProtocolError("DG2 facial record length is inconsistent")
    image_type = record[image_info + 1]
    width = int.from_bytes(record[image_info + 2 : image_info + 4], "big")
    height = int.from_bytes(record[image_info + 4 : image_info + 6], "big")
    mime = {IMAGE_TYPE_JPEG: "image/jpeg", IMAGE_TYPE_JPEG2000: "image/jp2"}.get(
        image_type, "application/octet-stream"
    )
    return FaceImage(mime, width, height, bytes(record[image_start:block_end]))


# --------------------------------------------------------------------------- DG13

#: Field number → attribute name of :class:`Dg13`.
DG13_FIELDS = {
    1: "personal_id",
    2: "full_name",
    3: "birth_date",  # dd/mm/yyyy
    4: "sex",  # "Nam" / "Nữ"
    5: "nationality",
    6: "ethnicity",
    7: "religion",
    8: "place_of_origin",
    9: "residence",
    10: "identifying_marks",
    11: "issue_date",  # dd/mm/yyyy
    12: "expiry_date",  # dd/mm/yyyy, or text such as "Không thời hạn"
    14: "spouse_name",
    15: "old_id_number",
}
PARENTS_FIELD = 13


@dataclass(frozen=True)
class Dg13:
    """Vietnam's personal data in DG13. Absent fields are ``None``."""

    personal_id: str | None = None
    full_name: str | None = None
    birth_date: str | None = None
    sex: str | None = None
    nationality: str | None = None
    ethnicity: str | None = None
    religion: str | None = None
    place_of_origin: str | None = None
    residence: str | None = None
    identifying_marks: str | None = None
    issue_date: str | None = None
    expiry_date: str | None = None
    father_name: str | None = None
    mother_name: str | None = None
    spouse_name: str | None = None
    old_id_number: str | None = None
    extra: dict[int, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        """Present fields only (unknown numbered fields under ``extra``)."""
        data = {k: v for k, v in asdict(self).items() if v not in (None, {})}
        return data


def encode_dg13(values: Dg13) -> bytes:
    """DG13 holding every non-empty field of ``values``, in field-number order."""
    entries: list[tuple[int, bytes]] = []
    for number, name in DG13_FIELDS.items():
        text = getattr(values, name)
        if text is not None:
            entries.append((number, tlv.encode(_UTF8_STRING, text.encode("utf-8"))))
    if values.father_name is not None or values.mother_name is not None:
        parents = b"".join(
            tlv.encode(_UTF8_STRING, (name or "").encode("utf-8"))
            for name in (values.father_name, values.mother_name)
        )
        entries.append((PARENTS_FIELD, tlv.encode(_SEQUENCE, parents)))
    for number, text in values.extra.items():
        entries.append((number, tlv.encode(_UTF8_STRING, text.encode("utf-8"))))
    entries.sort(key=lambda item: item[0])
    body = b"".join(
        tlv.encode(_SEQUENCE, tlv.encode(_INTEGER, _encode_integer(n)) + value) for n, value in entries
    )
    return tlv.encode(TAG_DG13, tlv.encode(_SET, body))


def decode_dg13(data: bytes) -> Dg13:
    """Parse DG13, tolerating absent fields, unknown field numbers and layout variants."""
    outer = tlv.decode_single(data, TAG_DG13)
    found: dict[str, str | None] = {}
    extra: dict[int, str] = {}
    for number, values in _dg13_entries(outer.value, depth=0):
        if number == PARENTS_FIELD:
            names = [v for v in values]
            found["father_name"] = names[0] if names else None
            found["mother_name"] = names[1] if len(names) > 1 else None
        elif number in DG13_FIELDS:
            found[DG13_FIELDS[number]] = values[0] if values else None
        elif values:
            extra[number] = " / ".join(values)
    return Dg13(**found, extra=extra)


def _dg13_entries(data: bytes, depth: int) -> list[tuple[int, list[str]]]:
    if depth > 3:
        raise ProtocolError("DG13 nests too deep")
    entries: list[tuple[int, list[str]]] = []
    for item in tlv.decode_all(data):
        if item.tag in (_SET, _SEQUENCE):
            children = item.children()
            if children and children[0].tag == _INTEGER and item.tag == _SEQUENCE:
                number = _decode_integer(children[0].value)
                entries.append((number, _strings(children[1:], depth=0)))
            else:
                entries.extend(_dg13_entries(item.value, depth + 1))
        # other tags at this level (e.g. a version INTEGER) are ignored
    return entries


def _strings(items: list[tlv.Tlv], depth: int) -> list[str]:
    if depth > 3:
        raise ProtocolError("DG13 value nests too deep")
    out: list[str] = []
    for item in items:
        if item.tag in _STRING_TAGS:
            out.append(_text(item))
        elif item.tag in (_SEQUENCE, _SET):
            out.extend(_strings(item.children(), depth + 1))
    return out


def _text(item: tlv.Tlv) -> str:
    if item.tag == 0x1E:  # BMPString
        return item.value.decode("utf-16-be", "replace")
    return item.value.decode("utf-8", "replace")


def _encode_integer(number: int) -> bytes:
    return number.to_bytes(max(1, (number.bit_length() + 8) // 8), "big", signed=True)


def _decode_integer(raw: bytes) -> int:
    if not raw or len(raw) > 4:
        raise ProtocolError("DG13 field number is not a small INTEGER")
    return int.from_bytes(raw, "big", signed=True)


def _ascii(raw: bytes) -> str:
    try:
        return raw.decode("ascii")
    except UnicodeDecodeError:
        raise ProtocolError("expected ASCII text in the data group") from None
