"""Recognition requests ("hồ sơ đề nghị công nhận") and the files attached to them."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.areas.models import Area
from casework.auth.models import User
from casework.db import Base, TimestampMixin, UTCDateTime, utcnow
from casework.orgunits.models import OrgUnit, register_open_records
from casework.workflow import WorkflowRecordMixin
from casework.workflow.registry import record_type

# States in which a request is still open; at most one such request per area.
OPEN_STATES = ("draft", "submitted", "evaluated", "endorsed")
_OPEN_SQL = "state IN (" + ", ".join(f"'{s}'" for s in OPEN_STATES) + ")"


@record_type
class RecognitionRequest(WorkflowRecordMixin, TimestampMixin, Base):
    """A dossier asking to recognise one area as drug-free.

    The dossier columns are written by the effects of the events (submit, evaluate, endorse,
    approve); the audit log keeps every earlier version of them.
    """

    __tablename__ = "recognition_requests"
    __workflow__ = "recognition"
    __table_args__ = (
        # Only one open request per area (WORKFLOWS.md §3), enforced by the database too.
        sa.Index("uq_recognition_requests_open_area", "area_id", unique=True,
                 sqlite_where=sa.text(_OPEN_SQL), postgresql_where=sa.text(_OPEN_SQL)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(sa.ForeignKey("areas.id", ondelete="RESTRICT"),
                                         index=True)
    # The area's org unit, copied for scoped queries (it never changes).
    org_unit_id: Mapped[int] = mapped_column(
        sa.ForeignKey("org_units.id", ondelete="RESTRICT"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT")
    )
    # submit: the police's self-assessment and the frozen computed criteria with their hash.
    self_assessment: Mapped[dict | None] = mapped_column(sa.JSON)
    snapshot: Mapped[dict | None] = mapped_column(sa.JSON)
    snapshot_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    submitted_on: Mapped[date | None] = mapped_column(sa.Date)
    # evaluate: the inspection team's verdicts.
    verdicts: Mapped[dict | None] = mapped_column(sa.JSON)
    inspection_date: Mapped[date | None] = mapped_column(sa.Date)
    minutes_no: Mapped[str | None] = mapped_column(sa.String(200))
    # endorse
    meeting_date: Mapped[date | None] = mapped_column(sa.Date)
    # approve
    decision_no: Mapped[str | None] = mapped_column(sa.String(200))
    decision_date: Mapped[date | None] = mapped_column(sa.Date)

    area: Mapped[Area] = relationship(lazy="joined")
    org_unit: Mapped[OrgUnit] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship()
    attachments: Mapped[list[RecognitionAttachment]] = relationship(
        back_populates="request", order_by="RecognitionAttachment.id"
    )

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def __repr__(self) -> str:
        return f"<RecognitionRequest {self.id} {self.state}>"


class RecognitionAttachment(Base):
    """A file of the dossier (minutes, photos, a PDF decision), stored by its SHA-256.

    The file lives in the instance folder under ``attachments/<sha256>``; the event it was
    filed with lists the checksum in its audit data.
    """

    __tablename__ = "recognition_attachments"
    __table_args__ = (
        sa.UniqueConstraint("request_id", "sha256"),
        sa.CheckConstraint("size > 0", name="size_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("recognition_requests.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(sa.String(64))
    description: Mapped[str | None] = mapped_column(sa.String(300))
    # The event the file was filed with (e.g. "evaluate"), once it has been.
    event: Mapped[str | None] = mapped_column(sa.String(40))
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT")
    )
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    request: Mapped[RecognitionRequest] = relationship(back_populates="attachments")
    uploaded_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<RecognitionAttachment {self.id} {self.filename}>"


register_open_records("recognition_requests", _l("Recognition requests"), RecognitionRequest,
                      RecognitionRequest.state.in_(OPEN_STATES))
