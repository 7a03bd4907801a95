"""Document-type names and symbol abbreviations (Decree 30/2020 App. III; Party HD 36)."""

from inference.text import fold

TYPE_ABBREVIATIONS: dict[str, str] = {
    "NQ": "Nghị quyết", "QĐ": "Quyết định", "CT": "Chỉ thị", "QC": "Quy chế", "QyĐ": "Quy định",
    "QĐi": "Quy định", "TC": "Thông cáo", "TB": "Thông báo", "HD": "Hướng dẫn", "CTr": "Chương trình",
    "KH": "Kế hoạch", "PA": "Phương án", "ĐA": "Đề án", "DA": "Dự án", "BC": "Báo cáo", "BB": "Biên bản",
    "TTr": "Tờ trình", "HĐ": "Hợp đồng", "CĐ": "Công điện", "BGN": "Bản ghi nhớ", "BTT": "Bản thỏa thuận",
    "GUQ": "Giấy ủy quyền", "GM": "Giấy mời", "GGT": "Giấy giới thiệu", "GNP": "Giấy nghỉ phép",
    "PG": "Phiếu gửi", "PC": "Phiếu chuyển", "PB": "Phiếu báo", "KL": "Kết luận", "TT": "Thông tri",
    "QTr": "Quy trình", "CV": "Công văn",
}
"""Party and administrative symbols. Party "TT" is thông tri; the government's is below."""
LEGAL_ABBREVIATIONS: dict[str, str] = {
    "TT": "Thông tư", "TTLT": "Thông tư liên tịch", "NĐ": "Nghị định", "QĐ": "Quyết định", "NQ": "Nghị quyết",
    "L": "Luật", "PL": "Pháp lệnh", "CT": "Chỉ thị", "QH": "Luật",
}
"""Government symbols of legal texts, which differ from the administrative table where they overlap."""

TYPE_NAMES: tuple[str, ...] = tuple(sorted(
    set(TYPE_ABBREVIATIONS.values()) | {"Công văn", "Thông tư", "Nghị định", "Luật", "Pháp lệnh", "Lệnh", "Công thư"},
    key=len, reverse=True,
))
FOLDED_TYPE_NAMES: dict[str, str] = {fold(name): name for name in TYPE_NAMES}

POSITION_WORDS = (
    "chu tich", "pho chu tich", "giam doc", "pho giam doc", "truong", "pho truong", "chanh van phong",
    "pho chanh van phong", "bi thu", "pho bi thu", "thu truong", "bo truong", "chanh an", "vien truong",
    "tong giam doc", "cuc truong", "chi cuc truong", "hieu truong", "chu nhiem", "uy vien", "thu ky",
    "chu toa", "thu tuong", "pho thu tuong", "trung ta", "thuong ta", "dai ta", "thieu ta",
)
ORGAN_HEADS = (
    "uy ban", "ubnd", "hoi dong", "so ", "phong", "ban ", "van phong", "chi cuc", "cuc ", "trung tam",
    "cong an", "bo ", "tong cuc", "thanh uy", "tinh uy", "huyen uy", "quan uy", "dang uy", "dang bo",
    "chi bo", "ban chap hanh", "mat tran", "lien doan", "cong doan", "doan ", "hoi ", "toa an",
    "vien kiem sat", "kho bac", "chi nhanh", "truong ", "benh vien", "ban quan ly", "thanh doan",
)
UNIT_WORDS = ("tinh", "thanh pho", "tp", "tp.", "quan", "huyen", "thi xa", "xa", "phuong", "thi tran")
MASS_ORG_MARKERS = (
    "mat tran to quoc", "lien doan lao dong", "cong doan", "doan tncs", "doan thanh nien",
    "hoi lien hiep phu nu", "hoi nong dan", "hoi cuu chien binh", "thanh doan", "huyen doan", "quan doan",
)
PARTY_MARKERS = ("dang cong san viet nam", "thanh uy", "tinh uy", "huyen uy", "quan uy", "dang uy", "ban chap hanh dang bo")
PARTY_NOTATION_BODIES = ("TW", "TU", "HU", "QU", "ĐU", "ĐĐ", "VPTW", "BTCTW", "BTGTW", "BTGDVTW", "UBKTTW")
URGENCY = ("HỎA TỐC", "THƯỢNG KHẨN", "KHẨN")
SECRECY = ("TUYỆT MẬT", "TỐI MẬT", "MẬT")
COPY_FORMS = ("SAO Y", "SAO LỤC", "TRÍCH SAO")


def type_from_notation(notation: str, party: bool) -> str | None:
    """"QĐ-UBND" -> Quyết định, "TT-BTC" -> Thông tư, Party "KL/TW" -> Kết luận, "TT/TU" -> Thông tri;
    a công văn symbol starts with the issuer ("UBND-VP") and maps to None."""
    if party:
        return TYPE_ABBREVIATIONS.get(notation.split("/")[0])
    head = notation.split("-")[0]
    return LEGAL_ABBREVIATIONS.get(head) or TYPE_ABBREVIATIONS.get(head)
