"""A records officer in the browser: log in, search with a natural question, open the document, correct a field
with a word picked on the page, and find the correction in the retraining data (the corrections export)."""

from __future__ import annotations

import re
from pathlib import Path

from datasets import load_from_disk
from playwright.sync_api import Page, expect

from api.corrections_export import export_corrections

from .conftest import USERNAME, Screens, Service, log_in

QUESTION = "bien ban cham soc nguoi co cong nam 2025"
"""Typed without diacritics, as people do; read as type Biên bản and year 2025."""


def test_log_in_search_open_correct_and_export(page: Page, service: Service, screens: Screens, tmp_path: Path) -> None:
    document = service.document
    signer = document["fields"]["signer_name"]  # the synthetic content depends on the corpus present
    given_name, corrected_signer = signer.split()[-1], f"{signer} (đã sửa)"
    log_in(page)
    screens(page, "logged-in")

    search = page.get_by_label("Câu hỏi hoặc từ khóa")
    page.keyboard.press("/")
    expect(search).to_be_focused()
    search.fill(QUESTION)
    search.press("Enter")
    hit = page.locator(".hit").first
    expect(hit).to_contain_text("278/BB-UBND")
    expect(hit.locator("mark").first).to_be_visible()  # the snippet's highlighted words
    read_as = page.get_by_role("list", name="Cách hiểu câu hỏi")
    expect(read_as).to_contain_text("Năm: 2025")
    screens(page, "search-results")

    page.get_by_role("group", name="Năm").get_by_role("button", name=re.compile("2025")).click()
    expect(page.get_by_role("list", name="Bộ lọc đang áp dụng")).to_contain_text("Năm: 2025")
    read_as.get_by_role("button", name=re.compile("Loại")).click()
    expect(page.locator(".hit").first).to_contain_text("278/BB-UBND")
    screens(page, "search-filtered")

    page.locator(".hit h3 a").first.click()
    expect(page).to_have_url(re.compile(f"#/documents/{document['id']}"))
    image = page.get_by_role("img", name="Trang 1 của văn bản")
    expect(image).to_have_attribute("data-shown", "1")
    page.get_by_role("button", name="Số, ký hiệu", exact=True).click()
    expect(page.locator(".field-box")).to_be_visible()
    screens(page, "document-number-highlighted")

    page.get_by_role("region", name=re.compile("Ảnh trang văn bản")).press("+")
    page.get_by_role("button", name="Phóng to").click()
    expect(page.locator(".zoom-level")).to_have_text("150%")
    expect(image).to_have_attribute("data-shown", "1")  # fetched again at a higher resolution
    assert image.evaluate("img => img.naturalWidth") > 2000  # 300 dpi: an A4 page is 2481 px wide
    screens(page, "document-zoomed")
    page.get_by_role("button", name="Vừa khung").click()

    page.get_by_role("button", name="Sửa Người ký").click()
    page.get_by_role("button", name="Chọn từ trên trang").click()
    word = page.locator(f".word-box[title='{given_name}']").first
    word.click()
    page.get_by_label("Người ký", exact=True).fill(corrected_signer)
    screens(page, "correcting-signer")
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_role("status").filter(has_text="phiên bản 1")).to_be_visible()
    expect(page.locator("[data-version='1']")).to_be_visible()
    expect(page.locator("[data-field='signer_name'] .field-value")).to_have_text(corrected_signer)
    screens(page, "corrected")

    card = export_corrections(service.runtime.sessions, tmp_path / "corrections")
    rows = load_from_disk(str(tmp_path / "corrections")).to_list()

    assert card.rows == 1
    row = rows[0]
    assert row["document_id"] == document["id"]
    assert row["fields"]["signer_name"] == corrected_signer
    assert row["corrected_fields"] == ["signer_name"]
    assert row["corrected_by"] == [f"user:{USERNAME}"]
    [box] = [b for b in row["boxes"] if b["field"] == "signer_name"]
    picked = next(w for w in row["words"] if w["text"] == given_name)
    corners = ("x0", "y0", "x1", "y1")
    assert box["page"] == 0
    assert [box[c] for c in corners] == [picked[c] for c in corners]
