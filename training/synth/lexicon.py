"""Vocabulary of the factory: Hà Nội units and issuers, document types, people, recipients, subjects.

Unit names are real Hà Nội districts/communes before the 1 July 2025 reorganisation and wards/communes
after it (NQ 1656/NQ-UBTVQH15); issuer codes marked UNVERIFIED in docs/standards.md are plausible
stand-ins, which is all a synthetic generator needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Literal

from inference.schema import Block

REORGANISATION = date(2025, 7, 1)
"""Districts end here; issuers after it are the city and the 126 wards/communes."""

QUOC_HIEU = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
PARTY_MOTTO = ("ĐẢNG CỘNG SẢN VIỆT NAM",)
YOUTH_MOTTO = ("ĐOÀN TNCS HỒ CHÍ MINH",)

ABBREVIATIONS = frozenset({"BCH", "TP", "LĐLĐ", "UBND", "HĐND", "LHPN", "CCB", "MTTQ", "TNCS"})

NumberStyle = Literal["state", "party"]
Level = Literal["city", "district", "commune"]


@dataclass(frozen=True)
class Area:
    kind: str
    """"thành phố", "quận", "huyện", "thị xã", "phường", "xã", "thị trấn"."""
    name: str
    parent: Area | None = None

    @property
    def level(self) -> Level:
        if self.kind == "thành phố":
            return "city"
        return "district" if self.kind in ("quận", "huyện", "thị xã") else "commune"

    @property
    def lower(self) -> str:
        return f"{self.kind} {self.name}"

    @property
    def upper(self) -> str:
        return self.lower.upper()


@dataclass(frozen=True)
class Issuer:
    organ: str
    parent: str | None
    code: str
    """The issuer part of the symbol: "UBND", "SNV", "TU", "MTTQ-BTT"."""
    area: Area
    block: Block
    role: str
    """Key of SIGNATURES."""
    types: tuple[str, ...]
    style: NumberStyle = "state"
    mark: str | None = None
    motto: tuple[str, ...] = QUOC_HIEU

    @property
    def sentence_name(self) -> str:
        """The organ as running text: "Ủy ban nhân dân quận Hoàn Kiếm", "BCH Đoàn TP Hà Nội"."""
        words = [w if w in ABBREVIATIONS else w.lower() for w in self.organ.split()]
        text = " ".join(words)
        text = text[0].upper() + text[1:]
        return text.replace(self.area.name.lower(), self.area.name)

    @property
    def place(self) -> str:
        """Date-line place: the city for city bodies, otherwise the local unit's own name."""
        return self.area.name


HANOI = Area("thành phố", "Hà Nội")

def _area(kind: str, name: str, parent: Area | None = HANOI) -> Area:
    return Area(kind, name, parent)


DISTRICTS_BEFORE_2025: tuple[Area, ...] = (
    *(_area("quận", n) for n in ("Ba Đình", "Hoàn Kiếm", "Tây Hồ", "Long Biên", "Cầu Giấy", "Đống Đa",
                                  "Hai Bà Trưng", "Hoàng Mai", "Thanh Xuân", "Nam Từ Liêm", "Bắc Từ Liêm", "Hà Đông")),
    *(_area("huyện", n) for n in ("Sóc Sơn", "Đông Anh", "Gia Lâm", "Thanh Trì", "Mê Linh", "Ba Vì", "Phúc Thọ",
                                   "Đan Phượng", "Hoài Đức", "Quốc Oai", "Thạch Thất", "Chương Mỹ", "Thanh Oai",
                                   "Thường Tín", "Phú Xuyên", "Ứng Hòa", "Mỹ Đức")),
    _area("thị xã", "Sơn Tây"),
)
_DISTRICT = {a.name: a for a in DISTRICTS_BEFORE_2025}

