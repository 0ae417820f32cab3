"""Seeded test citizens on simulated chip ID cards.

All people here are invented. Their 12-digit personal ID numbers follow the real layout
``PPP G YY NNNNNN`` (province of birth registration, century+sex digit, birth year) and
are consistent with the birth date and sex, but the six "random" digits always start
with ``999`` to mark them as test numbers. Addresses use the street "phố Mẫu" and the
ward "phường Thử Nghiệm" ("sample street", "test ward").

:func:`chip_files` builds what the chip holds: EF.COM, DG1 (TD1 MRZ), DG2 (a small
placeholder portrait), DG13 (Vietnam's personal data) and an EF.SOD signed by the test
document signer (:mod:`hal.testpki`).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, date, datetime

from hal.protocols.icao import datagroups, mrz
from hal.testpki import PkiMaterial

#: A 48×64 grayscale JPEG silhouette used as every test citizen's portrait.
PLACEHOLDER_PORTRAIT_JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDABQODxIPDRQSEBIXFRQYHjIhHhwcHj0sLiQySUBMS0dARkVQWnNiUFVt"
    "VkVGZIhlbXd7gYKBTmCNl4x9lnN+gXz/wAALCABAADABAREA/8QAGgAAAgMBAQAAAAAAAAAAAAAAAAUCAwYEAf/E"
    "ACsQAAICAQMCBQIHAAAAAAAAAAECAAMRBBIhBVEUMUFhgXGREyIzscHR4f/aAAgBAQAAPwDTwhCEISLsERnY4VRk"
    "n2md1mut1LsN5FWeF8uPeV6fV3aY5qcgeqnkH4mkouS+lba87W7yyE5OqEr0+0gkHgcfUTOQj3ohJ0bAkkByB7cC"
    "MYSNiCyt0bOGBBx7zM6nTWaa0o6nGTtYjhhIVVWXPsqQs3YTTaagabTpUCWC+p9ZbCRssSpC9jBVXkkxZqOr0EFF"
    "pNq+u7gH95Gjq9NeV8N+Gvn+THn9OIzpurvTfUwZfLMskXYIjOxwqjJPtM3rdU+ruLEnYOEXsP7nPCWUX2ae0WVH"
    "BH2I7Gaai5L6VtrztbvOLrVuzSrWDgu3Ix5gf7iIoQhG/Qrf1aiezAY+D/E966Dig4OBuGftE8IQjLoYPinODgJj"
    "PyJ//9k="
)
PORTRAIT_SIZE = (48, 64)

# Century+sex digit G: (century start, female).
_CENTURY_SEX = {0: (1900, False), 1: (1900, True), 2: (2000, False), 3: (2000, True),
                4: (2100, False), 5: (2100, True), 6: (2200, False), 7: (2200, True),
                8: (2300, False), 9: (2300, True)}  # Circular 07/2016 Art. 7


@dataclass(frozen=True)
class TestCitizen:
    """One invented citizen and the data printed on / stored in their card."""

    __test__ = False  # not a pytest test class

    personal_id: str
    surname: str
    given_names: str
    birth_date: date
    female: bool
    place_of_origin: str
    residence: str
    issue_date: date
    expiry_date: date
    ethnicity: str = "Kinh"
    religion: str | None = "Không"
    identifying_marks: str | None = None
    father_name: str | None = None
    mother_name: str | None = None
    spouse_name: str | None = None
    old_id_number: str | None = None

    @property
    def full_name(self) -> str:
        return f"{self.surname} {self.given_names}"

    @property
    def document_number(self) -> str:
        """The 9-digit MRZ document number (last 9 digits of the personal ID)."""
        return mrz.vn_document_number(self.personal_id)

    @property
    def mrz_lines(self) -> tuple[str, str, str]:
        return mrz.vn_td1(
            personal_id=self.personal_id,
            birth_date=self.birth_date.strftime("%y%m%d"),
            sex="F" if self.female else "M",
            expiry_date=self.expiry_date.strftime("%y%m%d"),
            surname=self.surname,
            given_names=self.given_names,
        )

    @property
    def mrz_information(self) -> str:
        """What a person types (or the MRZ scanner reads) to open the chip."""
        return mrz.mrz_information(
            self.document_number,
            self.birth_date.strftime("%y%m%d"),
            self.expiry_date.strftime("%y%m%d"),
        )

    def is_expired(self, today: date) -> bool:
        return today > self.expiry_date

    def dg13(self) -> datagroups.Dg13:
        return datagroups.Dg13(
            personal_id=self.personal_id,
            full_name=self.full_name,
            birth_date=self.birth_date.strftime("%d/%m/%Y"),
            sex="Nữ" if self.female else "Nam",
            nationality="Việt Nam",
            ethnicity=self.ethnicity,
            religion=self.religion,
            place_of_origin=self.place_of_origin,
            residence=self.residence,
            identifying_marks=self.identifying_marks,
            issue_date=self.issue_date.strftime("%d/%m/%Y"),
            expiry_date=self.expiry_date.strftime("%d/%m/%Y"),
            father_name=self.father_name,
            mother_name=self.mother_name,
            spouse_name=self.spouse_name,
            old_id_number=self.old_id_number,
        )


def personal_id_matches(personal_id: str, birth_date: date, female: bool) -> bool:
    """True if the ID's century/sex digit and year digits agree with birth date and sex."""
    if len(personal_id) != 12 or not personal_id.isdigit():
        return False
    century, is_female = _CENTURY_SEX[int(personal_id[3])]
    return (
        is_female == female
        and century <= birth_date.year < century + 100
        and int(personal_id[4:6]) == birth_date.year % 100
    )


