"""An administrator creates a user in the browser (a refused weak password first, shown in the
form by htmx), and the new user then signs in. Screenshots of /admin/users at 1280 and 390
pixels go to CASEWORK_SCREENSHOT_DIR when set (else the test's temporary folder)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from casework.demo.loader import DEMO_PASSWORD

pytestmark = pytest.mark.browser

NEW_PASSWORD = "violet tractor orbit lamp"


def _sign_in(page, username, password):
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button.primary")
    page.wait_for_url(lambda url: "/login" not in url)


def _no_sideways_scroll(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_admin_creates_a_user_who_then_signs_in(page, tmp_path):
    shots = Path(os.environ.get("CASEWORK_SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    _sign_in(page, "admin", DEMO_PASSWORD)
    page.goto("/admin/users")
    assert page.locator("h1").inner_text() == "Người dùng"
    page.click("text=Thêm người dùng")
    form = page.locator("#user-create form")
    form.locator("input[name=username]").fill("cb.doanket")
    form.locator("input[name=full_name]").fill("Lò Thị Hoa")
    form.locator("input[name=post]").fill("Phó trưởng Công an phường")
    form.locator("select[name=role]").select_option("police")
    form.locator("input[name=org_unit]").fill("LCH-P-DK")
    form.locator("input[name=password]").fill("password123")
    form.locator("input[name=password_confirm]").fill("password123")
    form.locator("button.primary").click()

    # refused: the form comes back open, with the reason in Vietnamese and the name kept
    alert = page.locator("#user-create .alert-error")
    alert.wait_for()
    assert "Mật khẩu này quá dễ đoán" in page.locator("#user-create").inner_text()
    assert page.locator("#user-create input[name=full_name]").input_value() == "Lò Thị Hoa"
    page.screenshot(path=str(shots / "admin-users-refused-1280.png"), full_page=True)

    page.locator("#user-create input[name=password]").fill(NEW_PASSWORD)
    page.locator("#user-create input[name=password_confirm]").fill(NEW_PASSWORD)
    page.locator("#user-create button.primary").click()
    page.wait_for_url("**/admin/users/cb.doanket")
    assert "Đã tạo tài khoản cb.doanket." in page.inner_text("main")
    assert "Phó trưởng Công an phường" in page.locator("#details").inner_html()
    assert "Tạo tài khoản" in page.locator("#history").inner_text()
    page.screenshot(path=str(shots / "admin-user-1280.png"), full_page=True)

    page.goto("/admin/users")
    assert "cb.doanket" in page.locator("table.users-table").inner_text()
    page.screenshot(path=str(shots / "admin-users-1280.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/admin/users")
    assert _no_sideways_scroll(page)
    page.screenshot(path=str(shots / "admin-users-390.png"), full_page=True)
    page.goto("/admin/users/cb.doanket")
    assert _no_sideways_scroll(page)
    page.screenshot(path=str(shots / "admin-user-390.png"), full_page=True)

    page.click("text=Đăng xuất")
    page.wait_for_url("**/login")
    _sign_in(page, "cb.doanket", NEW_PASSWORD)
    assert "Lò Thị Hoa" in page.locator(".whoami").inner_text()
    # Sign-in lands on My work; the overview is of the new officer's ward.
    assert page.locator("h1").inner_text() == "Việc của tôi"
    page.goto("/")
    assert "Phường Đoàn Kết" in page.inner_text("main")