COMMUNES_BEFORE_2025: tuple[Area, ...] = tuple(
    _area(kind, name, _DISTRICT[district])
    for kind, name, district in (
        ("phường", "Hàng Bạc", "Hoàn Kiếm"), ("phường", "Phúc Tân", "Hoàn Kiếm"), ("phường", "Tràng Tiền", "Hoàn Kiếm"),
        ("phường", "Điện Biên", "Ba Đình"), ("phường", "Kim Mã", "Ba Đình"), ("phường", "Quan Hoa", "Cầu Giấy"),
        ("phường", "Dịch Vọng", "Cầu Giấy"), ("phường", "Khương Trung", "Thanh Xuân"),
        ("phường", "Văn Chương", "Đống Đa"),
        ("phường", "Bạch Đằng", "Hai Bà Trưng"), ("phường", "Quảng An", "Tây Hồ"), ("phường", "Ngọc Thụy", "Long Biên"),
        ("phường", "Mỹ Đình 1", "Nam Từ Liêm"), ("phường", "Yết Kiêu", "Hà Đông"), ("xã", "Vân Nội", "Đông Anh"),
        ("xã", "Bát Tràng", "Gia Lâm"), ("thị trấn", "Trâu Quỳ", "Gia Lâm"), ("xã", "Tam Hiệp", "Thanh Trì"),
        ("xã", "Tản Lĩnh", "Ba Vì"), ("xã", "Phù Linh", "Sóc Sơn"), ("thị trấn", "Vân Đình", "Ứng Hòa"),
        ("xã", "Hương Sơn", "Mỹ Đức"), ("phường", "Ngô Quyền", "Sơn Tây"), ("xã", "Tiên Dược", "Sóc Sơn"),
    )
)

COMMUNES_AFTER_2025: tuple[Area, ...] = (
    *(_area("phường", n) for n in ("Hoàn Kiếm", "Cửa Nam", "Ba Đình", "Ngọc Hà", "Giảng Võ", "Hai Bà Trưng", "Vĩnh Tuy",
                                    "Bạch Mai", "Đống Đa", "Kim Liên", "Văn Miếu - Quốc Tử Giám", "Láng", "Ô Chợ Dừa",
                                    "Hồng Hà", "Hoàng Mai", "Định Công", "Thanh Xuân", "Khương Đình", "Cầu Giấy",
                                    "Nghĩa Đô", "Yên Hòa", "Tây Hồ", "Phú Thượng", "Từ Liêm", "Xuân Phương",
                                    "Long Biên", "Bồ Đề", "Việt Hưng", "Hà Đông", "Dương Nội", "Sơn Tây",
                                    "Tùng Thiện", "Chương Mỹ")),
    *(_area("xã", n) for n in ("Thanh Trì", "Đại Thanh", "Thường Tín", "Phú Xuyên", "Thanh Oai", "Ứng Hòa",
                                "Mỹ Đức", "Hương Sơn", "Xuân Mai", "Quảng Oai", "Ba Vì", "Phúc Thọ", "Thạch Thất",
                                "Hòa Lạc", "Quốc Oai", "Hoài Đức", "Sơn Đồng", "Đan Phượng", "Gia Lâm", "Bát Tràng",
                                "Đông Anh", "Thiên Lộc", "Mê Linh", "Quang Minh", "Sóc Sơn", "Nội Bài", "Kim Anh")),
)

DOC_TYPES: dict[str, str] = {
    "QĐ": "Quyết định", "CV": "Công văn", "CT": "Chỉ thị", "TB": "Thông báo", "KH": "Kế hoạch",
    "BC": "Báo cáo", "TTr": "Tờ trình", "NQ": "Nghị quyết", "KL": "Kết luận", "HD": "Hướng dẫn",
    "GM": "Giấy mời", "BB": "Biên bản", "QyĐ": "Quy định", "QĐi": "Quy định", "CTr": "Chương trình",
}
GOVERNMENT_TYPES = ("QĐ", "CV", "CT", "TB", "KH", "BC", "TTr", "HD", "GM", "BB", "QyĐ", "CTr")
COUNCIL_TYPES = ("NQ", "TB", "BC", "KH", "CTr", "CV")
PARTY_TYPES = ("NQ", "QĐ", "QĐi", "CT", "KL", "TB", "HD", "BC", "KH", "CTr", "CV")
MASS_TYPES = ("QĐ", "CV", "TB", "KH", "BC", "TTr", "HD", "GM", "BB", "CTr")

