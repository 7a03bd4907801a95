"""Draw realistic DocumentSpecs: Hà Nội issuers before/after the 2025 reorganisation, 14 types."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, datetime, time, timedelta

from inference.schema import Block, Fields
from training.synth import lexicon as lx
from training.synth.corpus import BASIS, CLOSINGS, body_sentences
from training.synth.formats import day_text, month_text, pad_number, party_number, state_number
from training.synth.spec import Arrival, DocumentSpec, PageLayout, Paragraph, ParagraphStyle

FIRST_DATE = date(2012, 1, 1)
LAST_DATE = date(2025, 12, 31)
BLOCK_WEIGHTS = {Block.GOVERNMENT: 0.5, Block.PARTY: 0.3, Block.MASS_ORG: 0.2}

SECTIONS: dict[str, tuple[str, ...]] = {
    "KH": ("I. MỤC ĐÍCH, YÊU CẦU", "II. NỘI DUNG", "III. TỔ CHỨC THỰC HIỆN"),
    "HD": ("1. Mục đích, yêu cầu", "2. Nội dung hướng dẫn", "3. Tổ chức thực hiện"),
    "CTr": ("I. MỤC TIÊU", "II. NHIỆM VỤ, GIẢI PHÁP", "III. TỔ CHỨC THỰC HIỆN"),
    "BC": ("I. KẾT QUẢ ĐẠT ĐƯỢC", "II. TỒN TẠI, HẠN CHẾ", "III. PHƯƠNG HƯỚNG, NHIỆM VỤ"),
    "QyĐ": ("Chương I. QUY ĐỊNH CHUNG", "Chương II. QUY ĐỊNH CỤ THỂ"),
    "QĐi": ("I. QUY ĐỊNH CHUNG", "II. QUY ĐỊNH CỤ THỂ"),
}
VERBS = {"KH": "xây dựng Kế hoạch", "HD": "hướng dẫn", "BC": "báo cáo", "TB": "thông báo", "CT": "yêu cầu",
         "CV": "đề nghị", "TTr": "kính trình", "CTr": "ban hành Chương trình", "QyĐ": "quy định",
         "QĐi": "quy định", "KL": "kết luận"}
DECIDING = {"QĐ": "QUYẾT ĐỊNH:", "NQ": "QUYẾT NGHỊ:"}
OPENINGS = {
    "": "Thực hiện chỉ đạo của cấp trên về {topic}, {name} {verb} như sau:",
    "GM": "{name} trân trọng kính mời đại diện lãnh đạo các cơ quan, đơn vị tham dự, cụ thể như sau:",
    "BB": "Hôm nay, tại trụ sở {name}, cuộc họp về {topic} được tiến hành với sự tham dự của các đơn vị liên quan.",
}


def sample_date(rng: random.Random) -> date:
    """A quarter of the documents fall after the reorganisation, so both issuer sets are well covered."""
    start, end = (lx.REORGANISATION, LAST_DATE) if rng.random() < 0.25 else (FIRST_DATE, lx.REORGANISATION)
    return start + timedelta(days=rng.randrange((end - start).days))


def sample_issuer(rng: random.Random, block: Block | None, type_code: str | None, issued: date) -> lx.Issuer:
    blocks = [block] if block else list(BLOCK_WEIGHTS)
    after = issued >= lx.REORGANISATION
    pool = [i for b in blocks for i in lx.issuers(b, after) if type_code is None or type_code in i.types]
    if not pool:
        raise ValueError(f"no {block or 'any'} issuer issues {type_code!r}")
    per_block = Counter(i.block for i in pool)
    weights = [BLOCK_WEIGHTS[i.block] / per_block[i.block] for i in pool]
    return rng.choices(pool, weights)[0]


def sample_running_number(rng: random.Random) -> int:
    """One in five below 10, so the leading-zero rule is exercised often."""
    return rng.randint(1, 9) if rng.random() < 0.2 else rng.randint(10, rng.choice((99, 500, 3000)))


def notation(issuer: lx.Issuer, type_code: str, rng: random.Random) -> str:
    if issuer.style == "party":
        return f"{type_code}/{issuer.code}"
    if type_code != "CV":
        return f"{type_code}-{issuer.code}"
    if "-" in issuer.code:
        return issuer.code
    return f"{issuer.code}-{rng.choice(lx.CV_UNITS.get(issuer.role, ('VP',)))}"


def sample_person(rng: random.Random) -> str:
    sex = rng.choice("mf")
    return f"{rng.choice(lx.FAMILY_NAMES)} {rng.choice(lx.MIDDLE_NAMES[sex])} {rng.choice(lx.GIVEN_NAMES[sex])}"


def fill(template: str, issuer: lx.Issuer, issued: date, topic: str) -> str:
    return template.format(topic=topic, area=issuer.area.lower, year=issued.year, next5=issued.year + 5,
                           next1=issued.year + 1, month=issued.month)


def sample_subject(rng: random.Random, type_code: str, issuer: lx.Issuer, issued: date, topic: str) -> str:
    """A subject from the type's templates, in about half the documents run on with one or two qualifiers.
    The qualifiers are drawn from their own generator, seeded by the subject, so that adding them left every
    other value of a seed's document as it was."""
    subject = fill(rng.choice(lx.SUBJECTS[type_code]), issuer, issued, topic)
    tails = random.Random(f"subject tails|{subject}|{issuer.organ}|{issued}")
    for tail in tails.sample(lx.SUBJECT_TAILS, tails.choice((0, 0, 1, 2))):
        subject += fill(tail, issuer, issued, topic)
    return subject


