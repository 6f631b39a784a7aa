"""In-app notifications (one row per reminder and user) and the record of each day's e-mail
digest (one row per user and day: a digest is never sent twice a day)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from casework.db import Base, UTCDateTime, utcnow

# due_soon: a deadline within 3 working days; overdue: a deadline passed; waiting: a
# recognition request or commune review waiting for the user's step; monitoring_end: an
# electronic monitoring order ending within 15 days; breach: a proposal (a compulsory-rehab
# dossier after use during voluntary rehab, or an area whose criteria are broken).
NOTIFICATION_KINDS = ("due_soon", "overdue", "waiting", "monitoring_end", "breach")


class Notification(Base):
    """A reminder for one user. ``title`` and ``subject`` never hold a person's name (a
    person's record is named by its link only); ``url`` is the record's path in the app.

    ``dedup_key`` (kind, record path and the day it is about: the deadline, the end of the
    order, or the day the reminder arose) is unique per user: the same reminder is never
    created twice.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "dedup_key", name="uq_notifications_user_id_dedup_key"),
        sa.CheckConstraint("kind IN (" + ", ".join(f"'{k}'" for k in NOTIFICATION_KINDS)
                           + ")", name="kind"),
        # The header's unread count reads this index only.
        sa.Index("ix_notifications_user_id_read_at", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(20))
    title: Mapped[str] = mapped_column(sa.String(300))
    subject: Mapped[str] = mapped_column(sa.String(300), default="")
    url: Mapped[str] = mapped_column(sa.String(300))
    due: Mapped[date | None] = mapped_column(sa.Date)
    dedup_key: Mapped[str] = mapped_column(sa.String(400))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class DigestSent(Base):
    """The day (in Vietnam) a user's digest went out: unique, so never twice a day."""

    __tablename__ = "notification_digests"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "sent_on", name="uq_notification_digests_user_id_sent_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    sent_on: Mapped[date] = mapped_column(sa.Date)
    count: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
