"""A staff reader (no correcting, no uploading) sees the document but none of the actions it may not take."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from api.auth.principal import Role

from .conftest import Screens, Service, log_in


def test_a_reader_sees_the_document_without_correcting_or_uploading(
    page: Page, service: Service, screens: Screens, account: Callable[..., tuple[str, str]]
) -> None:
    username, password = account("canbo.doc", [Role.staff_reader])
    log_in(page, f"/documents/{service.document['id']}", username, password)

    expect(page.get_by_role("img", name="Trang 1 của văn bản")).to_have_attribute("data-shown", "1")
    expect(page.get_by_role("button", name="Số, ký hiệu", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Sửa Người ký")).to_have_count(0)
    expect(page.get_by_role("navigation").get_by_role("link", name="Tải lên")).to_have_count(0)
    screens(page, "reader-document")

    page.keyboard.press("Alt+u")  # the upload shortcut leads to a refusal, not to a form
    expect(page.get_by_role("heading", name="Tải lên")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("Bạn không có quyền")
    expect(page.get_by_role("alert")).to_contain_text("Trang này dành cho: Quản trị hệ thống, Văn thư.")
    screens(page, "reader-upload-refused")
