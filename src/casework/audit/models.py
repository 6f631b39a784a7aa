"""The one append-only log of every workflow event and of every change to a record without a
workflow (``audit.changes``), hash-chained per record."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.db import Base, UTCDateTime

# User and OrgUnit are named by string (SQLAlchemy's registry resolves them): audit stays
# beneath auth and orgunits and imports neither.


class AuditEntry(Base):
    """One event of one record: a workflow event (with its workflow, version and states), or
    a change to a record without a workflow such as a plan (no workflow, no states; ``data``
    holds what changed, see ``audit.changes``).

    ``hash`` is the SHA-256 of the entry's canonical form, which includes ``prev_hash``, the
    hash of the record's previous entry: changing, removing or reordering any entry breaks the
    chain (``casework audit verify``). On PostgreSQL a trigger refuses UPDATE and DELETE.
    """

    __tablename__ = "audit_entries"
    __table_args__ = (
        # One chain per record, numbered without gaps from 1.
        sa.UniqueConstraint("record_type", "record_id", "seq", name="uq_audit_entries_record_seq"),
        sa.CheckConstraint("seq >= 1", name="seq_positive"),
        # A workflow event names its workflow, version and new state; a change has none.
        sa.CheckConstraint(
            "(workflow IS NOT NULL AND workflow_version IS NOT NULL AND to_state IS NOT NULL)"
            " OR (workflow IS NULL AND workflow_version IS NULL AND from_state IS NULL"
            " AND to_state IS NULL)", name="workflow_or_change"),
        # A territory's log by record type and state (a province's figures, issue 16).
        sa.Index("ix_audit_entries_unit_type_state", "org_unit_id", "record_type", "to_state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workflow: Mapped[str | None] = mapped_column(sa.String(40))  # None: not a workflow event
    workflow_version: Mapped[int | None] = mapped_column(sa.Integer)
    record_type: Mapped[str] = mapped_column(sa.String(40))
    record_id: Mapped[int] = mapped_column(sa.Integer)
    seq: Mapped[int] = mapped_column(sa.Integer)
    event: Mapped[str] = mapped_column(sa.String(40))
    from_state: Mapped[str | None] = mapped_column(sa.String(40))  # None when the record opens
    to_state: Mapped[str | None] = mapped_column(sa.String(40))
    # The user who acted (None for the system, e.g. a version migration) and a copy of their
    # username, so the entry still reads the same if the account changes.
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    actor_name: Mapped[str | None] = mapped_column(sa.String(64))
    role: Mapped[str | None] = mapped_column(sa.String(32))
    org_unit_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id", ondelete="RESTRICT"),
                                             index=True)
    reason: Mapped[str | None] = mapped_column(sa.Text)
    data: Mapped[dict] = mapped_column(sa.JSON)
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    prev_hash: Mapped[str | None] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)

    # For reading only: an entry is written with its ids (``audit.services.new_entry``), so the
    # flush does no bookkeeping for these two (no cascade on add, no dependency to sort).
    actor: Mapped[User | None] = relationship("User", lazy="joined", viewonly=True)  # noqa: F821
    org_unit: Mapped[OrgUnit] = relationship("OrgUnit", lazy="joined", viewonly=True)  # noqa: F821

    def __repr__(self) -> str:
        return f"<AuditEntry {self.record_type}#{self.record_id}.{self.seq} {self.event}>"
