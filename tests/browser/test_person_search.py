"""The live search on the person list: results as you type, and the name never in the URL."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_person_flow import sign_in

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect


def test_live_search_keeps_the_name_out_of_the_url(page):
    sign_in(page, "police")
    page.goto("/persons/")
    rows = page.locator("#person-results tbody tr")
    first_name = rows.first.locator("td").first.inner_text()
    total = rows.count()
    assert total > 1
    requests = []
    page.on("request", lambda r: requests.append(r.url))

    page.fill("input[name=q]", first_name)
    expect(rows.first.locator("td").first).to_have_text(first_name)
    expect(rows).not_to_have_count(total)
    # A change event: the URL is replaced. Wait for that answer itself: a load state already
    # reached does not wait, and going back while it is in flight raced its replaceState.
    with page.expect_response(lambda r: r.url.endswith("/persons/search")) as answered:
        page.select_option("select[name=state]", index=0)
    assert answered.value.ok
    expect(page).to_have_url(re.compile(r"/persons/"))
    page.wait_for_function("document.querySelector('.htmx-request') === null")

    word = first_name.split()[-1]
    assert word not in page.url and "q=" not in page.url
    assert not [url for url in requests if "q=" in url or word in url]
    page.go_back()  # no history entry was made for the search
    expect(page).not_to_have_url(re.compile(r"/persons/"))
