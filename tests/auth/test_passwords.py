"""Passwords: at least 10 characters and not easy to guess (zxcvbn), explained in Vietnamese."""

from __future__ import annotations

import pytest

from casework.auth import services
from casework.demo.loader import DEMO_ACCOUNTS, DEMO_PASSWORD
from casework.errors import ValidationFailed
from tests.conftest import PASSWORD

TOO_EASY = "Mật khẩu này quá dễ đoán."


def refusal(app, password: str, user_inputs=()) -> list[str] | None:
    """The messages refusing ``password`` (in Vietnamese), or None when it is accepted."""
    with app.test_request_context():
        try:
            services.check_password_strength(password, user_inputs)
        except ValidationFailed as exc:
            return [str(m) for m in exc.errors["password"]]
    return None


@pytest.mark.parametrize(("password", "hint"), [
    ("aaaaaaaaaa", "lặp lại"),
    (" " * 10, "lặp lại"),
    ("password123", "phổ biến nhất"),
    ("qwertyuiop", "phổ biến nhất"),
    ("1234567890", "phổ biến nhất"),
    ("abcdefghijklm", "dãy"),
    ("01/02/1990abc", "Ngày tháng"),
])
def test_common_and_repetitive_passwords_are_refused(app, password, hint):
    messages = refusal(app, password)
    assert messages is not None and messages[0].startswith(TOO_EASY)
    assert any(hint in m for m in messages[1:]), messages


def test_the_users_own_name_makes_a_password_easy(app):
    assert refusal(app, "tranngocanh") is None  # a stranger's name is fine...
    messages = refusal(app, "tranngocanh", ("tna", "Trần Ngọc Anh"))  # ...not one's own
    assert messages is not None and "Mật khẩu chứa tên đăng nhập hoặc tên của bạn." in messages


@pytest.mark.parametrize(("password", "accepted"), [
    ("xq7#Lm2$v", False),   # 9 characters
    ("xq7#Lm2$vP", True),   # 10
])
def test_length_boundary(app, password, accepted):
    messages = refusal(app, password)
    assert (messages is None) is accepted
    if not accepted:
        assert messages == ["Dùng ít nhất 10 ký tự."]


def test_passphrases_pass(app):
    assert refusal(app, PASSWORD, ("officer", "Cán bộ officer")) is None
    assert refusal(app, "a long enough secret") is None
    assert refusal(app, "x" * 500 + " and a few more words") is not None  # judged, not crashed


def test_the_demo_password_passes_for_every_demo_account(app):
    for username, full_name, _role, _unit in DEMO_ACCOUNTS:
        assert refusal(app, DEMO_PASSWORD, (username, full_name)) is None, username


def test_create_user_and_set_password_check_the_strength(app, db, make_user):
    with app.test_request_context():
        with pytest.raises(ValidationFailed):
            services.create_user("lan", "lanlanlanlan", full_name="Nguyễn Thị Lan")
        user = make_user("lan2", ("police", "W1"))
        with pytest.raises(ValidationFailed):
            services.set_password(user, "aaaaaaaaaa")


def test_the_command_line_says_why_in_vietnamese(app, tree):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "lan", "--role", "police", "--org-unit", "W1",
              "--password-stdin"], input="aaaaaaaaaa\n")
    assert result.exit_code == 1
    assert TOO_EASY in result.output and "lặp lại" in result.output
