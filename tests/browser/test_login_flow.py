"""Sign in as a demo user, see the Vietnamese home page, switch to English, sign out."""

from __future__ import annotations

import pytest

from casework.demo.loader import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def test_demo_user_signs_in_switches_language_and_signs_out(page, tmp_path):
    page.goto("/")
    assert page.url.endswith("/login?next=/")
    assert page.locator("h1").inner_text() == "Đăng nhập"

    page.fill("input[name=username]", "police")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button.primary")

    page.wait_for_url("**/")  # back where the user was going ("my work" without a `next`)
    assert page.locator("html").get_attribute("lang") == "vi"
    assert "Xin chào" in page.locator("h1").inner_text()
    assert "Công an xã/phường" in page.inner_text("main")
    assert "Phường Đoàn Kết" in page.inner_text("main")
    page.screenshot(path=str(tmp_path / "home-vi.png"), full_page=True)

    page.click("button[value=en]")
    page.wait_for_selector("html[lang=en]")
    assert "Your roles" in page.inner_text("main")
    assert page.locator("nav.mainnav").inner_text().split()[0] == "Overview"

    page.click("nav.mainnav a[href=\"/areas/\"]")
    page.wait_for_url("**/areas/")
    assert "Phường Đoàn Kết" in page.inner_text("main")

    page.click("text=Sign out")
    page.wait_for_url("**/login")
    assert "You have signed out." in page.inner_text("main")
    page.goto("/")
    assert "/login" in page.url


def test_wrong_password_shows_the_message_in_the_form(page):
    page.goto("/login")
    page.fill("input[name=username]", "police")
    page.fill("input[name=password]", "not the password")
    page.click("button.primary")
    assert page.locator(".alert-error").inner_text() == "Sai tên đăng nhập hoặc mật khẩu."
