"""A notification read in Chromium: the header's count, the list, marking one read (htmx)
without leaving the page; the header and the page at 1280 and 390 px."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from casework.demo.loader import DEMO_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def police_notes(live_app):
    """Today's reminders of the demo, made as `casework notify` makes them; the police's."""
    from casework.auth.models import User
    from casework.extensions import db
    from casework.notify.models import Notification
    from casework.notify.services import create_due, unread_count
    from casework.workflow.deadlines import today_local

    with live_app.app_context():
        create_due(today_local())
        police = db.session.scalar(sa.select(User).where(User.username == "police"))
        if unread_count(police.id) == 0:  # the demo's day gave the police none: one of ours
            db.session.add(Notification(user_id=police.id, kind="overdue", title="Thử",
                                        url="/my-work", dedup_key="browser-test"))
            db.session.commit()
        count = unread_count(police.id)
        db.session.remove()
    return count


def _shots(tmp_path) -> Path:
    folder = Path(os.environ.get("CASEWORK_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_a_notification_is_read(page, police_notes, tmp_path):
    shots = _shots(tmp_path)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/login")
    page.fill("input[name=username]", "police")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button.primary")
    page.wait_for_url("**/my-work")  # sign-in lands on My work
    count = page.locator("#unread-count")
    assert count.inner_text().split()[0] == str(police_notes)
    page.locator("header.topbar").screenshot(path=str(shots / "header-1280.png"))

    page.click("a.bell")
    page.wait_for_url("**/notifications")
    assert page.locator("h1").inner_text() == "Thông báo"
    first = page.locator("ul.notifications li.unread").first
    item_id = first.get_attribute("id")
    links = first.locator("a").first.get_attribute("href")
    assert links.startswith("/") and "?" not in links.split("/")[1]
    page.screenshot(path=str(shots / "notifications-1280.png"), full_page=True)

    first.get_by_role("button", name="Đánh dấu đã đọc").click()
    page.wait_for_selector(f"#{item_id}.read")
    assert page.url.endswith("/notifications")  # htmx: the same page
    assert count.inner_text().split()[0] == str(police_notes - 1)
    assert "Đã đọc" in page.locator(f"#{item_id}").inner_text()

    page.reload()  # it stays read
    assert page.locator(f"#{item_id}.read").count() == 1
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
    page.locator("header.topbar").screenshot(path=str(shots / "header-390.png"))
    page.screenshot(path=str(shots / "notifications-390.png"), full_page=True)
