"""The log of exports: who took which list or report out of the system, and when.

Every export of names or figures (person and area lists, reports) calls :func:`record_export`
in the request that produces the file, before it is sent::

    from casework.audit.exports import record_export

    record_export(current_user, "persons", org_unit=unit, filters={"state": "addict"},
                  row_count=len(rows), file_format="xlsx")

Rows are only ever added (on PostgreSQL a trigger refuses UPDATE and DELETE, as for the
workflow audit log). Workflow events have their own hash-chained log (``audit.services``);
an export changes no record, so it is logged here, one row per file.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.db import Base, UTCDateTime, utcnow
from casework.extensions import db

# User and OrgUnit are named by string (SQLAlchemy's registry resolves them): audit stays
# beneath auth and orgunits and imports neither.

EXPORT_FORMATS = ("csv", "xlsx", "html", "pdf", "json", "docx")


class ExportEntry(Base):
    """One export: the actor, what was exported, over which org unit, filters and size."""

    __tablename__ = "export_log"
    __table_args__ = (
        sa.CheckConstraint("format IN (" + ", ".join(f"'{f}'" for f in EXPORT_FORMATS) + ")",
                           name="format"),
        sa.CheckConstraint("row_count >= 0", name="row_count"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    # A copy of the username: the entry reads the same if the account changes.
    actor_name: Mapped[str | None] = mapped_column(sa.String(64))
    # What was exported: "persons", "areas", "report:six_month", ...
    kind: Mapped[str] = mapped_column(sa.String(40))
    # The org unit whose subtree the export covers (None: the caller's whole scope).
    org_unit_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("org_units.id", ondelete="RESTRICT"), index=True)
    filters: Mapped[dict] = mapped_column(sa.JSON)
    row_count: Mapped[int] = mapped_column()
    format: Mapped[str] = mapped_column(sa.String(8))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)

    actor: Mapped[User | None] = relationship("User")  # noqa: F821
    org_unit: Mapped[OrgUnit | None] = relationship("OrgUnit")  # noqa: F821

    def __repr__(self) -> str:
        return f"<ExportEntry {self.id} {self.kind} {self.format} by {self.actor_name}>"


def record_export(actor, kind: str, *, row_count: int, file_format: str,
                  org_unit: OrgUnit | None = None, filters: dict | None = None) -> ExportEntry:  # noqa: F821
    """Log one export in the caller's transaction (flushes, never commits).

    ``filters`` are the query's filters as JSON-able values (None and "" are dropped), so the
    log says which rows the file held; ``row_count`` is how many it held.
    """
    if file_format not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {file_format!r}")
    entry = ExportEntry(
        actor_id=getattr(actor, "id", None), actor_name=getattr(actor, "username", None),
        kind=kind, org_unit_id=org_unit.id if org_unit is not None else None,
        filters={k: v for k, v in (filters or {}).items() if v is not None and v != ""},
        row_count=row_count, format=file_format, at=utcnow(),
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def exports_by(actor_id: int | None = None, limit: int = 100) -> list[ExportEntry]:
    """The latest exports, newest first (of one actor when ``actor_id`` is given)."""
    stmt = sa.select(ExportEntry).order_by(ExportEntry.at.desc(), ExportEntry.id.desc())
    if actor_id is not None:
        stmt = stmt.where(ExportEntry.actor_id == actor_id)
    return list(db.session.scalars(stmt.limit(limit)))
