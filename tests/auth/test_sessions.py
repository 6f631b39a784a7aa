"""Signed-in sessions live on the server: signing out ends them, so a copied cookie stops
working, as it does after a password change, a disabled account or the session's lifetime."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from casework.auth import services
from casework.auth.models import ApiToken, LoginSession
from casework.db import utcnow
from tests.conftest import PageClient, get_token


@pytest.fixture
def officer(make_user):
    return make_user("officer", ("police", "W1"))


def _copy_cookie(app, source: PageClient):
    """A second browser holding a copy of ``source``'s session cookie."""
    cookie = source.client.get_cookie("session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    return thief


def test_a_copied_cookie_is_refused_after_logout(app, pages, officer):
    assert pages.login("officer").status_code == 302
    thief = _copy_cookie(app, pages)
    assert thief.get("/").status_code == 200  # the copy works while the session is open
    assert thief.get("/api/v1/me").status_code == 200

    assert pages.post("/logout").status_code == 302

    page = thief.get("/")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login")
    api = thief.get("/api/v1/me")
    assert api.status_code == 401 and api.get_json()["code"] == "unauthenticated"


def test_the_session_is_stored_hashed_and_ended_with_its_reason(app, pages, officer, db):
    pages.login("officer")
    row = db.session.scalar(sa.select(LoginSession).where(LoginSession.user_id == officer.id))
    cookie = pages.client.get_cookie("session").value
    assert row.ended_at is None and len(row.key_hash) == 64
    assert row.key_hash not in cookie
    pages.post("/logout")
    db.session.expire_all()
    assert row.ended_at is not None and row.end_reason == "logout"


def test_each_sign_in_is_its_own_session(app, officer):
    first, second = PageClient(app.test_client()), PageClient(app.test_client())
    first.login("officer")
    second.login("officer")
    first.post("/logout")
    assert first.get("/").status_code == 302
    assert second.get("/").status_code == 200  # the other browser stays signed in


def test_password_change_ends_every_session_and_revokes_tokens(app, pages, officer, db):
    pages.login("officer")
    thief = _copy_cookie(app, pages)
    token = get_token(app, "officer")
    with app.test_request_context():
        services.set_password(db.session.merge(officer), "a brand new password")
        db.session.commit()
    assert pages.get("/").status_code == 302
    assert thief.get("/").status_code == 302
    assert app.test_client().get(
        "/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken).where(
        ApiToken.revoked_at.is_(None))) == 0
    reasons = db.session.scalars(sa.select(LoginSession.end_reason)).all()
    assert reasons == ["password_changed"]


def test_a_disabled_account_loses_its_open_session(pages, officer, db):
    pages.login("officer")
    officer.active = False
    db.session.commit()
    assert pages.get("/").status_code == 302
    assert pages.get("/api/v1/me").status_code == 401


def test_end_sessions_ends_only_that_users_open_sessions(app, officer, make_user, db):
    other = make_user("other", ("police", "W1"))
    for user in (officer, officer, other):
        services.start_session(user)
    assert services.end_sessions(officer, "account_disabled") == 2
    open_rows = db.session.scalars(sa.select(LoginSession.user_id).where(
        LoginSession.ended_at.is_(None))).all()
    assert open_rows == [other.id]


@pytest.mark.parametrize(("age", "signed_in"), [(timedelta(hours=12, minutes=-1), True),
                                                (timedelta(hours=12, minutes=1), False)])
def test_a_session_lasts_the_session_lifetime_at_most(app, pages, officer, db, age,
                                                      signed_in):
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=12)
    pages.login("officer")
    row = db.session.scalar(sa.select(LoginSession))
    row.created_at = utcnow() - age
    db.session.commit()
    assert (pages.get("/").status_code == 200) is signed_in


def test_last_seen_is_kept_roughly_up_to_date(pages, officer, db):
    pages.login("officer")
    row = db.session.scalar(sa.select(LoginSession))
    recent = utcnow() - timedelta(minutes=4)
    row.last_seen_at = recent
    db.session.commit()
    pages.get("/")
    db.session.expire_all()
    assert row.last_seen_at == recent  # not written on every request
    row.last_seen_at = utcnow() - timedelta(minutes=6)
    db.session.commit()
    pages.get("/")
    db.session.expire_all()
    assert row.last_seen_at > utcnow() - timedelta(minutes=1)
