"""Accounts, sign-in with throttling, and API tokens. Services flush, never commit."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import secrets
import unicodedata
from collections.abc import Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext

from casework.auth.models import ApiToken, LoginFailure, LoginSession, RoleAssignment, User
from casework.auth.roles import ROLES
from casework.db import utcnow
from casework.errors import TooManyAttempts, Unauthenticated, ValidationFailed
from casework.extensions import db
from casework.orgunits.models import OrgUnit
from casework.validation import character_problem

MIN_PASSWORD_LENGTH = 10


def _hasher() -> PasswordHasher:
    # Argon2id with the library's defaults; the test suite lowers the cost through config.
    params = current_app.config.get("ARGON2_PARAMS") or {}
    return PasswordHasher(**params)


def hash_password(password: str) -> str:
    return _hasher().hash(password)


# zxcvbn estimates at most this many characters (its own limit); a longer password is
# judged by its beginning, which is enough to tell a weak one.
_ESTIMATED_LENGTH = 72


def _without_diacritics(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def _personal_words(user_inputs: Iterable[str]) -> list[str]:
    """The username and name as zxcvbn's user inputs: whole, word by word, with and without
    diacritics ("Nguyễn Thị Lan" also gives "nguyenthilan", "nguyen", "lan")."""
    words: list[str] = []
    for value in filter(None, user_inputs):
        for text in (value, _without_diacritics(value)):
            words.extend((text, "".join(text.split()), *text.split()))
    return list(dict.fromkeys(w.lower() for w in words if w))


def _weakness_hints(result: dict) -> list:
    """Why zxcvbn finds a password easy, in the user's language (its own feedback is
    English), from the patterns it matched."""
    hints = []
    for match in result["sequence"]:
        pattern = match["pattern"]
        if pattern == "dictionary":
            source = match.get("dictionary_name")
            if source == "user_inputs":
                hints.append(_("It contains your username or name."))
            elif source == "passwords":
                hints.append(_("It is one of the most common passwords, or close to one."))
            else:
                hints.append(_("Common words and names on their own are easy to guess."))
        elif pattern == "repeat":
            hints.append(_("Repeated characters or words, such as “aaa”, are easy to guess."))
        elif pattern == "sequence":
            hints.append(_("Sequences such as “abcd” or “1234” are easy to guess."))
        elif pattern == "spatial":
            hints.append(_("Keyboard patterns such as “qwerty” are easy to guess."))
        elif pattern in ("date", "regex"):
            hints.append(_("Dates and years are easy to guess."))
    return list(dict.fromkeys(hints))


def check_password_strength(password: str, user_inputs: Iterable[str] = ()) -> None:
    """Refuse a password shorter than ``MIN_PASSWORD_LENGTH`` or one zxcvbn scores below
    ``PASSWORD_MIN_SCORE`` (common, repetitive, a keyboard walk, the user's own name...).

    ``user_inputs`` are the username and full name, which make a password easy to guess.
    The message says why, in the user's language.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            errors={"password": [_("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)]}
        )
    # Imported here, not at the top: its word lists take about 12 MB in every web worker,
    # and only a password change needs them.
    from zxcvbn import zxcvbn

    result = zxcvbn(password[:_ESTIMATED_LENGTH], user_inputs=_personal_words(user_inputs))
    if result["score"] < current_app.config["PASSWORD_MIN_SCORE"]:
        raise ValidationFailed(errors={"password": [
            _("This password is too easy to guess. Use a phrase of several words that have "
              "nothing to do with you or your work."),
            *_weakness_hints(result),
        ]})


def set_password(user: User, password: str) -> None:
    """Change the password and sign the user out everywhere: every browser session ends and
    every API token is revoked."""
    check_password_strength(password, (user.username, user.full_name))
    user.password_hash = hash_password(password)
    end_sessions(user, "password_changed")
    now = utcnow()
    for token in db.session.scalars(sa.select(ApiToken).where(
            ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))):
        token.revoked_at = now
    db.session.flush()


