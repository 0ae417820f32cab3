"""Health insurance (BHYT) card number — parse and validate, pure functions, no I/O.

The legacy BHYT card code has 15 characters (Decision 1351/QĐ-BHXH of Vietnam Social
Security, 2015; ARCHITECTURE section 9)::

    DN 4 01 0123456789
    ^^ beneficiary group: 2 letters (DN employees of enterprises, HT pensioners, TE children
       under 6, HS pupils, SV students, GD household members, …)
       ^ benefit level 1-5 (the share of costs the fund pays, below)
         ^^ province code of the issuing social security office (2 digits, 01-99)
            ^^^^^^^^^^ the holder's 10-digit social insurance number (mã số BHXH)

The format is validated exactly; the beneficiary group is named when it is one of the
common groups in :data:`GROUPS` and shown by its code otherwise — the official list is
long and amended over time, so an unlisted group is not refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CODE = re.compile(r"^(?P<group>[A-Z]{2})(?P<level>[1-5])(?P<province>\d{2})(?P<number>\d{10})$", re.ASCII)

#: benefit level → (vi, en): what the health insurance fund pays (Decision 1351/QĐ-BHXH)
BENEFIT_LEVELS = {
    "1": ("100% chi phí khám chữa bệnh, không giới hạn tỷ lệ thanh toán thuốc, vật tư, dịch vụ kỹ thuật",
          "100% of treatment costs, no cap on medicines, supplies and technical services"),
    "2": ("100% chi phí khám chữa bệnh (có giới hạn tỷ lệ một số thuốc, dịch vụ kỹ thuật)",
          "100% of treatment costs (some medicines and services capped)"),
    "3": ("95% chi phí khám chữa bệnh", "95% of treatment costs"),
    "4": ("80% chi phí khám chữa bệnh", "80% of treatment costs"),
    "5": ("100% chi phí khám chữa bệnh, kể cả chi phí vận chuyển",
          "100% of treatment costs, transport included"),
}

#: common beneficiary groups → (vi, en)
GROUPS = {
    "DN": ("Người lao động trong doanh nghiệp", "Employee of an enterprise"),
    "HC": ("Cán bộ, công chức, viên chức", "Civil servant or public employee"),
    "HT": ("Người hưởng lương hưu", "Pensioner"),
    "TE": ("Trẻ em dưới 6 tuổi", "Child under 6"),
    "HS": ("Học sinh", "Pupil"),
    "SV": ("Sinh viên", "Student"),
    "HN": ("Người thuộc hộ nghèo", "Member of a poor household"),
    "CN": ("Người thuộc hộ cận nghèo", "Member of a near-poor household"),
    "GD": ("Người tham gia theo hộ gia đình", "Insured as a household member"),
    "CC": ("Người có công với cách mạng", "Person with meritorious service to the revolution"),
    "BT": ("Người hưởng trợ cấp bảo trợ xã hội", "Recipient of social protection allowance"),
}


class InvalidBhytCode(ValueError):
    """The text is not a BHYT card code; ``vi`` and ``en`` say what one looks like."""

    def __init__(self, vi: str, en: str) -> None:
        super().__init__(en)
        self.vi, self.en = vi, en


@dataclass(frozen=True)
class BhytCard:
    """A validated BHYT card code and its parts."""

    code: str
    group: str
    benefit_level: int
    province: str
    social_insurance_number: str

    @property
    def display(self) -> str:
        """The code grouped as printed on the card: ``DN 4 01 0123456789``."""
        return f"{self.group} {self.benefit_level} {self.province} {self.social_insurance_number}"

    @property
    def group_name(self) -> tuple[str, str] | None:
        """(vi, en) name of the beneficiary group when it is a common one."""
        return GROUPS.get(self.group)

    @property
    def benefit(self) -> tuple[str, str]:
        """(vi, en) what the benefit level pays."""
        return BENEFIT_LEVELS[str(self.benefit_level)]


def parse_bhyt_code(text: str) -> BhytCard:
    """Validate a BHYT card code (spaces and case ignored); :class:`InvalidBhytCode` if it is not one."""
    code = "".join(str(text).split()).upper()
    match = CODE.match(code)
    if match is None:
        raise InvalidBhytCode(
            "Mã thẻ BHYT gồm 15 ký tự: 2 chữ cái (đối tượng), 1 chữ số mức hưởng (1-5), 2 chữ số mã tỉnh "
            "và 10 chữ số mã số BHXH, ví dụ DN4010123456789.",
            "A health insurance card code has 15 characters: 2 letters (beneficiary group), the benefit "
            "level (1-5), a 2-digit province code and the 10-digit social insurance number, e.g. DN4010123456789.")
    if match["province"] == "00":
        raise InvalidBhytCode("Mã tỉnh trên thẻ BHYT không thể là 00.", "The province code on a card cannot be 00.")
    return BhytCard(code, match["group"], int(match["level"]), match["province"], match["number"])
