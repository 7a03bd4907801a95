"""Upload in the browser: two files dropped at once, one valid and one not; each has its own progress and status."""

from __future__ import annotations

import base64

from playwright.sync_api import Page, expect

from training.synth import sample_document

from .conftest import Screens, Service, log_in

DROP_FILES = """([zoneSelector, files]) => {
  const transfer = new DataTransfer();
  for (const f of files) {
    const bytes = Uint8Array.from(atob(f.data), (c) => c.charCodeAt(0));
    transfer.items.add(new File([bytes], f.name, { type: f.type }));
  }
  const zone = document.querySelector(zoneSelector);
  for (const type of ["dragenter", "dragover", "drop"]) {
    zone.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
  }
}"""


def _file(name: str, data: bytes, media_type: str) -> dict:
    return {"name": name, "data": base64.b64encode(data).decode(), "type": media_type}


def test_two_files_dropped_get_a_status_each(page: Page, service: Service, screens: Screens) -> None:
    log_in(page, "/upload")
    expect(page.get_by_role("heading", name="Tải văn bản lên")).to_be_visible()
    page.get_by_label("Chế độ sử dụng").select_option(label="Hạn chế")
    screens(page, "upload-page")

    valid = _file("cong-van-hop-le.pdf", sample_document(5).pdf, "application/pdf")
    invalid = _file("khong-phai-pdf.pdf", b"<!DOCTYPE html><html><body>trang loi</body></html>", "application/pdf")
    page.evaluate(DROP_FILES, [".drop-zone", [valid, invalid]])

    items = page.locator(".upload-item")
    expect(items).to_have_count(2)
    good = items.filter(has_text="cong-van-hop-le.pdf")
    bad = items.filter(has_text="khong-phai-pdf.pdf")
    expect(bad).to_have_attribute("data-state", "failed")
    expect(bad.get_by_role("alert")).to_have_text("Định dạng tệp không được hỗ trợ (chỉ PDF, TIFF, PNG, JPEG).")
    expect(good).to_have_attribute("data-state", "done", timeout=60_000)
    expect(good.locator("progress")).to_have_js_property("value", 1)
    expect(page.get_by_role("status").filter(has_text="2 tệp")).to_have_text("2 tệp · 1 hoàn tất · 1 lỗi")
    screens(page, "upload-done")

    good.get_by_role("link", name="Mở văn bản").click()
    expect(page.get_by_role("heading", name="Thông tin văn bản")).to_be_visible()
    page.get_by_text("Quyền truy cập").click()
    expect(page.locator(".access dd").nth(2)).to_have_text("Hạn chế")  # as chosen before the drop
    screens(page, "uploaded-document")