TEST_CITIZENS: tuple[TestCitizen, ...] = (
    TestCitizen(
        personal_id="001085999001", surname="Nguyễn", given_names="Văn An",
        birth_date=date(1985, 3, 14), female=False,
        place_of_origin="Xã Thử Nghiệm, Hà Nội",
        residence="Số 12 phố Mẫu, phường Thử Nghiệm, Hà Nội",
        issue_date=date(2025, 4, 2), expiry_date=date(2045, 3, 14),
        identifying_marks="Nốt ruồi C:2cm trên trước đầu mày trái",
        father_name="Nguyễn Văn Bình", mother_name="Trần Thị Cúc",
        spouse_name="Lê Thị Dung", old_id_number="012999001",
    ),
    TestCitizen(
        personal_id="079192999002", surname="Trần", given_names="Thị Bích Ngọc",
        birth_date=date(1992, 11, 2), female=True,
        place_of_origin="Phường Thử Nghiệm, TP Hồ Chí Minh",
        residence="Số 34 phố Mẫu, phường Thử Nghiệm, TP Hồ Chí Minh",
        issue_date=date(2021, 6, 1), expiry_date=date(2032, 11, 2),
        religion="Phật giáo", identifying_marks="Sẹo chấm C:1cm dưới cằm",
        father_name="Trần Văn Hải", mother_name="Phạm Thị Hoa", old_id_number="025999002",
    ),
    TestCitizen(
        personal_id="048203999003", surname="Lê", given_names="Hoàng Minh",
        birth_date=date(2003, 7, 21), female=False,
        place_of_origin="Phường Thử Nghiệm, Đà Nẵng",
        residence="Số 56 phố Mẫu, phường Thử Nghiệm, Đà Nẵng",
        issue_date=date(2021, 9, 15), expiry_date=date(2028, 7, 21),
        religion="Công giáo", father_name="Lê Văn Khoa", mother_name="Võ Thị Lan",
    ),
    TestCitizen(
        personal_id="031304999004", surname="Phạm", given_names="Thị Thu Hà",
        birth_date=date(2004, 1, 30), female=True,
        place_of_origin="Xã Thử Nghiệm, Hải Phòng",
        residence="Số 78 phố Mẫu, phường Thử Nghiệm, Hải Phòng",
        issue_date=date(2022, 5, 10), expiry_date=date(2029, 1, 30),
        ethnicity="Tày", father_name="Phạm Văn Long", mother_name="Hoàng Thị Mai",
    ),
    TestCitizen(  # the expired card
        personal_id="040183999005", surname="Đặng", given_names="Thị Lan",
        birth_date=date(1983, 8, 15), female=True,
        place_of_origin="Xã Thử Nghiệm, Nghệ An",
        residence="Số 90 phố Mẫu, phường Thử Nghiệm, Nghệ An",
        issue_date=date(2016, 9, 1), expiry_date=date(2023, 8, 15),
        identifying_marks="Nốt ruồi C:1cm sau cánh mũi phải",
        father_name="Đặng Văn Nam", mother_name="Bùi Thị Oanh",
        spouse_name="Hồ Văn Phúc", old_id_number="186999005",
    ),
    TestCitizen(  # minimal DG13: no religion, marks, parents, spouse or old ID
        personal_id="038070999006", surname="Hoàng", given_names="Văn Dũng",
        birth_date=date(1970, 12, 25), female=False,
        place_of_origin="Xã Thử Nghiệm, Thanh Hóa",
        residence="Số 3 phố Mẫu, phường Thử Nghiệm, Thanh Hóa",
        issue_date=date(2021, 2, 20), expiry_date=date(2030, 12, 25),
        religion=None,
    ),
)

EXPIRED_CITIZEN_INDEX = 4


def chip_files(citizen: TestCitizen, pki: PkiMaterial) -> dict[str, bytes]:
    """The files on ``citizen``'s chip: COM, DG1, DG2, DG13 and SOD (signed by ``pki``)."""
    # Imported here so that listing simulators works even where asn1crypto is missing.
    from hal.protocols.icao import sod

    dg1 = datagroups.encode_dg1(citizen.mrz_lines)
    dg2 = datagroups.encode_dg2(PLACEHOLDER_PORTRAIT_JPEG, *PORTRAIT_SIZE)
    dg13 = datagroups.encode_dg13(citizen.dg13())
    com = datagroups.encode_com((datagroups.TAG_DG1, datagroups.TAG_DG2, datagroups.TAG_DG13))
    issued = datetime(citizen.issue_date.year, citizen.issue_date.month, citizen.issue_date.day,
                      9, 0, tzinfo=UTC)
    security_object = sod.build_sod(
        {1: dg1, 2: dg2, 13: dg13}, pki.signer_certificate_der, pki.sign, signing_time=issued
    )
    return {"COM": com, "DG1": dg1, "DG2": dg2, "DG13": dg13, "SOD": security_object}
