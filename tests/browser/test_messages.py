"""In Chromium, an officer who leaves fields empty reads Vietnamese under each of them (the
libraries' defaults included), each message once and no rule code; in English, English."""

from __future__ import annotations

import pytest

from casework.demo.loader import DEMO_PASSWORD
from tests.test_library_messages import default_patterns

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

REQUIRED = "Chưa nhập trường bắt buộc này."


def sign_in(page, username):
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button.primary")
    page.wait_for_url("**/my-work")


def english_defaults(page) -> list[str]:
    text = page.locator("body").inner_text()
    return [p.pattern for p in default_patterns() if p.search(text)]


def test_an_empty_sign_in_form_is_answered_in_vietnamese(page):
    page.goto("/login")
    page.click("button.primary")
    page.wait_for_selector(".field-error")
    errors = page.locator(".field-error").all_inner_texts()
    assert errors == [REQUIRED, REQUIRED]  # username and password, WTForms' default
    assert english_defaults(page) == []


def test_empty_and_wrong_fields_are_answered_in_vietnamese_then_in_english(page):
    sign_in(page, "health")
    page.goto("/persons/new")
    page.fill("input[name=full_name]", "X" * 300)
    page.click("form button.primary")
    page.wait_for_selector(".field-error")
    by_field = {
        name: page.locator(f".field:has([name={name}]) .field-error").all_inner_texts()
        for name in ("full_name", "birth_date", "gender", "area_code")}
    assert by_field == {"full_name": ["Độ dài phải từ 2 đến 200 ký tự."],
                        "birth_date": [REQUIRED], "gender": [REQUIRED],
                        "area_code": [REQUIRED]}
    assert english_defaults(page) == []

    # A person's event form, sent empty: each required field says so under itself.
    page.fill("input[name=full_name]", "Thử Thông Báo")
    page.fill("input[name=birth_date]", "1990-01-01")
    page.select_option("select[name=gender]", "female")
    page.select_option("select[name=area_code]", "LCH-DK-T03")
    page.click("form button.primary")
    page.wait_for_url("**/persons/*")
    page.click("[data-event=record_test]")
    page.wait_for_selector("form.event-form")
    page.click("form.event-form button.primary")
    page.wait_for_selector("form.event-form .field-error")
    form = page.locator("form.event-form")
    for name in ("sample", "result", "facility"):
        assert form.locator(f".field:has([name={name}]) .field-error").all_inner_texts() == [
            REQUIRED], name
    alert = form.locator(".alert-error").inner_text()
    assert alert.strip() == "Một số trường còn thiếu hoặc không hợp lệ."  # said once
    assert english_defaults(page) == []

    # The same in English: the libraries' own English stays.
    page.click("form.langswitch button[value=en]")
    page.wait_for_load_state()
    page.click("[data-event=record_test]")
    page.wait_for_selector("form.event-form")
    page.click("form.event-form button.primary")
    page.wait_for_selector("form.event-form .field-error")
    assert "Missing data for required field." in page.locator(
        "form.event-form").inner_text()
    page.click("form.langswitch button[value=vi]")
    page.wait_for_load_state()
