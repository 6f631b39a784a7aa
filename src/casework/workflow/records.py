"""The columns every workflow-driven record carries.

A feature declares its model like this::

    @record_type
    class Person(WorkflowRecordMixin, TimestampMixin, Base):
        __tablename__ = "persons"
        __workflow__ = "person"

        id: Mapped[int] = mapped_column(primary_key=True)
        org_unit_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
        org_unit: Mapped[OrgUnit] = relationship()
        ...

The engine reads ``org_unit`` (for scope checks and the audit entry) and ``id``; it is the
only code that writes the columns below. ``version`` is SQLAlchemy's ``version_id_col``: every
UPDATE says ``WHERE version = <the version read>``, so two writers can never both win.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, column_property, declared_attr, mapped_column

from casework.audit.models import AuditEntry
from casework.db import UTCDateTime


class WorkflowRecordMixin:
    # The workflow name (a file in workflows/) and the record type stored in the audit log,
    # which defaults to the workflow name.
    __workflow__: ClassVar[str]
    __record_type__: ClassVar[str]

    def __init_subclass__(cls, **kwargs):
        # Before mapping (in super()), which reads it for ``audit_tip``.
        workflow = cls.__dict__.get("__workflow__")
        if workflow and "__record_type__" not in cls.__dict__:
            cls.__record_type__ = workflow
        super().__init_subclass__(**kwargs)

    # The current state; only the workflow engine assigns it.
    state: Mapped[str] = mapped_column(sa.String(40), index=True)
    # Optimistic lock and audit sequence: 1 when opened, +1 with every logged event.
    version: Mapped[int] = mapped_column(sa.Integer)
    # The version of the workflow definition the record runs under.
    workflow_version: Mapped[int] = mapped_column(sa.Integer)
    # When the event that entered the current state happened (its effective_at).
    state_entered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # When the latest event happened; a new event may not be dated before it.
    last_event_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The deadline of the current state, if it has one (computed by the engine).
    due_date: Mapped[date | None] = mapped_column(sa.Date, index=True)
    # The moment it falls due: exact for a deadline in hours, 23:59 in Vietnam of
    # ``due_date`` for one in days (WORKFLOWS.md §7).
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)

    @declared_attr
    def audit_tip(cls) -> Mapped[str | None]:
        """The hash of the record's newest audit entry, read in the same SELECT as the record.

        Not a column: a correlated subquery on the log's (record_type, record_id, seq) index.
        The engine chains the next entry to it without another round trip.
        """
        return column_property(
            sa.select(AuditEntry.hash)
            .where(AuditEntry.record_type == cls.__record_type__,
                   AuditEntry.record_id == cls.id, AuditEntry.seq == cls.version)
            .correlate_except(AuditEntry)
            .scalar_subquery()
        )

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.__table__.c.version}

    def workflow_org_unit(self):
        """The org unit whose scope governs this record."""
        return self.org_unit

    def earliest_event(self) -> tuple[date, str] | None:
        """The first day on which an event of this record can have happened, and what that
        day is (a person's birth date); None when only the calendar's limits apply."""
        return None
