"""Sign-in throttling: a per-client limit (web.security), and the per-account lock that
answers alike for names with no account, so it does not tell which usernames exist."""

from __future__ import annotations

import pytest

from casework.web.security import reset_rate_limits
from tests.conftest import PASSWORD, PageClient, make_test_app


@pytest.fixture
def officer(make_user):
    return make_user("officer", ("police", "W1"))


def _api_attempt(client, username, password="wrong password", addr="10.0.0.1"):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": addr})


def test_the_api_refuses_a_client_after_ten_failures_a_minute(app, officer):
    client = app.test_client()
    limit = int(app.config["LOGIN_RATE_LIMIT"].split()[0])
    assert limit == 10
    for n in range(limit):  # different names: no account lock gets in the way
        assert _api_attempt(client, f"guess{n}").status_code == 401
    refused = _api_attempt(client, "officer", PASSWORD)  # even the right password waits
    assert refused.status_code == 429
    body = refused.get_json()
    assert body["code"] == "too_many_attempts" and body["errors"] == {}
    assert "Máy này đã đăng nhập sai quá nhiều lần" in body["message"]
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    # Another client address is not affected.
    assert _api_attempt(client, "officer", PASSWORD, addr="10.0.0.2").status_code == 200


def test_successful_sign_ins_are_not_counted(app, officer):
    client = app.test_client()
    for _ in range(12):
        assert _api_attempt(client, "officer", PASSWORD).status_code == 200


def test_the_sign_in_page_refuses_a_client_after_ten_failures(app, officer):
    page = PageClient(app.test_client())
    for n in range(10):
        assert page.login(f"guess{n}", "wrong password").status_code == 401
    refused = page.login("officer")
    assert refused.status_code == 429
    text = refused.get_data(as_text=True)
    assert "Máy này đã đăng nhập sai quá nhiều lần" in text and "<h1>" in text
    assert int(refused.headers["Retry-After"]) > 0
    reset_rate_limits(app)
    assert page.login("officer").status_code == 302


def test_the_limit_is_configurable(app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "2 per minute")
    client = app.test_client()
    codes = [_api_attempt(client, f"nobody{n}").status_code for n in range(4)]
    assert codes == [401, 401, 429, 429]


def test_the_limit_can_be_switched_off(tmp_path):
    from casework.extensions import db
    from casework.migrating import upgrade_schema

    off = make_test_app(f"sqlite:///{tmp_path / 'off.db'}", tmp_path, RATELIMIT_ENABLED=False)
    with off.app_context():
        upgrade_schema()
        client = off.test_client()
        codes = [_api_attempt(client, f"nobody{n}").status_code for n in range(12)]
        db.engine.dispose()
    assert codes == [401] * 12


def _five_failures(client, username):
    return [_api_attempt(client, username, addr=f"10.1.0.{n}") for n in range(6)]


def test_unknown_usernames_are_answered_exactly_like_real_accounts(app, officer):
    """Wrong passwords for 'officer' and for 'nobody' get the same statuses, messages and
    lock: nothing tells that one of them exists."""
    real = _five_failures(app.test_client(), "officer")
    unknown = _five_failures(app.test_client(), "nobody")
    max_failures = app.config["LOGIN_MAX_FAILURES"]
    for answers in (real, unknown):
        assert [a.status_code for a in answers] == [401] * (max_failures - 1) + [429, 429]
    for mine, theirs in zip(real, unknown, strict=True):
        assert mine.get_json() == theirs.get_json()
        assert abs(int(mine.headers.get("Retry-After", 0))
                   - int(theirs.headers.get("Retry-After", 0))) <= 1
    assert "tạm khoá" in unknown[-2].get_json()["message"]
    assert int(unknown[-2].headers["Retry-After"]) == app.config["LOGIN_LOCK_MINUTES"] * 60


def test_a_disabled_account_is_counted_like_an_unknown_name(app, officer, db):
    officer.active = False
    db.session.commit()
    answers = _five_failures(app.test_client(), "officer")
    assert [a.status_code for a in answers][-2:] == [429, 429]


def test_failures_under_unknown_names_keep_no_name(app, db):
    import sqlalchemy as sa

    from casework.auth.models import LoginFailure

    _api_attempt(app.test_client(), "my secret password typed as a name")
    stored = db.session.scalars(sa.select(LoginFailure.name_hash)).all()
    assert len(stored) == 1 and len(stored[0]) == 64 and "secret" not in stored[0]


def test_behind_a_proxy_the_forwarded_address_is_the_client(tmp_path, monkeypatch):
    from casework.extensions import db
    from casework.migrating import upgrade_schema

    monkeypatch.setenv("CASEWORK_PROXY_COUNT", "1")
    proxied = make_test_app(f"sqlite:///{tmp_path / 'proxy.db'}", tmp_path)
    assert proxied.config["PROXY_COUNT"] == 1
    with proxied.app_context():
        upgrade_schema()
        client = proxied.test_client()

        names = iter(range(100))

        def attempt(client_address):  # a new name each time: no account lock
            return client.post("/api/v1/auth/token",
                               json={"username": f"x{next(names)}", "password": "y"},
                               headers={"X-Forwarded-For": client_address},
                               environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code

        codes = [attempt(f"203.0.113.{n}") for n in range(12)]  # one proxy, many clients
        first = [attempt("198.51.100.7") for _ in range(11)]
        db.engine.dispose()
    assert codes == [401] * 12  # the proxy's own address is not what is counted
    assert first == [401] * 10 + [429]