SIGNATURES: dict[str, tuple[tuple[str, ...], ...]] = {
    "ubnd": (("CHỦ TỊCH",), ("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"), ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"),
             ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"), ("TL. CHỦ TỊCH", "CHÁNH VĂN PHÒNG")),
    "hdnd": (("TM. HỘI ĐỒNG NHÂN DÂN", "CHỦ TỊCH"), ("TM. THƯỜNG TRỰC HĐND", "PHÓ CHỦ TỊCH")),
    "department": (("GIÁM ĐỐC",), ("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC")),
    "office": (("CHÁNH VĂN PHÒNG",), ("KT. CHÁNH VĂN PHÒNG", "PHÓ CHÁNH VĂN PHÒNG")),
    "bureau": (("TRƯỞNG PHÒNG",), ("KT. TRƯỞNG PHÒNG", "PHÓ TRƯỞNG PHÒNG")),
    "party_committee": (("T/M BAN THƯỜNG VỤ", "BÍ THƯ"), ("T/M BAN THƯỜNG VỤ", "PHÓ BÍ THƯ")),
    "party_cell": (("T/M ĐẢNG ỦY", "BÍ THƯ"), ("T/M BAN THƯỜNG VỤ", "PHÓ BÍ THƯ"), ("T/M ĐẢNG ỦY", "PHÓ BÍ THƯ")),
    "party_board": (("TRƯỞNG BAN",), ("K/T TRƯỞNG BAN", "PHÓ TRƯỞNG BAN")),
    "front": (("TM. BAN THƯỜNG TRỰC", "CHỦ TỊCH"), ("TM. BAN THƯỜNG TRỰC", "PHÓ CHỦ TỊCH")),
    "association": (("TM. BAN THƯỜNG VỤ", "CHỦ TỊCH"), ("TM. BAN THƯỜNG VỤ", "PHÓ CHỦ TỊCH")),
    "youth": (("TM. BAN THƯỜNG VỤ", "BÍ THƯ"), ("TM. BAN THƯỜNG VỤ", "PHÓ BÍ THƯ")),
}

CV_UNITS: dict[str, tuple[str, ...]] = {
    "ubnd": ("VP", "KT", "NC", "VX", "TNMT", "ĐT"),
    "department": ("VP", "CCVT", "TCBC", "XDCQ", "TH"),
    "office": ("TH", "HCTC", "KT"),
    "bureau": ("TH", "HC"),
    "hdnd": ("VP", "KTNS"),
}

DEPARTMENTS = (("SỞ NỘI VỤ", "SNV"), ("SỞ TÀI CHÍNH", "STC"), ("SỞ GIÁO DỤC VÀ ĐÀO TẠO", "SGDĐT"),
               ("SỞ XÂY DỰNG", "SXD"), ("SỞ TƯ PHÁP", "STP"), ("VĂN PHÒNG", "VP"))
BUREAUS = (("PHÒNG NỘI VỤ", "PNV"), ("PHÒNG TÀI CHÍNH - KẾ HOẠCH", "TCKH"), ("VĂN PHÒNG HĐND VÀ UBND", "VP"),
           ("PHÒNG VĂN HÓA VÀ THÔNG TIN", "VHTT"))
PARTY_BOARDS = (("BAN TUYÊN GIÁO", "BTGTU"), ("BAN TỔ CHỨC", "BTCTU"), ("BAN DÂN VẬN", "BDVTU"),
                ("ỦY BAN KIỂM TRA", "UBKTTU"))
PARTY_COMMITTEE = {"thành phố": ("THÀNH ỦY", "TU"), "quận": ("QUẬN ỦY", "QU"), "huyện": ("HUYỆN ỦY", "HU"),
                   "thị xã": ("THỊ ỦY", "TU")}
YOUTH_CODES = {"thành phố": "TĐTN", "quận": "QĐTN", "huyện": "HĐTN", "thị xã": "TXĐTN"}


def _short(area: Area) -> str:
    """How a parent line abbreviates a unit: "UBND QUẬN HOÀN KIẾM", "TP HÀ NỘI"."""
    return "TP " + area.name.upper() if area.kind == "thành phố" else area.upper


def government_issuers(area: Area) -> list[Issuer]:
    ubnd = f"ỦY BAN NHÂN DÂN {area.upper}"
    issuers = [
        Issuer(ubnd, None, "UBND", area, Block.GOVERNMENT, "ubnd", GOVERNMENT_TYPES),
        Issuer(f"HỘI ĐỒNG NHÂN DÂN {area.upper}", None, "HĐND", area, Block.GOVERNMENT, "hdnd", COUNCIL_TYPES),
    ]
    if area.parent is not None and area.level == "commune":
        parent = f"UBND {area.parent.upper}"
        issuers.append(Issuer(ubnd, parent, "UBND", area, Block.GOVERNMENT, "ubnd", GOVERNMENT_TYPES))
    units = DEPARTMENTS if area.level == "city" else BUREAUS if area.level == "district" else ()
    for organ, code in units:
        role = "office" if organ.startswith("VĂN PHÒNG") else "department" if area.level == "city" else "bureau"
        issuers.append(Issuer(organ, f"UBND {_short(area)}", code, area, Block.GOVERNMENT, role, GOVERNMENT_TYPES))
    return issuers


def _party(organ: str, parent: str | None, code: str, area: Area, role: str) -> Issuer:
    return Issuer(organ, parent, code, area, Block.PARTY, role, PARTY_TYPES, "party", "*", PARTY_MOTTO)


def _mass(organ: str, parent: str | None, code: str, area: Area, role: str = "association",
          mark: str | None = None) -> Issuer:
    return Issuer(organ, parent, code, area, Block.MASS_ORG, role, MASS_TYPES, mark=mark)


def party_issuers(area: Area) -> list[Issuer]:
    if area.level == "commune":
        parent = f"ĐẢNG BỘ {(area.parent or HANOI).upper}"
        return [_party(f"ĐẢNG ỦY {area.upper}", parent, "ĐU", area, "party_cell")]
    title, code = PARTY_COMMITTEE[area.kind]
    committee = f"{title} {area.name.upper()}"
    city = area.level == "city"
    issuers = [_party(committee, None if city else "ĐẢNG BỘ THÀNH PHỐ HÀ NỘI", code, area, "party_committee")]
    if city:
        issuers += [_party(organ, committee, c, area, "party_board") for organ, c in PARTY_BOARDS]
    return issuers


def mass_issuers(area: Area) -> list[Issuer]:
    up, city = area.upper, area.level == "city"
    issuers = [
        _mass(f"ỦY BAN MẶT TRẬN TỔ QUỐC VIỆT NAM {up}", None, "MTTQ-BTT", area, "front"),
        _mass(f"HỘI LIÊN HIỆP PHỤ NỮ {up}", "HỘI LHPN VIỆT NAM" if city else f"HỘI LHPN {_short(area.parent or HANOI)}",
              "HPN", area),
        _mass(f"HỘI CỰU CHIẾN BINH {up}", "HỘI CCB VIỆT NAM" if city else None, "CCB", area),
    ]
    if area.kind in ("thành phố", "huyện", "xã", "thị xã"):
        issuers.append(_mass(f"HỘI NÔNG DÂN {up}", "BAN CHẤP HÀNH", "HND", area, mark="*"))
    if area.level != "commune":
        parent = "TỔNG LĐLĐ VIỆT NAM" if city else "LĐLĐ THÀNH PHỐ HÀ NỘI"
        issuers.append(_mass(f"LIÊN ĐOÀN LAO ĐỘNG {up}", parent, "LĐLĐ", area))
        # The Youth Union numbers like the Party ("15-KH/TĐTN") and its header replaces the Quốc hiệu.
        issuers.append(Issuer(f"BCH ĐOÀN {_short(area)}", None, YOUTH_CODES[area.kind], area, Block.MASS_ORG, "youth",
                              MASS_TYPES, "party", "***", YOUTH_MOTTO))
    return issuers


@cache
def issuers(block: Block, after_reorganisation: bool) -> tuple[Issuer, ...]:
    local = COMMUNES_AFTER_2025 if after_reorganisation else DISTRICTS_BEFORE_2025 + COMMUNES_BEFORE_2025
    make = {Block.GOVERNMENT: government_issuers, Block.PARTY: party_issuers, Block.MASS_ORG: mass_issuers}[block]
    return tuple(i for area in (HANOI, *local) for i in make(area))


FAMILY_NAMES = ("Nguyễn", "Nguyễn", "Nguyễn", "Trần", "Trần", "Lê", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ",
                "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Đào", "Trịnh", "Lưu", "Tạ", "Khuất")
MIDDLE_NAMES = {
    "m": ("Văn", "Đức", "Minh", "Quang", "Hữu", "Mạnh", "Xuân", "Thành", "Công", "Tuấn", "Anh", "Trọng", "Việt"),
    "f": ("Thị", "Thị", "Thu", "Ngọc", "Thanh", "Thúy", "Minh", "Hồng", "Kim", "Lan", "Phương", "Hải"),
}
GIVEN_NAMES = {
    "m": ("Hùng", "Dũng", "Minh", "Tuấn", "Nam", "Hải", "Long", "Trung", "Sơn", "Cường", "Hòa", "Thắng", "Quyết",
          "Tú", "Tâm", "Khánh", "Phong", "Quân", "Đạt", "Hiếu", "Thịnh", "Nghĩa", "Lực", "Việt", "Hưng", "Bình"),
    "f": ("Hà", "Lan", "Hương", "Phương", "Thủy", "Thảo", "Hằng", "Nga", "Yến", "Trang", "Huyền", "Linh", "Mai",
          "Ngọc", "Dung", "Hạnh", "Quỳnh", "Vân", "Loan", "Nhung"),
}

TOPICS = (
    "công tác phòng cháy, chữa cháy", "chuyển đổi số", "cải cách hành chính", "số hóa tài liệu lưu trữ",
    "xây dựng nông thôn mới", "quản lý trật tự xây dựng đô thị", "bảo vệ môi trường",
    "bảo đảm trật tự an toàn giao thông", "giải quyết thủ tục hành chính trên môi trường điện tử",
    "quản lý, sử dụng đất đai", "phòng, chống tham nhũng, tiêu cực",
    "tiếp công dân, giải quyết khiếu nại, tố cáo", "phổ biến, giáo dục pháp luật", "phòng, chống dịch bệnh",
    "xây dựng cơ sở dữ liệu dùng chung", "sắp xếp đơn vị hành chính cấp xã", "thực hành tiết kiệm, chống lãng phí",
    "công tác văn thư, lưu trữ", "phát triển kinh tế tập thể", "chăm sóc người có công với cách mạng",
)

SUBJECTS: dict[str, tuple[str, ...]] = {
    "QĐ": ("Về việc thành lập Ban Chỉ đạo {topic} {area} năm {year}", "Về việc ban hành Quy chế {topic} của {area}",
           "Về việc phê duyệt Kế hoạch {topic} năm {year}", "Về việc kiện toàn Tổ công tác {topic}",
           "Về việc khen thưởng tập thể, cá nhân có thành tích xuất sắc trong {topic} năm {year}"),
    "CV": ("triển khai thực hiện {topic} trên địa bàn {area}", "tăng cường {topic}", "đôn đốc thực hiện {topic}",
           "báo cáo kết quả thực hiện {topic} năm {year}", "góp ý dự thảo Kế hoạch {topic} năm {year}",
           "rà soát, tổng hợp số liệu về {topic}"),
    "CT": ("Về việc tăng cường {topic} trên địa bàn {area}", "Về việc đẩy mạnh {topic} năm {year}"),
    "TB": ("Kết luận của lãnh đạo {area} tại cuộc họp giao ban về {topic}",
           "Về việc tổ chức kiểm tra {topic} năm {year}",
           "Về việc điều chỉnh lịch tiếp công dân tháng {month} năm {year}"),
    "KH": ("Triển khai {topic} trên địa bàn {area} năm {year}", "Thực hiện {topic} giai đoạn {year} - {next5}",
           "Tổ chức các hoạt động hưởng ứng {topic} năm {year}"),
    "BC": ("Kết quả thực hiện {topic} năm {year}", "Tình hình kinh tế - xã hội 6 tháng đầu năm {year}",
           "Sơ kết 6 tháng thực hiện {topic} năm {year}"),
    "TTr": ("Về việc đề nghị phê duyệt Kế hoạch {topic} năm {year}",
            "Về việc đề nghị bổ sung kinh phí thực hiện {topic} năm {year}"),
    "NQ": ("Về dự toán thu, chi ngân sách {area} năm {year}", "Về nhiệm vụ phát triển kinh tế - xã hội năm {year}",
           "Về lãnh đạo {topic} giai đoạn {year} - {next5}"),
    "KL": ("Của Ban Thường vụ về {topic}", "Về việc tiếp tục thực hiện {topic} đến năm {next5}"),
    "HD": ("Thực hiện {topic} năm {year}", "Tổ chức hội nghị tổng kết {topic} năm {year}"),
    "GM": ("Dự hội nghị sơ kết {topic}", "Dự buổi làm việc về {topic} năm {year}"),
    "BB": ("Hội nghị triển khai {topic} năm {year}", "Kiểm tra {topic} tại {area}"),
    "QyĐ": ("Về quản lý và thực hiện {topic} tại {area}",),
    "QĐi": ("Về trách nhiệm của cán bộ, đảng viên trong {topic}",),
    "CTr": ("Công tác năm {year} của {area}", "Hành động thực hiện {topic} giai đoạn {year} - {next5}"),
}

SUBJECT_TAILS = (
    " trên địa bàn {area}", " trong thời gian tới", " và nhiệm vụ trọng tâm trong thời gian tới",
    " giai đoạn {year} - {next5}", " của các cơ quan, đơn vị, địa phương", " theo chỉ đạo của cấp trên",
    " trong tình hình mới", " năm {year} và phương hướng, nhiệm vụ năm {next1}",
)
"""Qualifiers real subjects run on with (two or three printed lines, not one)."""

SUBORDINATES = ("Các phòng, ban, đơn vị trực thuộc", "Ủy ban nhân dân các phường, xã", "Các cơ quan, đơn vị liên quan",
                "Các tổ chức chính trị - xã hội", "Các chi bộ, đảng bộ trực thuộc")
SUPERIORS = ("Ủy ban nhân dân thành phố Hà Nội", "Sở Nội vụ thành phố Hà Nội", "Thường trực Thành ủy Hà Nội",
             "Thường trực Hội đồng nhân dân {area}", "Ban Thường vụ Thành ủy Hà Nội")
GOVERNMENT_COPIES = ("Thường trực Thành ủy", "Thường trực HĐND {area}", "Chủ tịch, các PCT UBND",
                     "Các phòng, ban, đơn vị", "UBND các phường, xã", "Cổng thông tin điện tử", "Sở Nội vụ")
PARTY_COPIES = ("Thường trực Thành ủy", "Các đảng bộ trực thuộc", "Các ban xây dựng Đảng", "Các đồng chí Thành ủy viên",
                "Văn phòng Thành ủy")
MASS_COPIES = ("Thường trực cấp ủy cùng cấp", "Ủy ban MTTQ Việt Nam {area}", "Các chi hội, đoàn thể cơ sở",
               "Các đồng chí Ủy viên Ban Thường vụ")
RECEIVERS = ("VĂN PHÒNG HĐND VÀ UBND", "VĂN PHÒNG", "BỘ PHẬN MỘT CỬA", "PHÒNG NỘI VỤ", "VĂN THƯ")

URGENCY = ("KHẨN", "KHẨN", "THƯỢNG KHẨN", "HỎA TỐC")
CONFIDENTIALITY = ("MẬT", "MẬT", "TỐI MẬT", "TUYỆT MẬT")