def get_user(username: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.username == username))


def create_user(username: str, password: str, full_name: str = "") -> User:
    username = username.strip()
    if not username or len(username) > 64 or any(c.isspace() for c in username):
        raise ValidationFailed(
            errors={"username": [_("Use 1 to 64 characters without spaces.")]}
        )
    for field, text in (("username", username), ("full_name", full_name or "")):
        problem = character_problem(text)  # the rules of every schema's free text
        if problem:
            raise ValidationFailed(errors={field: [problem]})
    if get_user(username) is not None:
        raise ValidationFailed(errors={"username": [_("This username is already taken.")]})
    check_password_strength(password, (username, full_name))
    user = User(username=username, full_name=full_name, password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    return user


def grant_role(user: User, role: str, org_unit: OrgUnit) -> RoleAssignment:
    """Give ``user`` ``role`` over ``org_unit``'s subtree; a no-op if it is already held."""
    if role not in ROLES:
        raise ValidationFailed(errors={"role": [_("Unknown role %(role)s.", role=role)]})
    for assignment in user.assignments:
        if assignment.role == role and assignment.org_unit_id == org_unit.id:
            return assignment
    assignment = RoleAssignment(role=role, org_unit=org_unit)
    user.assignments.append(assignment)
    db.session.flush()
    return assignment


def authenticate(username: str, password: str) -> User:
    """Check a username and password, counting failures.

    After ``LOGIN_MAX_FAILURES`` failures in a row the account is locked for
    ``LOGIN_LOCK_MINUTES``; while locked, even the right password is refused. A username
    without an active account is counted and locked the same way (``LoginFailure``), and
    spends the same time on a password check, so no answer tells whether an account exists.
    The caller must commit whatever the outcome, so that failures are counted.
    """
    name = username.strip()
    user = get_user(name)
    account = user if user is not None and user.active else None
    counter = account if account is not None else _failures_of(name)
    now = utcnow()
    if counter.locked_until is not None and counter.locked_until > now:
        raise _locked(counter.locked_until - now)
    if account is not None and _password_matches(account, password):
        if _hasher().check_needs_rehash(account.password_hash):
            account.password_hash = hash_password(password)
        account.failed_logins = 0
        account.locked_until = None
        account.last_login_at = now
        db.session.flush()
        return account
    if account is None:
        _dummy_verify(password)  # the time a real check takes
        counter.last_failed_at = now
    counter.failed_logins += 1
    if counter.failed_logins >= current_app.config["LOGIN_MAX_FAILURES"]:
        lock = timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
        counter.locked_until = now + lock
        counter.failed_logins = 0
        db.session.flush()
        raise _locked(lock)
    db.session.flush()
    raise Unauthenticated(_("Wrong username or password."))


def _password_matches(user: User, password: str) -> bool:
    try:
        return _hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# Failures under unknown names are forgotten a day after the last one (unless locked).
_FORGET_FAILURES_AFTER = timedelta(days=1)


def _failures_of(name: str) -> LoginFailure:
    """The failure count of a username with no active account (made on first use)."""
    digest = hmac.new(current_app.config["SECRET_KEY"].encode(), name.encode(),
                      hashlib.sha256).hexdigest()
    row = db.session.scalar(sa.select(LoginFailure).where(LoginFailure.name_hash == digest))
    if row is None:
        now = utcnow()
        db.session.execute(sa.delete(LoginFailure).where(
            LoginFailure.last_failed_at < now - _FORGET_FAILURES_AFTER,
            sa.or_(LoginFailure.locked_until.is_(None), LoginFailure.locked_until < now)))
        row = LoginFailure(name_hash=digest, failed_logins=0, last_failed_at=now)
        db.session.add(row)
    return row


def _locked(remaining: timedelta) -> TooManyAttempts:
    minutes = max(1, int(remaining.total_seconds() + 59) // 60)
    return TooManyAttempts(
        ngettext(
            "Too many failed sign-in attempts. This account is locked; try again in %(num)d "
            "minute.",
            "Too many failed sign-in attempts. This account is locked; try again in %(num)d "
            "minutes.",
            minutes,
        ),
        retry_after_seconds=int(remaining.total_seconds()),
    )


_DUMMY_HASH: dict[str, str] = {}


def _dummy_verify(password: str) -> None:
    hasher = _hasher()
    key = repr(current_app.config.get("ARGON2_PARAMS"))
    if key not in _DUMMY_HASH:
        _DUMMY_HASH[key] = hasher.hash(secrets.token_hex(16))
    with contextlib.suppress(VerificationError):
        hasher.verify(_DUMMY_HASH[key], password)


# --- browser sessions ---------------------------------------------------------------------------

# How often a session's last_seen_at is brought up to date (it is written, so not each request).
SEEN_EVERY = timedelta(minutes=5)


def start_session(user: User) -> str:
    """Record a new signed-in session of ``user``; returns its key, which goes into the
    session cookie (through ``user.get_id()``) and is stored only as its SHA-256."""
    key = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(LoginSession(user=user, key_hash=_token_digest(key), created_at=now,
                                last_seen_at=now))
    db.session.flush()
    user.login_key = key
    return key


def _session_row(key: str) -> LoginSession | None:
    return db.session.scalar(sa.select(LoginSession).where(
        LoginSession.key_hash == _token_digest(key)))


def user_for_session(key: str) -> User | None:
    """The user of a signed-in session; None once it has ended, outlived
    ``PERMANENT_SESSION_LIFETIME``, or its account was disabled."""
    row = _session_row(key)
    if row is None or row.ended_at is not None or not row.user.active:
        return None
    if row.created_at + current_app.config["PERMANENT_SESSION_LIFETIME"] <= utcnow():
        return None
    row.user.login_key = key
    return row.user


def touch_session(key: str) -> bool:
    """Bring the session's last_seen_at up to date when it is older than ``SEEN_EVERY``;
    True when it changed (the caller commits)."""
    row = _session_row(key)
    now = utcnow()
    if row is None or row.last_seen_at > now - SEEN_EVERY:
        return False
    row.last_seen_at = now
    db.session.flush()
    return True


def end_session(key: str, reason: str = "logout") -> None:
    """End one session (signing out): its cookie is refused from now on."""
    row = _session_row(key)
    if row is not None and row.ended_at is None:
        row.ended_at, row.end_reason = utcnow(), reason
        db.session.flush()


def end_sessions(user: User, reason: str) -> int:
    """End every open session of ``user`` (password changed, account disabled)."""
    rows = db.session.scalars(sa.select(LoginSession).where(
        LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))).all()
    now = utcnow()
    for row in rows:
        row.ended_at, row.end_reason = now, reason
    db.session.flush()
    return len(rows)


# --- API tokens ----------------------------------------------------------------------------------


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User) -> tuple[str, datetime]:
    """Create a bearer token for ``user``. Returns the token (shown once) and its expiry."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    expires_at = now + timedelta(hours=current_app.config["API_TOKEN_HOURS"])
    db.session.add(
        ApiToken(user=user, token_hash=_token_digest(token), created_at=now, expires_at=expires_at)
    )
    db.session.flush()
    return token, expires_at


def user_for_token(token: str) -> User:
    """The user a bearer token belongs to; Unauthenticated when unknown, revoked or expired."""
    row = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == _token_digest(token)))
    if row is None or row.revoked_at is not None:
        raise Unauthenticated(_("The token is not valid."))
    if row.expires_at <= utcnow():
        raise Unauthenticated(_("The token has expired. Request a new one."))
    if not row.user.active:
        raise Unauthenticated(_("The token is not valid."))
    return row.user


def revoke_token(token: str) -> None:
    row = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == _token_digest(token)))
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        db.session.flush()