def sample_kinh_gui(rng: random.Random, type_code: str, issuer: lx.Issuer) -> list[str]:
    upward = type_code in ("TTr", "BC") or (type_code == "CV" and rng.random() < 0.5)
    if type_code not in ("CV", "TTr") and not (type_code == "BC" and rng.random() < 0.4):
        return []
    if upward:
        return [rng.choice(lx.SUPERIORS).format(area=issuer.area.lower)]
    return rng.sample(lx.SUBORDINATES, rng.randint(1, 3))


def sample_recipients(rng: random.Random, type_code: str, issuer: lx.Issuer, kinh_gui: list[str]) -> list[str]:
    pool = {Block.GOVERNMENT: lx.GOVERNMENT_COPIES, Block.PARTY: lx.PARTY_COPIES}.get(issuer.block, lx.MASS_COPIES)
    head = ["Như trên"] if kinh_gui else ["Như Điều 3"] if type_code == "QĐ" else []
    copies = [c.format(area=issuer.area.lower) for c in rng.sample(pool, rng.randint(2, 4))]
    archive = "Lưu Văn phòng" if issuer.block == Block.PARTY else rng.choice(("Lưu: VT", "Lưu: VT, VP"))
    return [*head, *copies, archive]


def addressees(kinh_gui: list[str], recipients: list[str]) -> list[str]:
    """Fields.recipients: who the document goes to, without "Như trên" and the archive copy."""
    return kinh_gui + [r for r in recipients if not r.startswith(("Như ", "Lưu"))]


def paragraph(rng: random.Random, sentences: tuple[str, ...], style: ParagraphStyle = "plain") -> Paragraph:
    return Paragraph(text=" ".join(rng.sample(sentences, rng.randint(1, 3))), style=style)


def decision_heading(issuer: lx.Issuer, signature: list[str]) -> str:
    """"CHỦ TỊCH ỦY BAN NHÂN DÂN QUẬN ..." when one person decides, the body itself when it decides."""
    first = signature[0]
    if first.startswith(("TM.", "T/M")) or issuer.block == Block.PARTY:
        return issuer.organ
    return join_overlapping(first.removeprefix("KT. ").removeprefix("TL. "), issuer.organ)


def join_overlapping(head: str, tail: str) -> str:
    """"TRƯỞNG PHÒNG" + "PHÒNG NỘI VỤ" -> "TRƯỞNG PHÒNG NỘI VỤ": shared words are written once."""
    a, b = head.split(), tail.split()
    shared = max((k for k in range(1, min(len(a), len(b)) + 1) if a[-k:] == b[:k]), default=0)
    return " ".join(a + b[shared:])


def decision_body(rng: random.Random, type_code: str, issuer: lx.Issuer, signature: list[str]) -> list[Paragraph]:
    sentences = body_sentences(issuer.block)
    basis = rng.sample(BASIS[issuer.block], rng.randint(2, min(4, len(BASIS[issuer.block]))))
    articles = [Paragraph(text=f"Điều {k}. {paragraph(rng, sentences).text}") for k in range(1, rng.randint(2, 4))]
    name = lx.DOC_TYPES[type_code]
    last = (f"Điều {len(articles) + 1}. {name} này có hiệu lực kể từ ngày ký. Thủ trưởng các cơ quan, đơn vị và "
            f"cá nhân có liên quan chịu trách nhiệm thi hành {name} này./.")
    return [
        Paragraph(text=decision_heading(issuer, signature), style="heading"),
        *(Paragraph(text=b, style="italic") for b in basis),
        Paragraph(text=DECIDING.get(type_code, f"{name.upper()}:"), style="heading"),
        *articles,
        Paragraph(text=last),
    ]


