"""Province codes of birth registration used in the 12-digit personal ID number.

Source: Circular 07/2016/TT-BCA of the Ministry of Public Security (1 February 2016),
Appendix I "Bảng danh mục mã tỉnh, thành phố trực thuộc trung ương nơi công dân đăng ký
khai sinh", implementing Article 13 of Decree 137/2015/NĐ-CP. Circular 59/2021/TT-BCA
replaced Circular 07/2016 from 1 July 2021 and kept the same codes. The codes are the
General Statistics Office province codes of Decision 124/2004/QĐ-TTg with a leading zero.

The 2025 reorganisation (National Assembly Resolution 202/2025/QH15, in force 12 June 2025)
merged the 63 provinces into 34. A personal ID number never changes (it is the person's
number for life), so the 63 codes below stay valid in every ID number already issued;
:data:`PROVINCE_SINCE_2025` names the province each old one now belongs to, for display.
"""

from __future__ import annotations

from types import MappingProxyType

#: Code → province name, exactly the 63 codes of Circular 07/2016/TT-BCA, Appendix I.
PROVINCES = MappingProxyType({
    "001": "Hà Nội",
    "002": "Hà Giang",
    "004": "Cao Bằng",
    "006": "Bắc Kạn",
    "008": "Tuyên Quang",
    "010": "Lào Cai",
    "011": "Điện Biên",
    "012": "Lai Châu",
    "014": "Sơn La",
    "015": "Yên Bái",
    "017": "Hòa Bình",
    "019": "Thái Nguyên",
    "020": "Lạng Sơn",
    "022": "Quảng Ninh",
    "024": "Bắc Giang",
    "025": "Phú Thọ",
    "026": "Vĩnh Phúc",
    "027": "Bắc Ninh",
    "030": "Hải Dương",
    "031": "Hải Phòng",
    "033": "Hưng Yên",
    "034": "Thái Bình",
    "035": "Hà Nam",
    "036": "Nam Định",
    "037": "Ninh Bình",
    "038": "Thanh Hóa",
    "040": "Nghệ An",
    "042": "Hà Tĩnh",
    "044": "Quảng Bình",
    "045": "Quảng Trị",
    "046": "Thừa Thiên Huế",
    "048": "Đà Nẵng",
    "049": "Quảng Nam",
    "051": "Quảng Ngãi",
    "052": "Bình Định",
    "054": "Phú Yên",
    "056": "Khánh Hòa",
    "058": "Ninh Thuận",
    "060": "Bình Thuận",
    "062": "Kon Tum",
    "064": "Gia Lai",
    "066": "Đắk Lắk",
    "067": "Đắk Nông",
    "068": "Lâm Đồng",
    "070": "Bình Phước",
    "072": "Tây Ninh",
    "074": "Bình Dương",
    "075": "Đồng Nai",
    "077": "Bà Rịa - Vũng Tàu",
    "079": "TP Hồ Chí Minh",
    "080": "Long An",
    "082": "Tiền Giang",
    "083": "Bến Tre",
    "084": "Trà Vinh",
    "086": "Vĩnh Long",
    "087": "Đồng Tháp",
    "089": "An Giang",
    "091": "Kiên Giang",
    "092": "Cần Thơ",
    "093": "Hậu Giang",
    "094": "Sóc Trăng",
    "095": "Bạc Liêu",
    "096": "Cà Mau",
})

# Resolution 202/2025/QH15: the 34 provinces and which of the 63 each one took in.
_MERGED_2025 = {
    "Hà Nội": ("001",),
    "Huế": ("046",),
    "Lai Châu": ("012",),
    "Điện Biên": ("011",),
    "Sơn La": ("014",),
    "Lạng Sơn": ("020",),
    "Quảng Ninh": ("022",),
    "Thanh Hóa": ("038",),
    "Nghệ An": ("040",),
    "Hà Tĩnh": ("042",),
    "Cao Bằng": ("004",),
    "Tuyên Quang": ("002", "008"),
    "Lào Cai": ("010", "015"),
    "Thái Nguyên": ("006", "019"),
    "Phú Thọ": ("017", "025", "026"),
    "Bắc Ninh": ("024", "027"),
    "Hưng Yên": ("033", "034"),
    "Hải Phòng": ("030", "031"),
    "Ninh Bình": ("035", "036", "037"),
    "Quảng Trị": ("044", "045"),
    "Đà Nẵng": ("048", "049"),
    "Quảng Ngãi": ("051", "062"),
    "Gia Lai": ("052", "064"),
    "Khánh Hòa": ("056", "058"),
    "Lâm Đồng": ("060", "067", "068"),
    "Đắk Lắk": ("054", "066"),
    "TP Hồ Chí Minh": ("074", "077", "079"),
    "Đồng Nai": ("070", "075"),
    "Tây Ninh": ("072", "080"),
    "Cần Thơ": ("092", "093", "094"),
    "Vĩnh Long": ("083", "084", "086"),
    "Đồng Tháp": ("082", "087"),
    "Cà Mau": ("095", "096"),
    "An Giang": ("089", "091"),
}

#: Old (ID number) province code → name of the province it belongs to since 12 June 2025.
PROVINCE_SINCE_2025 = MappingProxyType(
    {code: new_name for new_name, codes in _MERGED_2025.items() for code in codes}
)


def province_name(code: str) -> str | None:
    """The name of the province with ID-number code ``code`` (three digits), or None."""
    return PROVINCES.get(code)


def current_province_name(code: str) -> str | None:
    """The name of the province that ``code``'s area belongs to since the 2025 merger."""
    return PROVINCE_SINCE_2025.get(code)
