"""The review queue, the administration and the models pages in the browser: a records officer confirms a
retention proposal; an administrator creates an API key (seen once), uses it, revokes it, looks at the audit log,
retrains the digit reader with a live progress bar, promotes the new version through the gate and rolls it back."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Page, expect
from sqlalchemy import select

from api.store.models import RetentionDecisionRow

from .conftest import USERNAME, Screens, Service, log_in
from .support_admin import admin, log_in_as  # noqa: F401 (admin is a fixture)

KEY_NAME = "may-quet-tang-1"
RUN_TIMEOUT_MS = 300_000
"""A 2-step fine-tuning of the digit reader and its gate, on a loaded 2-core machine."""


def test_officer_confirms_a_retention_proposal(page: Page, service: Service, screens: Screens) -> None:
    log_in(page, "/review?kind=retention")
    expect(page.get_by_role("heading", name="Hàng đợi duyệt")).to_be_visible()
    card = page.get_by_role("article").filter(has_text="bien-ban.pdf")
    expect(card).to_contain_text("Đề xuất:")
    screens(page, "review-queue")

    card.get_by_label("Ghi chú (không bắt buộc)").fill("Đúng theo danh mục")
    card.get_by_role("button", name="Xác nhận đề xuất").click()
    expect(page.get_by_text("Đã xác nhận thời hạn bảo quản.")).to_be_visible()
    expect(page.get_by_role("article").filter(has_text="bien-ban.pdf")).to_have_count(0)
    screens(page, "review-confirmed")

    with service.runtime.sessions() as session:
        latest = session.scalars(
            select(RetentionDecisionRow)
            .where(RetentionDecisionRow.document_id == service.document["id"])
            .order_by(RetentionDecisionRow.id.desc())
        ).first()
    assert (latest.source, latest.decided_by, latest.note) == ("confirmed", f"user:{USERNAME}", "Đúng theo danh mục")

    page.get_by_label("Trạng thái").select_option("resolved")
    expect(page.get_by_role("article").filter(has_text="bien-ban.pdf")).to_contain_text(f"user:{USERNAME}")


def test_admin_creates_uses_and_revokes_an_api_key(
    page: Page,
    service: Service,
    screens: Screens,
    admin: tuple[str, str],  # noqa: F811
) -> None:
    log_in_as(page, *admin, "/admin?tab=keys")
    expect(page.get_by_role("tab", name="Khoá API")).to_have_attribute("aria-selected", "true")
    page.get_by_label("Tên khoá (hệ thống dùng nó)").fill(KEY_NAME)
    page.get_by_role("button", name="Tạo khoá").click()
    secret = page.get_by_label("Khoá API mới")
    expect(secret).to_have_value(re.compile(r"^vk_"))
    expect(page.get_by_text("Khoá chỉ hiển thị một lần này.")).to_be_visible()
    screens(page, "key-created")

    key = secret.input_value()
    with httpx.Client(base_url=service.url, headers={"X-API-Key": key}, timeout=30) as pipeline:
        assert pipeline.get("/v1/auth/me").json()["roles"] == ["pipeline"]
        page.get_by_role("button", name=f"Thu hồi khoá {KEY_NAME}").click()
        page.get_by_role("button", name="Xác nhận thu hồi").click()
        expect(page.get_by_role("row").filter(has_text=KEY_NAME)).to_contain_text("Đã thu hồi")
        expect(page.get_by_label("Khoá API mới")).to_have_count(0)  # the secret is not shown again
        screens(page, "key-revoked")
        assert pipeline.get("/v1/auth/me").status_code == 401

    page.get_by_role("tab", name="Nhật ký kiểm tra").click()
    expect(page.get_by_text(re.compile(r"^Chuỗi băm toàn vẹn: \d+ mục"))).to_be_visible()
    expect(page.get_by_role("table", name="Nhật ký kiểm tra")).to_contain_text("/v1/admin/keys")
    screens(page, "audit-log")

    page.get_by_role("link", name="Mô hình").click()
    expect(page.get_by_role("img", name=re.compile("exact_match")).first).to_be_visible()
    expect(page.get_by_role("button", name="Bắt đầu huấn luyện lại")).to_be_visible()
    screens(page, "models")


def test_retrain_with_progress_promote_through_the_gate_and_roll_back(
    page: Page,
    screens: Screens,
    admin: tuple[str, str],  # noqa: F811
) -> None:
    log_in_as(page, *admin, "/models")
    digits = page.get_by_role("region", name=re.compile("^digits"))
    digits.get_by_label("Số bước (không bắt buộc)").fill("2")
    digits.get_by_role("button", name="Bắt đầu huấn luyện lại").click()
    expect(digits.get_by_role("progressbar", name="Tiến độ huấn luyện")).to_be_visible()
    expect(digits.get_by_role("button", name="Huỷ huấn luyện")).to_be_visible()
    status = digits.locator(".run [role=status]")
    expect(status).to_contain_text("Đang chạy", timeout=RUN_TIMEOUT_MS)
    screens(page, "training")
    expect(status).to_contain_text("Hoàn tất", timeout=RUN_TIMEOUT_MS)
    expect(status).to_contain_text("phiên bản mới v3")

    page.get_by_role("button", name="Nâng cấp digits lên v3").click()
    gate = page.get_by_role("region", name=re.compile("^digits")).locator(".gate-result")
    expect(gate).to_contain_text("Cổng kiểm định: ĐẠT", timeout=RUN_TIMEOUT_MS)
    expect(gate).to_contain_text("600 mẫu")
    expect(page.get_by_role("region", name=re.compile("^digits")).get_by_role("heading", level=2)).to_contain_text("v3")
    screens(page, "promoted")

    page.get_by_role("button", name="Quay lại phiên bản trước của digits").click()
    expect(page.get_by_text("Đã quay lại v2 (từ v3).")).to_be_visible()
    expect(page.get_by_role("region", name=re.compile("^digits")).get_by_role("heading", level=2)).to_contain_text("v2")
    screens(page, "rolled-back")
