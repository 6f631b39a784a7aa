"""A health worker records a positive test on the person page; the chair signs the
management decision from "my work"; the timeline shows both."""

from __future__ import annotations

import re

import pytest

from casework.demo.loader import DEMO_PASSWORD
from casework.workflow.deadlines import today_local

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

NAME = "Kiểm Thử Trình Duyệt"


def sign_in(page, username):
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button.primary")
    page.wait_for_url("**/my-work")


def sign_out(page):
    page.click("text=Đăng xuất")
    page.wait_for_url("**/login")


def test_test_then_decision_from_my_work(page, tmp_path):
    today = today_local().isoformat()
    sign_in(page, "health")
    page.goto("/persons/new")
    page.fill("input[name=full_name]", NAME)
    page.fill("input[name=birth_date]", "1991-04-02")
    page.select_option("select[name=gender]", "male")
    page.select_option("select[name=area_code]", "LCH-DK-T01")
    page.click("form button.primary")
    page.wait_for_url("**/persons/*")
    assert page.locator("#state-badge").inner_text() == "Nghi sử dụng ma túy"
    person_url = page.url

    page.click("[data-event=record_test]")
    page.wait_for_selector("form.event-form")
    page.fill("input[name=test_date]", today)
    page.select_option("select[name=sample]", "urine")
    page.fill("input[name=substances]", "heroin")
    page.select_option("select[name=result]", "positive")
    page.fill("input[name=facility]", "Trạm Y tế phường Đoàn Kết")
    page.click("form.event-form button.primary")
    # A locator, not wait_for_function: the page's CSP refuses the eval that one needs.
    expect(page.locator("#state-badge")).to_have_text(re.compile("^Dương tính"))
    assert page.url == person_url  # swapped in place, no reload
    page.screenshot(path=str(tmp_path / "after-test.png"), full_page=True)
    sign_out(page)

    sign_in(page, "chair")
    page.goto("/my-work")
    group = page.locator("section.work-group", has_text=NAME)  # one group per task
    assert "Ký quyết định quản lý" in group.locator("h2").inner_text()
    row = group.locator("tr", has_text=NAME)
    row.locator("a").first.click()
    page.wait_for_url(person_url)
    page.click("[data-event=decide_management]")
    page.wait_for_selector("form.event-form")
    page.fill("input[name=decision_no]", "99/QĐ-UBND")
    page.fill("input[name=decision_date]", today)
    page.click("form.event-form button.primary")
    expect(page.locator("#state-badge")).to_have_text(re.compile("^Người sử dụng"))
    timeline = page.locator(".timeline").inner_text()
    assert "Ghi kết quả xét nghiệm" in timeline and "Quyết định quản lý" in timeline
    assert timeline.index("Ghi kết quả xét nghiệm") < timeline.index("Quyết định quản lý")
    page.screenshot(path="/tmp/person-flow.png", full_page=True)


def test_a_bad_form_shows_its_message_in_place(page):
    sign_in(page, "health")
    page.goto("/persons/?q=kiem+thu")
    page.goto("/persons/new")
    page.fill("input[name=full_name]", "Người Lỗi Biểu Mẫu")
    page.fill("input[name=birth_date]", "1990-01-01")
    page.select_option("select[name=gender]", "female")
    page.select_option("select[name=area_code]", "LCH-DK-T02")
    page.click("form button.primary")
    page.wait_for_url("**/persons/*")
    page.click("[data-event=record_test]")
    page.wait_for_selector("form.event-form")
    page.select_option("select[name=result]", "positive")
    page.click("form.event-form button.primary")
    page.wait_for_selector("form.event-form .alert-error")
    assert "Một số trường còn thiếu" in page.locator("form.event-form .alert-error").inner_text()
    assert page.locator("#state-badge").inner_text() == "Nghi sử dụng ma túy"
