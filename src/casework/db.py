"""The declarative base every model shares, and small shared column helpers."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Stable constraint names, so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


# Dates are Vietnam's: a day starts at 00:00 in Hà Nội (UTC+7, no daylight saving).
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def utcnow() -> datetime:
    """Timezone-aware now, in UTC. Every stored timestamp is UTC."""
    return datetime.now(UTC)


def local_date(moment: datetime) -> date:
    """The date in Vietnam at ``moment``."""
    return moment.astimezone(LOCAL_TZ).date()


def today_local() -> date:
    """Vietnam's today: the one "today" of the app."""
    return local_date(utcnow())


class UTCDateTime(sa.types.TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite has no time zone type; this keeps both databases returning the same values.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use casework.db.utcnow()")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


def among(column, ids) -> sa.ColumnElement[bool]:
    """``column IN (ids)`` with the ids written into the statement, not bound one by one.

    Thousands of bound ids (a province's units, issue 16) made each statement slow to send
    and plan: reading 3,800 units by id took 40-85 ms bound and 12-19 ms written in, on
    PostgreSQL at 500k persons. Written in, the planner also sees how few rows they are, and
    SQLite's limit on parameters never applies. Ids only: integers, never user text.
    """
    ids = [int(i) for i in ids]
    return column.in_(sa.bindparam("among", ids, expanding=True, literal_execute=True,
                                   unique=True))
