"""The chair downloads the management decision (Mẫu 07) from a person's history and opens it
with python-docx; the police see the compulsory-rehab dossier's papers and attach one. The
person page is photographed at 1280 and 390 px (CASEWORK_SCREENSHOTS=folder keeps them)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from casework.demo.loader import DEMO_PASSWORD
from tests.documents.conftest import text_of

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

PDF = b"%PDF-1.4\n% bien ban\n%%EOF\n"


def sign_in(page, username):
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button.primary")
    page.wait_for_url(lambda url: "/login" not in url)


def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("CASEWORK_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _first_person(page, state):
    page.goto(f"/persons/?state={state}")
    page.locator("table a[href*='/persons/']").first.click()
    page.wait_for_url("**/persons/*")
    return page.locator("h1").inner_text()


def test_the_chair_downloads_form_07_and_opens_it(page, tmp_path):
    sign_in(page, "chair")
    name = _first_person(page, "managed_user")
    link = page.locator("a", has_text="Tải Mẫu số 07 (.docx)").first
    expect(link).to_be_visible()
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename.startswith("mau-07-")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    text = text_of(saved.read_bytes())
    assert name in text and "15/QĐ-UBND" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text


@pytest.mark.parametrize("width", [1280, 390])
def test_the_dossier_papers_on_the_person_page(page, tmp_path, width):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, "police")
    _first_person(page, "compulsory_dossier")
    papers = page.locator("#papers")
    expect(papers.locator("#checklist li.missing").first).to_be_visible()
    missing = papers.locator("#checklist li.missing").count()
    kind = papers.locator("#checklist li.missing").first.get_attribute("data-kind")
    page.locator("#attach-paper summary").click()
    page.select_option("#paper-kind", kind)
    upload = tmp_path / "bien-ban.pdf"
    upload.write_bytes(PDF + str(width).encode())
    page.set_input_files("#paper-file", str(upload))
    page.locator("#attach-paper button[type=submit]").click()
    page.wait_for_url("**#papers")
    expect(page.locator(".flash-info")).to_contain_text("Đã đính kèm")
    assert papers.locator("#checklist li.missing").count() == missing - 1
    expect(papers.locator("#attachments")).to_contain_text("bien-ban.pdf")
    # The papers fit the width (the history's long values are another matter: issue 17,
    # "Print and phone").
    box = papers.bounding_box()
    assert box["x"] + box["width"] <= width
    assert page.evaluate("""() => Math.max(...[...document.querySelectorAll('#papers *')]
        .map(e => e.getBoundingClientRect().right))""") <= width
    page.locator("#attach-paper summary").click()
    papers.screenshot(path=str(shots(tmp_path) / f"papers-{width}.png"))
    page.locator(".timeline").screenshot(path=str(shots(tmp_path) / f"history-{width}.png"))
