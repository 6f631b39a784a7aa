"""The officer's day in Chromium (issue 17): "my work" paged, a phone-width person page that
never scrolls sideways, the print view, and an accessibility pass with axe-core."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from casework.demo.loader import DEMO_PASSWORD

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

AXE = Path(__file__).parent / "vendor" / "axe.min.js"


def sign_in(page, username="police"):
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button.primary")
    page.wait_for_url("**/my-work")


def first_person_url(page) -> str:
    page.goto("/persons/")
    return page.locator("table a[href^='/persons/']").first.get_attribute("href")


def test_my_work_pages_one_task(page):
    sign_in(page)
    groups = page.locator("section.work-group")
    assert groups.count() >= 2
    overdue = page.locator("#group-overdue-police")
    expect(overdue.locator("h2")).to_have_text("Hồ sơ quá hạn")
    assert "⚠" in overdue.inner_text() and "quá hạn" in overdue.inner_text()  # not colour alone
    total = overdue.locator("tbody tr").count()
    assert total >= 3
    page.goto("/my-work?group=overdue-police&per_page=2")
    seen = []
    for number in range(1, (total + 1) // 2 + 1):
        expect(page.locator(".pager span")).to_have_text(f"Trang {number}/{(total + 1) // 2}")
        seen += page.locator("section.work-group tbody td:nth-child(2) a").all_inner_texts()
        if number < (total + 1) // 2:
            page.click("a[rel=next]")
    assert len(seen) == total == len(set(seen))
    # The overdue filter keeps the task, the area filter narrows it.
    page.goto("/my-work?overdue=1")
    assert page.locator("#group-overdue-police tbody tr").count() == total


@pytest.mark.parametrize("path", ["/my-work", "@person", "/persons/", "/areas/", "/"])
def test_a_phone_never_scrolls_sideways(browser, live_server, path, tmp_path):
    context = browser.new_context(base_url=live_server, locale="vi-VN",
                                  viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page)
        url = first_person_url(page) if path == "@person" else path
        page.goto(url)
        assert page.locator("nav.mainnav").is_hidden()
        page.click("details.menu-fold summary")  # the menu folds, and opens
        expect(page.locator("nav.foldnav a").first).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        page.screenshot(path=str(tmp_path / "phone.png"), full_page=True)
        assert width <= 390, (url, width)
    finally:
        context.close()


def test_the_print_view_leaves_out_buttons_diagram_and_hashes(page):
    sign_in(page)
    page.goto(first_person_url(page))
    assert page.locator("button[data-print]").is_visible()
    page.emulate_media(media="print")
    assert page.locator(".print-header").is_visible()
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in page.locator(".print-header").inner_text()
    for hidden in ("button[data-print]", "figure.diagram", "code.timeline-hash",
                   "details.event-box", "header.topbar"):
        for element in page.locator(hidden).all():
            assert element.is_hidden(), hidden
    page.emulate_media(media="screen")
    assert page.locator(".print-header").is_hidden()


MAIN_PAGES = ["/my-work", "/", "@person", "/persons/", "/persons/new", "/areas/",
              "/recognition/", "/reviews/inbox", "/plans/", "/workflows/"]


@pytest.mark.parametrize("path", MAIN_PAGES)
def test_main_pages_have_no_serious_accessibility_violations(browser, live_server, path):
    """axe-core (tests/browser/vendor) on each main page: no serious or critical violation.
    The page's Content-Security-Policy refuses injected scripts: this context bypasses it."""
    context = browser.new_context(base_url=live_server, locale="vi-VN", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        sign_in(page)
        url = first_person_url(page) if path == "@person" else path
        page.goto(url)
        page.wait_for_load_state("networkidle")
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        serious = [
            {"id": v["id"], "impact": v["impact"],
             "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"] if v["impact"] in ("serious", "critical")]
        assert not serious, json.dumps(serious, ensure_ascii=False, indent=1)
    finally:
        context.close()
