"""The ward police watch the criteria of a group change and submit its recognition request;
the inspection team and the steering committee pass it, and the ward's chair approves it from
the inbox (the approver of a group since 2025-07-01, WORKFLOWS.md §11); the group becomes
drug-free."""

from __future__ import annotations

import pytest

from casework.demo.loader import DEMO_PASSWORD
from casework.workflow.deadlines import today_local

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def sign_in(page, username):
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button.primary")
    page.wait_for_url("**/my-work")


def sign_out(page):
    page.click("form[action='/logout'] button")
    page.wait_for_url("**/login")


def state_of(page) -> str:
    return page.locator("header.area-head .badge.area-state").first.get_attribute("data-state")


def send(page, form) -> None:
    """Submit a step's form (htmx posts it and swaps the request's panels in) and wait for
    the answer to be swapped in."""
    with page.expect_response(lambda r: r.request.method == "POST" and "/events/" in r.url):
        form.locator("button[type=submit]").click()
    expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)


def record_tally(page, total: int, signed: int) -> None:
    page.click("details[data-kind=household_tally] > summary")
    form = page.locator("details[data-kind=household_tally] form")
    form.locator("input[name=households_total]").fill(str(total))
    form.locator("input[name=households_signed]").fill(str(signed))
    form.locator("input[name=as_of]").fill(today_local().isoformat())
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def open_from_inbox(page, request_url: str) -> None:
    page.goto("/recognition/inbox")
    page.click(f"a[href='{request_url}']")
    page.wait_for_url(f"**{request_url}")


def test_a_request_climbs_the_chain_to_recognition(page, tmp_path):
    today = today_local().isoformat()
    sign_in(page, "police")
    page.goto("/my-work")
    page.click("td a[href^='/recognition/']")  # the ward's draft request
    page.wait_for_url("**/recognition/*")
    request_url = page.url[page.url.index("/recognition/"):]
    assert state_of(page) == "draft"

    # The group meets all 8 criteria; a new tally with one household missing breaks C6.
    page.click(".breadcrumb a[href^='/areas/']")
    page.wait_for_url("**/areas/*")
    area_url = page.url
    assert page.locator("li.criterion").count() == 8
    assert page.locator("#met-count").inner_text().startswith("Đạt 8/8")
    record_tally(page, 140, 139)
    assert page.locator("#criterion-C6").get_attribute("data-status") == "not_met"
    assert "139/140" in page.locator("#criterion-C6").inner_text()
    record_tally(page, 140, 140)
    assert page.locator("#criterion-C6").get_attribute("data-status") == "met"
    page.screenshot(path=str(tmp_path / "area.png"), full_page=True)

    page.goto(request_url)
    send(page, page.locator("details[data-event=submit] form"))
    assert state_of(page) == "submitted"
    assert page.locator("#snapshot-hash").inner_text()
    sign_out(page)

    sign_in(page, "inspector")
    open_from_inbox(page, request_url)
    form = page.locator("details[data-event=evaluate] form")
    # The 8 verdicts start unchosen; sent so, each criterion asks for its choice.
    assert form.locator("input[type=radio]").count() == 16
    assert form.locator("input[type=radio]:checked").count() == 0
    form.locator("input[name=inspection_date]").fill(today)
    form.locator("input[name=minutes_no]").fill("BB-KT-99")
    send(page, form)
    assert state_of(page) == "submitted"
    form = page.locator("details[data-event=evaluate] form")
    for i in range(1, 9):
        assert form.locator(f"tr[data-code=C{i}] .field-error").inner_text() == (
            "Chọn “Đạt” hoặc “Chưa đạt”.")
        form.locator(f"input[name=met_C{i}][value=met]").check()
    minutes = tmp_path / "bien-ban-kiem-tra.pdf"
    minutes.write_bytes(PDF)
    form.locator("input[name=files]").set_input_files(str(minutes))
    send(page, form)
    assert state_of(page) == "evaluated"
    assert "bien-ban-kiem-tra.pdf" in page.locator("#files").inner_text()
    sign_out(page)

    sign_in(page, "steering")
    open_from_inbox(page, request_url)
    form = page.locator("details[data-event=endorse] form")
    form.locator("input[name=meeting_date]").fill(today)
    send(page, form)
    assert state_of(page) == "endorsed"
    sign_out(page)

    sign_in(page, "chair")  # phường Đoàn Kết's chair: the group is one of its own
    open_from_inbox(page, request_url)
    form = page.locator("details[data-event=approve] form")
    form.locator("input[name=decision_no]").fill("999/QĐ-UBND")
    form.locator("input[name=decision_date]").fill(today)
    send(page, form)
    assert state_of(page) == "approved"
    page.screenshot(path=str(tmp_path / "approved.png"), full_page=True)
    page.goto(area_url)
    assert state_of(page) == "drug_free"
    page.goto("/recognition/inbox")
    assert page.locator(f"a[href='{request_url}']").count() == 0
