"""The main pages work under the Content-Security-Policy: Chromium reports no violation,
Mermaid draws its diagrams, Swagger UI lists the API, htmx and the chart still work."""

from __future__ import annotations

import pytest

from tests.browser.test_person_flow import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def violations(page):
    """Console messages of CSP violations (Chromium logs each refused script or style)."""
    found: list[str] = []
    page.on("console", lambda message: found.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text else None)
    return found


def _visit(page, url: str, ready: str | None = None) -> None:
    response = page.goto(url)
    assert response.status == 200, url
    if ready:
        page.wait_for_selector(ready)
    page.wait_for_load_state("networkidle")


def test_main_pages_report_no_csp_violation(page, violations):
    sign_in(page, "chair")
    _visit(page, "/")
    _visit(page, "/my-work")
    _visit(page, "/persons/", "#person-results")
    page.click("#person-results table a")
    page.wait_for_selector("pre.mermaid svg")  # the person's workflow diagram is drawn
    page.wait_for_load_state("networkidle")
    _visit(page, "/workflows/", "pre.mermaid svg")
    _visit(page, "/workflows/person", "pre.mermaid svg")
    _visit(page, "/areas/")
    _visit(page, "/dashboard")
    _visit(page, "/recognition/")
    _visit(page, "/imports/")
    _visit(page, "/plans/")
    page.click("main table a")
    page.wait_for_selector(".bar svg rect")  # the progress bars are drawn without styles
    page.wait_for_load_state("networkidle")
    _visit(page, "/reports/six_month?org_unit=LCH-DK&period=2025-H1", "button[data-print]")
    _visit(page, "/api/docs", ".swagger-ui .opblock")
    assert violations == []


def test_admin_pages_report_no_csp_violation(page, violations):
    sign_in(page, "admin")
    _visit(page, "/admin/users")
    _visit(page, "/")
    assert violations == []
