"""Fixtures of the admin pages' end-to-end tests: an administrator of the root agency in the e2e service."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from api.auth.accounts import UserSpec, create_user
from api.auth.principal import Role, SecrecyLevel
from api.store.identity import UserRow

from .conftest import Service

ADMIN, ADMIN_PASSWORD = "quan.tri", "Quan-tri-e2e-2026"


@pytest.fixture
def admin(service: Service) -> tuple[str, str]:
    """(username, password) of an administrator, created once in the session's service."""
    with service.runtime.sessions.begin() as session:
        if session.get(UserRow, ADMIN) is None:
            create_user(
                session,
                UserSpec(
                    username=ADMIN,
                    password=SecretStr(ADMIN_PASSWORD),
                    roles=[Role.admin],
                    clearance=SecrecyLevel.tuyet_mat,
                ),
            )
    return ADMIN, ADMIN_PASSWORD


def log_in_as(page: object, username: str, password: str, next_path: str) -> None:
    """conftest.log_in for another user than the records officer."""
    page.goto(f"/#{next_path}")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("button", name="Đăng xuất").wait_for()
