"""The notifications API and page: one's own only (404 otherwise), marking read, the header's
unread count (one COUNT query)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event

from casework.extensions import db
from casework.notify.models import Notification
from tests.conftest import ApiClient, PageClient, get_token


def _note(user, n: int, *, read=False, kind="due_soon") -> Notification:
    from casework.db import utcnow

    note = Notification(user_id=user.id, kind=kind, title=f"Xét nghiệm {n}",
                        subject=f"Hồ sơ số {n}", url=f"/persons/{n}", due=date(2027, 1, n),
                        dedup_key=f"k{n}", read_at=utcnow() if read else None)
    db.session.add(note)
    db.session.commit()
    return note


@pytest.fixture
def two(app, make_user):
    """Two health officers of ward W1, each with notifications: (user, api client, pages)."""
    found = []
    for name in ("health_a", "health_b"):
        user = make_user(name, ("health", "W1"))
        pages = PageClient(app.test_client())
        assert pages.login(name).status_code == 302
        found.append((user, ApiClient(app.test_client(), get_token(app, name)), pages))
    return found


def test_list_and_unread_filter(two):
    (alice, api, _), (bob, _, _) = two
    first, second = _note(alice, 1), _note(alice, 2, read=True)
    _note(bob, 3)
    body = api.get("/api/v1/notifications").get_json()
    assert [n["id"] for n in body] == [second.id, first.id]
    assert body[1] == {"id": first.id, "kind": "due_soon", "title": "Xét nghiệm 1",
                       "subject": "Hồ sơ số 1", "url": "/persons/1", "due": "2027-01-01",
                       "created_at": body[1]["created_at"], "read_at": None}
    unread = api.get("/api/v1/notifications?unread=true").get_json()
    assert [n["id"] for n in unread] == [first.id]
    bad = api.get("/api/v1/notifications?unread=maybe")
    assert (bad.status_code, bad.get_json()["code"]) == (422, "validation_error")


def test_read_marks_only_ones_own(two):
    (alice, api, _), (bob, bob_api, _) = two
    mine, theirs = _note(alice, 1), _note(bob, 2)
    answer = api.post(f"/api/v1/notifications/{mine.id}/read")
    assert answer.status_code == 200 and answer.get_json()["read_at"]
    again = api.post(f"/api/v1/notifications/{mine.id}/read")  # idempotent
    assert again.get_json()["read_at"] == answer.get_json()["read_at"]
    other = api.post(f"/api/v1/notifications/{theirs.id}/read")
    assert (other.status_code, other.get_json()["code"]) == (404, "not_found")
    missing = api.post("/api/v1/notifications/999999/read")
    assert (missing.status_code, missing.get_json()["code"]) == (404, "not_found")
    db.session.expire_all()
    assert db.session.get(Notification, theirs.id).read_at is None
    assert bob_api.get("/api/v1/notifications?unread=true").get_json()[0]["id"] == theirs.id


def test_the_api_needs_a_token(app):
    client = app.test_client()
    assert client.get("/api/v1/notifications").status_code == 401
    assert client.post("/api/v1/notifications/1/read").status_code == 401
    wrong = client.get("/api/v1/notifications/1/read")
    assert wrong.status_code in (401, 405)


def test_page_lists_and_marks_read_with_htmx(two):
    (alice, _, pages), (bob, _, _) = two
    mine, theirs = _note(alice, 1), _note(bob, 2)
    page = pages.get("/notifications").get_data(as_text=True)
    assert "Xét nghiệm 1" in page and "Xét nghiệm 2" not in page
    assert 'href="/persons/1"' in page
    assert "Chỉ xem thông báo chưa đọc" in page  # the filter link of the full list
    assert '<span id="unread-count" class="count">1<' in page
    fragment = pages.post(f"/notifications/{mine.id}/read", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    text = fragment.get_data(as_text=True)
    assert f'id="notification-{mine.id}" class="read"' in text
    assert 'id="unread-count" hx-swap-oob="true" class="count zero">0<' in text
    assert pages.post(f"/notifications/{theirs.id}/read").status_code == 404
    plain = pages.post(f"/notifications/{mine.id}/read")
    assert (plain.status_code, plain.headers["Location"]) == (302, "/notifications")
    unread = pages.get("/notifications?unread=true").get_data(as_text=True)
    assert "Xét nghiệm 1" not in unread and "Không có thông báo." in unread
    assert "Xem tất cả" in unread
    assert pages.post("/notifications/1/read", data={"csrf_token": "x"}).status_code == 400


def test_the_page_needs_sign_in(pages):
    response = pages.get("/notifications")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_header_count_is_one_query(app, two):
    (alice, _, pages), _ = two
    for n in range(1, 4):
        _note(alice, n, read=(n == 3))
    statements = []

    def seen(conn, cursor, statement, *args):
        if "notifications" in statement:
            statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        page = pages.get("/plans/").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert '<span id="unread-count" class="count">2<' in page
    assert len(statements) == 1 and "count(" in statements[0].lower()
    # Signed out: no count, no query.
    assert "unread-count" not in app.test_client().get("/login").get_data(as_text=True)