def prose_body(rng: random.Random, type_code: str, issuer: lx.Issuer, topic: str, issued: date) -> list[Paragraph]:
    sentences = body_sentences(issuer.block)
    opening = OPENINGS.get(type_code, OPENINGS[""])
    verb = VERBS.get(type_code, "thông báo")
    body = [Paragraph(text=opening.format(topic=topic, name=issuer.sentence_name, verb=verb))]
    if type_code == "GM":
        day = issued + timedelta(days=rng.randint(2, 10))
        when = f"ngày {day_text(day)} tháng {month_text(day)} năm {day.year}"
        body += [Paragraph(text=f"Thời gian: {rng.choice((8, 9, 14))} giờ 00, {when}."),
                 Paragraph(text=f"Địa điểm: Hội trường tầng 2, trụ sở {issuer.sentence_name}.")]
    for heading in SECTIONS.get(type_code, ("",)):
        if heading:
            body.append(Paragraph(text=heading, style="bold"))
        body += [paragraph(rng, sentences) for _ in range(rng.randint(1, 3))]
    if type_code in CLOSINGS:
        body.append(Paragraph(text=CLOSINGS[type_code]))
    return body


def sample_layout(rng: random.Random) -> PageLayout:
    def u(lo: float, hi: float) -> float:
        return round(rng.uniform(lo, hi), 1)

    return PageLayout(
        margin_top=u(20, 25), margin_bottom=u(20, 25), margin_left=u(30, 35), margin_right=u(15, 20),
        header_size=rng.choice((12.0, 13.0)), body_size=rng.choice((13.0, 14.0)), line_spacing=u(1.1, 1.45),
        first_line_indent=u(10, 12.7), paragraph_gap=u(0.5, 3.5), signature_gap=u(24, 44), seal_diameter=u(32, 40),
    )


def sample_spec(rng: random.Random, *, block: Block | None = None, type_code: str | None = None) -> DocumentSpec:
    """One document. `block`/`type_code` pin the issuer block or the type ("QĐ", "KL", "CV", ...)."""
    issued = sample_date(rng)
    issuer = sample_issuer(rng, block, type_code, issued)
    type_code = type_code or rng.choice(issuer.types)
    n, symbol = sample_running_number(rng), notation(issuer, type_code, rng)
    number = party_number(n, symbol) if issuer.style == "party" else state_number(n, symbol)
    topic = rng.choice(lx.TOPICS)
    subject = sample_subject(rng, type_code, issuer, issued, topic)
    signature = list(rng.choice(lx.SIGNATURES[issuer.role]))
    kinh_gui = sample_kinh_gui(rng, type_code, issuer)
    recipients = sample_recipients(rng, type_code, issuer, kinh_gui)
    if type_code in DECIDING:
        body = decision_body(rng, type_code, issuer, signature)
    else:
        body = prose_body(rng, type_code, issuer, topic, issued)
    fields = Fields(
        organ_name=issuer.organ, parent_organ_name=issuer.parent, number=number, code_number=pad_number(n),
        code_notation=symbol, place=issuer.place, issued_date=issued, type_name=lx.DOC_TYPES[type_code],
        subject=subject, signer_position=" / ".join(signature), signer_name=sample_person(rng),
        recipients=addressees(kinh_gui, recipients),
        urgency=rng.choice(lx.URGENCY) if rng.random() < (0.3 if type_code == "CV" else 0.08) else None,
        confidentiality=rng.choice(lx.CONFIDENTIALITY) if rng.random() < 0.04 else None, block=issuer.block,
    )
    digital = rng.random() < 0.15
    handwritten_number = not digital and rng.random() < 0.35
    return DocumentSpec(
        fields=fields, type_code=type_code, layout=issuer.block, motto=list(issuer.motto), issuer_mark=issuer.mark,
        body=body, kinh_gui=kinh_gui, recipients=recipients, signature_lines=signature,
        handwritten_number=handwritten_number,
        handwritten_day=not digital and rng.random() < (0.8 if handwritten_number else 0.1),
        red_seal=rng.random() < 0.75, digital_signature_box=digital, incoming_stamp=rng.random() < 0.15,
        signed_at=datetime.combine(issued, time(rng.randint(7, 17), rng.randint(0, 59), rng.randint(0, 59))),
        arrival=Arrival(receiver=rng.choice(lx.RECEIVERS), number=rng.randint(1, 4999),
                        received=issued + timedelta(days=rng.randint(0, 10))),
        page=sample_layout(rng),
    )
