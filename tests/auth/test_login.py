"""Signing in and out through the pages, with throttling and CSRF."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

import pytest

from casework.auth import services
from casework.auth.services import authenticate
from casework.db import utcnow
from casework.errors import TooManyAttempts, Unauthenticated
from tests.conftest import PASSWORD, PageClient


@pytest.fixture
def officer(make_user):
    return make_user("officer", ("police", "W1"))


def test_passwords_are_hashed_with_argon2(officer):
    assert officer.password_hash.startswith("$argon2id$")
    assert PASSWORD not in officer.password_hash


def test_sign_in_and_out(pages, officer):
    response = pages.login("officer")
    assert response.status_code == 302 and response.headers["Location"] == "/my-work"
    home = pages.get("/")
    assert home.status_code == 200
    assert "Cán bộ officer" in home.get_data(as_text=True)
    out = pages.post("/logout")
    assert out.status_code == 302 and out.headers["Location"].startswith("/login")
    assert pages.get("/").status_code == 302


def test_wrong_password_is_refused_with_a_clear_message(pages, officer, db):
    response = pages.login("officer", "not the password")
    assert response.status_code == 401
    assert "Sai tên đăng nhập hoặc mật khẩu" in response.get_data(as_text=True)
    assert pages.get("/").status_code == 302  # still signed out
    db.session.refresh(officer)
    assert officer.failed_logins == 1 and officer.last_login_at is None


def test_unknown_user_gets_the_same_message(pages, officer):
    response = pages.login("nobody", "whatever")
    assert response.status_code == 401
    assert "Sai tên đăng nhập hoặc mật khẩu" in response.get_data(as_text=True)


def test_lockout_after_repeated_failures(app, pages, officer, db):
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit - 1):
        assert pages.login("officer", "wrong").status_code == 401
    locked = pages.login("officer", "wrong")
    assert locked.status_code == 429
    assert "tạm khoá" in locked.get_data(as_text=True)
    # Even the right password waits until the lock ends.
    assert pages.login("officer").status_code == 429
    db.session.refresh(officer)
    officer.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert pages.login("officer").status_code == 302


def test_authenticate_resets_the_failure_count(app, officer, db):
    with app.test_request_context():
        with pytest.raises(Unauthenticated):
            authenticate("officer", "wrong")
        assert officer.failed_logins == 1
        assert authenticate("officer", PASSWORD) is officer
        assert officer.failed_logins == 0 and officer.last_login_at is not None


def test_lock_message_counts_minutes(app, officer, db):
    officer.locked_until = utcnow() + timedelta(minutes=3)
    with app.test_request_context(), pytest.raises(TooManyAttempts) as info:
        authenticate("officer", PASSWORD)
    assert "3" in str(info.value.message)


def test_login_form_without_csrf_token_is_refused(app, officer):
    client = app.test_client()
    response = client.post("/login", data={"username": "officer", "password": PASSWORD})
    assert response.status_code == 400
    assert "Mã bảo mật (CSRF)" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_logout_needs_the_csrf_token(app, pages, officer):
    pages.login("officer")
    response = pages.client.post("/logout")
    assert response.status_code == 400
    assert pages.get("/").status_code == 200  # still signed in


@pytest.mark.parametrize(
    ("target", "expected"),
    [("/areas/", "/areas/"), ("https://evil.example/", "/my-work"), ("//evil.example/", "/my-work"),
     ("/\\evil.example", "/my-work")],
)
def test_next_only_redirects_inside_the_site(app, officer, target, expected):
    client = PageClient(app.test_client())
    client.csrf = None
    response = client.post(
        "/login?" + urlencode({"next": target}),
        data={"username": "officer", "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_pages_redirect_anonymous_users_to_sign_in(app):
    response = app.test_client().get("/areas/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/areas/")


def test_password_change_ends_existing_sessions(pages, officer, db, app):
    pages.login("officer")
    assert pages.get("/").status_code == 200
    with app.test_request_context():
        services.set_password(db.session.merge(officer), "a brand new password")
        db.session.commit()
    assert pages.get("/").status_code == 302


def test_disabled_account_cannot_sign_in(pages, officer, db):
    officer.active = False
    db.session.commit()
    assert pages.login("officer").status_code == 401
