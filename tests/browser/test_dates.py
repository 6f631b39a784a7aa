"""Dates in Chromium whatever its language: typed dd/mm/yyyy, judged, refused in Vietnamese.

The browser runs in American English, where an <input type="date"> would show mm/dd/yyyy. A
health officer opens a record that came to notice ten days ago, records a test dated the day
before that, reads why it is refused under the date field, then records a valid one.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from casework.demo.loader import DEMO_PASSWORD
from casework.workflow.deadlines import today_local

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

NAME = "Kiểm Thử Ngày Tháng"


@pytest.fixture
def american(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="en-US",
                                  timezone_id="America/New_York")
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()


def dmy(day) -> str:
    return day.strftime("%d/%m/%Y")


def test_a_test_before_the_opening_is_refused_under_its_date_then_a_valid_one_saved(american):
    page = american
    today = today_local()
    noticed, early, tested = (today - timedelta(days=10), today - timedelta(days=11),
                              today - timedelta(days=4))
    page.goto("/login")
    page.fill("input[name=username]", "health")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button.primary")
    page.wait_for_url("**/my-work")

    page.goto("/persons/new")
    birth = page.locator("input[name=birth_date]")
    assert birth.get_attribute("type") == "text"
    assert birth.get_attribute("placeholder") == "dd/mm/yyyy"
    page.fill("input[name=full_name]", NAME)
    birth.fill("02/04/1991")
    page.select_option("select[name=gender]", "male")
    page.select_option("select[name=area_code]", "LCH-DK-T01")
    page.fill("input[name=effective_date]", dmy(noticed))
    page.click("form button.primary")
    page.wait_for_url("**/persons/*")
    assert page.locator("#state-badge").inner_text() == "Nghi sử dụng ma túy"
    assert "02/04/1991" in page.locator("main").inner_text()

    page.click("[data-event=record_test]")
    form = page.locator("form.event-form")
    form.wait_for()
    # One date for the fact, with an optional time; no second "when it happened".
    assert form.locator("input.date-input").count() == 1
    assert form.locator("input[name=effective_at]").count() == 0
    # The browser checks the shape before sending (its pattern): 2026/03/05 is not a date.
    form.locator("input[name=test_date]").fill(today.strftime("%Y/%m/%d"))
    expect(form.locator("input[name=test_date]:invalid")).to_have_count(1)
    form.locator("input[name=effective_time]").fill("7h30")
    expect(form.locator("input[name=effective_time]:invalid")).to_have_count(1)
    form.locator("input[name=effective_time]").fill("")
    form.locator("input[name=test_date]").fill(dmy(early))
    expect(form.locator("input[name=test_date]:invalid")).to_have_count(0)
    page.select_option("select[name=sample]", "urine")
    page.fill("input[name=substances]", "heroin")
    page.select_option("select[name=result]", "positive")
    page.fill("input[name=facility]", "Trạm Y tế phường Đoàn Kết")
    page.click("form.event-form button.primary")
    error = page.locator(".field.event-date .field-error")
    expect(error).to_have_count(1)
    message = error.inner_text()
    assert message.startswith(f"Ngày xét nghiệm ({dmy(early)}) không được trước ngày mở hồ sơ "
                              f"({dmy(noticed)}"), message
    assert page.locator("#state-badge").inner_text() == "Nghi sử dụng ma túy"
    page.screenshot(path="/tmp/dates-refused.png", full_page=True)

    page.locator("form.event-form input[name=test_date]").fill(dmy(tested))
    page.click("form.event-form button.primary")
    expect(page.locator("#state-badge")).to_have_text(re.compile("^Dương tính"))
    timeline = page.locator(".timeline").inner_text()
    assert "Ghi kết quả xét nghiệm" in timeline and dmy(tested) in timeline
