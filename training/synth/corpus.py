"""Body sentences: from the real corpora in ../shared when present, else from a built-in set.

A user's clone has no ../shared, so the built-in set must be enough on its own; the corpora only add
variety. Nothing from ../shared is ever written into the repository.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from inference.schema import Block
from training.synth.fonts import covered_chars

MAX_SENTENCES = 4000

BASIS: dict[Block, tuple[str, ...]] = {
    Block.GOVERNMENT: (
        "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;",
        "Căn cứ Luật sửa đổi, bổ sung một số điều của Luật Tổ chức Chính phủ và Luật Tổ chức chính quyền địa phương "
        "ngày 22 tháng 11 năm 2019;",
        "Căn cứ Luật Lưu trữ ngày 21 tháng 6 năm 2024;",
        "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư;",
        "Căn cứ Luật Ngân sách nhà nước ngày 25 tháng 6 năm 2015;",
        "Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022;",
        "Căn cứ Nghị định số 45/2020/NĐ-CP ngày 08 tháng 4 năm 2020 của Chính phủ về thực hiện thủ tục hành chính "
        "trên môi trường điện tử;",
        "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;",
    ),
    Block.PARTY: (
        "Căn cứ Điều lệ Đảng;",
        "Căn cứ Quy định số 66-QĐ/TW ngày 06 tháng 02 năm 2017 của Ban Chấp hành Trung ương về thể loại, thẩm quyền "
        "ban hành và thể thức văn bản của Đảng;",
        "Căn cứ Quy chế làm việc của Ban Chấp hành Đảng bộ nhiệm kỳ 2020 - 2025;",
        "Căn cứ Hướng dẫn số 36-HD/VPTW ngày 03 tháng 4 năm 2018 của Văn phòng Trung ương Đảng;",
    ),
    Block.MASS_ORG: (
        "Căn cứ Điều lệ Mặt trận Tổ quốc Việt Nam;",
        "Căn cứ Luật Công đoàn ngày 27 tháng 11 năm 2024;",
        "Căn cứ Chương trình phối hợp thống nhất hành động năm nay;",
        "Căn cứ Nghị quyết Đại hội đại biểu nhiệm kỳ 2024 - 2029;",
    ),
}

BUILT_IN_SENTENCES = (
    "Các cơ quan, đơn vị khẩn trương rà soát, thống kê toàn bộ hồ sơ, tài liệu đang quản lý và lập danh mục.",
    "Thủ trưởng các cơ quan, đơn vị chịu trách nhiệm trước Ủy ban nhân dân về kết quả thực hiện nhiệm vụ được giao.",
    "Tăng cường công tác kiểm tra, giám sát việc thực hiện các quy định về văn thư, lưu trữ tại cơ quan, đơn vị.",
    "Kinh phí thực hiện được bố trí từ nguồn ngân sách nhà nước theo phân cấp hiện hành và các nguồn hợp pháp khác.",
    "Văn phòng có trách nhiệm tổng hợp kết quả, báo cáo Chủ tịch Ủy ban nhân dân trước ngày 15 tháng 12 hằng năm.",
    "Đẩy mạnh ứng dụng công nghệ thông tin trong quản lý, điều hành và giải quyết thủ tục hành chính.",
    "Công tác tuyên truyền được triển khai thường xuyên, đa dạng về hình thức, phù hợp với từng nhóm đối tượng.",
    "Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, các đơn vị kịp thời báo cáo để xem xét, giải quyết.",
    "Tỷ lệ hồ sơ giải quyết đúng hạn đạt trên 98%, không để xảy ra tình trạng hồ sơ quá hạn kéo dài.",
    "Việc số hóa tài liệu phải bảo đảm tính toàn vẹn, chính xác, an toàn thông tin và đúng tiêu chuẩn kỹ thuật.",
    "Cơ sở dữ liệu dùng chung được kết nối, chia sẻ với cơ sở dữ liệu quốc gia về dân cư, đất đai và doanh nghiệp.",
    "Phân công cụ thể cán bộ đầu mối theo dõi, đôn đốc và tổng hợp tình hình thực hiện tại từng đơn vị.",
    "Kết quả thực hiện là một trong những tiêu chí đánh giá, xếp loại thi đua cuối năm của tập thể và cá nhân.",
    "Rà soát, sắp xếp hồ sơ, tài liệu của các cơ quan thuộc cấp huyện trước khi kết thúc hoạt động.",
    "Bố trí đủ diện tích kho lưu trữ, trang thiết bị bảo quản tài liệu theo quy định của pháp luật.",
    "Quán triệt đến toàn thể cán bộ, công chức, viên chức và người lao động nội dung của văn bản này.",
    "Chủ động xây dựng kế hoạch chi tiết, xác định rõ nội dung công việc, thời gian hoàn thành và đơn vị chủ trì.",
    "Kiểm tra việc chấp hành quy định về phòng cháy, chữa cháy tại các khu dân cư, cơ sở sản xuất, kinh doanh.",
    "Ban Thường vụ yêu cầu các cấp ủy, tổ chức đảng nghiêm túc quán triệt và tổ chức thực hiện có hiệu quả.",
    "Nâng cao vai trò, trách nhiệm của người đứng đầu trong lãnh đạo, chỉ đạo thực hiện nhiệm vụ chính trị.",
    "Mặt trận Tổ quốc và các đoàn thể chính trị - xã hội tăng cường giám sát, phản biện xã hội.",
    "Phát huy vai trò của đoàn viên, hội viên trong các phong trào thi đua yêu nước ở cơ sở.",
    "Số liệu báo cáo tính từ ngày 01 tháng 01 đến hết ngày 30 tháng 6 của năm báo cáo.",
    "Thu ngân sách nhà nước trên địa bàn ước đạt 105% dự toán, tăng 8,5% so với cùng kỳ năm trước.",
    "Tổng số hồ sơ tiếp nhận trong kỳ là 12.450 hồ sơ, trong đó hồ sơ trực tuyến chiếm 76%.",
    "Đến nay, 100% phường, xã đã hoàn thành việc cập nhật dữ liệu vào hệ thống quản lý văn bản và điều hành.",
    "Một số đơn vị còn chậm gửi báo cáo, chất lượng số liệu chưa bảo đảm, cần khắc phục trong thời gian tới.",
    "Giao Phòng Nội vụ chủ trì, phối hợp với các đơn vị liên quan hướng dẫn, kiểm tra việc thực hiện.",
    "Hồ sơ gửi về Bộ phận tiếp nhận và trả kết quả trước 17 giờ 00 ngày thứ Sáu hằng tuần.",
    "Bảo đảm an ninh chính trị, trật tự an toàn xã hội, không để phát sinh điểm nóng trên địa bàn.",
    "Tổ chức hội nghị sơ kết, đánh giá kết quả, rút kinh nghiệm và đề ra nhiệm vụ, giải pháp cho giai đoạn tiếp theo.",
    "Tiếp tục triển khai có hiệu quả các chương trình, kế hoạch đã đề ra, phấn đấu hoàn thành toàn diện các chỉ tiêu.",
    "Đề nghị các đơn vị cử lãnh đạo và cán bộ phụ trách tham dự đầy đủ, đúng thành phần.",
    "Cán bộ, công chức tham gia đợt tập huấn được bố trí thời gian và bảo đảm các chế độ theo quy định.",
    "Tài liệu hết giá trị được thống kê, lập hồ sơ đề nghị hủy theo đúng trình tự, thủ tục.",
    "Thường xuyên cập nhật, công khai thông tin trên Cổng thông tin điện tử để người dân biết, theo dõi và giám sát.",
)

CLOSINGS: dict[str, str] = {
    "CV": "Đề nghị các cơ quan, đơn vị nghiêm túc triển khai thực hiện./.",
    "TTr": "Kính trình xem xét, quyết định./.",
    "BC": "Trên đây là báo cáo kết quả thực hiện, kính báo cáo để theo dõi, chỉ đạo./.",
    "GM": "Rất mong các đồng chí tham dự đầy đủ, đúng giờ./.",
    "BB": "Biên bản kết thúc vào hồi 11 giờ 00 cùng ngày, đã được đọc lại và các thành viên dự họp nhất trí./.",
}

_MARKER = re.compile(r"^\s*(?:[a-zđ]\)|\d+(?:\.\d+)*\.|[IVX]+\.|[-\u2013+•*])\s*")
_JUNK = re.compile(r"[|*_#<>\[\]]|https?:|\.\.\.|…|\./")


def shared_dir() -> Path:
    """../shared next to the repository, or $VANTHU_SHARED_DIR."""
    return Path(os.environ.get("VANTHU_SHARED_DIR", Path(__file__).resolve().parents[3] / "shared"))


def clean_sentence(raw: str) -> str | None:
    """One paragraph of a real text as a body sentence, or None when it would look wrong or not render."""
    text = _MARKER.sub("", " ".join(raw.split())).strip("“”\"' ")
    if not 60 <= len(text) <= 320 or _JUNK.search(text) or not text[0].isupper():
        return None
    if text.startswith(("Điều ", "Chương ", "Mục ", "Căn cứ", "Nơi nhận")) or text[-1] not in ".;:":
        return None
    if not set(text) <= covered_chars() or max(map(len, text.split())) > 30:
        return None
    return text[:-1] + "."


def _paragraphs(path: Path, split_blank_lines: bool) -> Iterator[str]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            text = json.loads(line).get("text") or ""
            yield from text.split("\n\n") if split_blank_lines else text.split("\n")


@cache
def _load(path: Path, split_blank_lines: bool) -> tuple[str, ...]:
    found: list[str] = []
    for paragraph in _paragraphs(path, split_blank_lines):
        sentence = clean_sentence(paragraph)
        if sentence:
            found.append(sentence)
        if len(found) >= MAX_SENTENCES:
            break
    return tuple(dict.fromkeys(found))


def corpus_sentences(block: Block) -> tuple[str, ...]:
    """Sentences from ../shared for this block (Party texts for the Party), empty when absent."""
    root = shared_dir() / "data"
    party = block == Block.PARTY
    path = root / "party" / "party_texts.jsonl" if party else root / "vbpl" / "vbpl_fulltext.jsonl"
    return _load(path, party) if path.is_file() else ()


def body_sentences(block: Block) -> tuple[str, ...]:
    return corpus_sentences(block) or BUILT_IN_SENTENCES
