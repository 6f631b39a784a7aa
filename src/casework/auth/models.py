"""Users, their role assignments and their API tokens."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.auth.roles import ROLES, role_label
from casework.db import Base, TimestampMixin, UTCDateTime
from casework.extensions import db
from casework.orgunits.models import OrgUnit, register_assignment_finder

_ROLE_CHECK = "role IN (" + ", ".join(f"'{r}'" for r in ROLES) + ")"


class User(TimestampMixin, Base):
    __tablename__ = "users"
    # Administration changes are logged in the user's own chain (audit.changes).
    __record_type__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(200), default="")
    # The official title, e.g. "Trưởng Công an phường": shown beside the name in histories
    # and on the documents the user signs.
    post: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    # For the reminders' daily digest; None: in-app notifications only.
    email: Mapped[str | None] = mapped_column(sa.String(254))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    assignments: Mapped[list[RoleAssignment]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin",
        order_by="RoleAssignment.id",
    )

    # --- Flask-Login protocol -------------------------------------------------------------
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    # Not a column: the key of the signed-in session this object was loaded for (set by
    # auth.services.start_session and by the session loader). Flask-Login keeps get_id() in
    # the session cookie and hands it back to the loader, which looks the session up.
    login_key = None

    def get_id(self) -> str:
        if self.login_key is None:
            raise RuntimeError("sign users in with auth.services.start_session")
        return self.login_key

    # --------------------------------------------------------------------------------------
    @property
    def roles(self) -> set[str]:
        return {a.role for a in self.assignments}

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class RoleAssignment(Base):
    """A role held over one org unit; it covers that unit's whole subtree."""

    __tablename__ = "role_assignments"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "role", "org_unit_id", name="uq_role_assignments_grant"),
        sa.CheckConstraint(_ROLE_CHECK, name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    role: Mapped[str] = mapped_column(sa.String(32))
    org_unit_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id", ondelete="RESTRICT"),
                                             index=True)

    user: Mapped[User] = relationship(back_populates="assignments")
    org_unit: Mapped[OrgUnit] = relationship(lazy="joined")

    @property
    def role_label(self) -> str:
        return role_label(self.role)


class ApiToken(Base):
    """A bearer token. Only its SHA-256 is stored; the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


class LoginSession(Base):
    """One signed-in browser session. The cookie holds a random key; only its SHA-256 is
    stored. Signing out, a password change or a disabled account ends the session here, so
    a copy of the cookie is refused afterwards."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Why it ended: logout, password_changed, account_disabled.
    end_reason: Mapped[str | None] = mapped_column(sa.String(20))

    user: Mapped[User] = relationship()


class LoginFailure(Base):
    """Failed sign-ins under a username that has no active account, counted exactly as an
    account's own (``User.failed_logins``, ``User.locked_until``), so that the answers do not
    tell which usernames exist. The name is kept only as an HMAC (it may be a mistyped
    password)."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_failed_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


def _assignments_on(unit_ids: list[int]) -> list[dict]:
    """The role assignments on these units, for a succession's dry run (WORKFLOWS.md §6)."""
    rows = db.session.execute(
        sa.select(User.username, RoleAssignment.role, OrgUnit.code)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .join(OrgUnit, OrgUnit.id == RoleAssignment.org_unit_id)
        .where(RoleAssignment.org_unit_id.in_(unit_ids))
        .order_by(OrgUnit.code, User.username, RoleAssignment.role)).all()
    return [{"username": u, "role": r, "unit": c} for u, r, c in rows]


register_assignment_finder(_assignments_on)
