"""Accounts, sign-in with throttling, and API tokens. Services flush, never commit."""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext

from casework.auth.models import ApiToken, RoleAssignment, User
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


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            errors={"password": [_("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)]}
        )


def set_password(user: User, password: str) -> None:
    """Change the password and sign the user out everywhere."""
    check_password_strength(password)
    user.password_hash = hash_password(password)
    user.session_nonce = secrets.token_hex(8)
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
    check_password_strength(password)
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
    ``LOGIN_LOCK_MINUTES``; while locked, even the right password is refused. The caller must
    commit whatever the outcome, so that failures are counted.
    """
    user = get_user(username.strip())
    now = utcnow()
    if user is None or not user.active:
        # Spend the same time as a real check, so timing does not reveal which names exist.
        _dummy_verify(password)
        raise Unauthenticated(_("Wrong username or password."))
    if user.locked_until is not None and user.locked_until > now:
        raise _locked(user.locked_until - now)
    try:
        _hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        user.failed_logins += 1
        if user.failed_logins >= current_app.config["LOGIN_MAX_FAILURES"]:
            lock = timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
            user.locked_until = now + lock
            user.failed_logins = 0
            db.session.flush()
            raise _locked(lock) from None
        db.session.flush()
        raise Unauthenticated(_("Wrong username or password.")) from None
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    db.session.flush()
    return user


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
