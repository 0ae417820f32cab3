"""Customer codes: EVN electricity codes (13 characters) and water company codes (pure functions).

EVN code: ``P`` + a letter naming the power corporation + 11 letters or digits, e.g.
``PB05020054904``, or Ninh Bình's ``PNGV…`` (letters right after the prefix). The prefix → corporation table is in :data:`POWER_CORPORATIONS`; the
source and what is and is not verified are in ``docs/plugins/utilities.md``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sdk import UserInputError

EVN_CODE = re.compile(r"^P[A-Z][0-9A-Z]{11}$")
WATER_CODE = re.compile(r"^[A-Z]{2,5}[0-9]{5,11}$")

#: prefix → (short name, Vietnamese name, English name): EVN's five power corporations (PM and
#: PN are EVNNPC's too), and PH, PK, PP, PQ — unit codes found on customer codes whose
#: corporation we could not confirm, shown as EVN units without guessing (docs/plugins/utilities.md).
POWER_CORPORATIONS = {
    "PA": ("EVNNPC", "Tổng công ty Điện lực miền Bắc", "Northern Power Corporation"),
    "PM": ("EVNNPC", "Tổng công ty Điện lực miền Bắc", "Northern Power Corporation"),
    "PN": ("EVNNPC", "Tổng công ty Điện lực miền Bắc", "Northern Power Corporation"),
    "PB": ("EVNSPC", "Tổng công ty Điện lực miền Nam", "Southern Power Corporation"),
    "PC": ("EVNCPC", "Tổng công ty Điện lực miền Trung", "Central Power Corporation"),
    "PD": ("EVNHANOI", "Tổng công ty Điện lực TP Hà Nội", "Hanoi Power Corporation"),
    "PE": ("EVNHCMC", "Tổng công ty Điện lực TP Hồ Chí Minh", "Ho Chi Minh City Power Corporation"),
    "PH": ("EVN-PH", "Đơn vị điện lực mã PH (thuộc EVN)", "EVN power company, unit code PH"),
    "PK": ("EVN-PK", "Đơn vị điện lực mã PK (thuộc EVN)", "EVN power company, unit code PK"),
    "PP": ("EVN-PP", "Đơn vị điện lực mã PP (thuộc EVN)", "EVN power company, unit code PP"),
    "PQ": ("EVN-PQ", "Đơn vị điện lực mã PQ (thuộc EVN)", "EVN power company, unit code PQ"),
}
KINDS = {"electricity": {"vi": "Tiền điện", "en": "Electricity"}, "water": {"vi": "Tiền nước", "en": "Water"}}


class InvalidCustomerCode(UserInputError):
    """The code is not written as the company's customer codes are."""

    def __init__(self, en: str, vi: str) -> None:
        super().__init__(en)
        self.vi = vi


@dataclass(frozen=True)
class CustomerCode:
    """A validated customer code and the company it belongs to."""

    kind: str
    code: str
    company_short: str
    company: dict[str, str]


def parse_evn_code(raw: str) -> CustomerCode:
    """Validate an EVN customer code and name its power corporation."""
    code = "".join(str(raw).upper().split())
    if len(code) != 13:
        raise InvalidCustomerCode(f"An EVN customer code has 13 characters (e.g. PB05020054904); this has {len(code)}.",
                                  f"Mã khách hàng EVN có 13 ký tự (ví dụ PB05020054904); mã này có {len(code)}.")
    if not EVN_CODE.match(code):
        raise InvalidCustomerCode("An EVN customer code is P, a letter and 11 digits or letters, e.g. PB05020054904.",
                                  "Mã khách hàng EVN gồm chữ P, một chữ cái và 11 chữ số/chữ cái, ví dụ PB05020054904.")
    corporation = POWER_CORPORATIONS.get(code[:2])
    if corporation is None:
        raise InvalidCustomerCode(f"{code[:2]} is not the prefix of an EVN power company; check the code on your bill.",
                                  f"{code[:2]} không phải tiền tố của đơn vị điện lực EVN; hãy xem lại mã trên hoá đơn.")
    return CustomerCode("electricity", code, corporation[0], {"vi": corporation[1], "en": corporation[2]})


WATER_COMPANIES = {
    "NSHN": ("HAWACOM", "Công ty Nước sạch Hà Nội (mô phỏng)", "Hanoi Clean Water Company (simulated)"),
    "SWC": ("SAWACO", "Tổng công ty Cấp nước Sài Gòn (mô phỏng)", "Saigon Water Corporation (simulated)"),
}


def parse_water_code(raw: str) -> CustomerCode:
    """Validate a water customer code (the company's letters then digits, e.g. NSHN0012345)."""
    code = "".join(str(raw).upper().split())
    match = WATER_CODE.match(code)
    company = next((v for k, v in WATER_COMPANIES.items() if code.startswith(k)), None) if match else None
    if company is None:
        raise InvalidCustomerCode("A water customer code is the company's letters and digits, e.g. NSHN0012345.",
                                  "Mã khách hàng nước gồm chữ viết tắt của công ty và chữ số, ví dụ NSHN0012345.")
    return CustomerCode("water", code, company[0], {"vi": company[1], "en": company[2]})


def parse_code(kind: str, raw: str) -> CustomerCode:
    """Validate a customer code of ``kind`` (electricity or water)."""
    if kind == "electricity":
        return parse_evn_code(raw)
    if kind == "water":
        return parse_water_code(raw)
    raise InvalidCustomerCode("Choose electricity or water.", "Hãy chọn tiền điện hoặc tiền nước.")
