"""What a user sees of a long piece of work: one row per job, kept when the job is retried."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.auth.models import User
from casework.db import Base, UTCDateTime, utcnow
from casework.orgunits.models import OrgUnit

# import: an uploaded file (ImportBatch); report: a plan report's workbook; province_review:
# the QĐ 28 province workbook.
JOB_KINDS = ("import", "report", "province_review")
JOB_STATES = ("queued", "running", "succeeded", "failed")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class Job(Base):
    """One job: its kind and parameters, who started it over which unit, its state and
    progress, and where its result is.

    The result file (a workbook) lives in the instance folder (``jobs.files``), never in the
    database; ``result_name`` is the name it is downloaded under. ``error`` is a sentence for
    the user that never holds personal data (the details are in the log, without it either).
    A retried job keeps its row: ``attempts`` counts the runs.
    """

    __tablename__ = "jobs"
    __table_args__ = (
        sa.CheckConstraint(_in("kind", JOB_KINDS), name="kind"),
        sa.CheckConstraint(_in("state", JOB_STATES), name="state"),
        sa.CheckConstraint("done >= 0 AND (total IS NULL OR total >= 0)", name="progress"),
        sa.Index("ix_jobs_started_by_id_created_at", "started_by_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    # What to do, e.g. {"report_kind": "six_month", "period": "2026-H1"}: codes and numbers,
    # never personal data (the job's page and the log may show them).
    params: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    state: Mapped[str] = mapped_column(sa.String(10), default="queued")
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int | None] = mapped_column()
    started_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    org_unit_id: Mapped[int] = mapped_column(
        sa.ForeignKey("org_units.id", ondelete="RESTRICT"), index=True)
    # The language the starter used, for the workbook's headings.
    locale: Mapped[str] = mapped_column(sa.String(5), default="vi")
    result_name: Mapped[str | None] = mapped_column(sa.String(200))
    error: Mapped[str | None] = mapped_column(sa.String(300))
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    started_by: Mapped[User] = relationship()
    org_unit: Mapped[OrgUnit] = relationship()

    @property
    def finished(self) -> bool:
        return self.state in ("succeeded", "failed")

    @property
    def result_removed(self) -> bool:
        """A workbook made, then removed after ``jobs.sweep.RESULT_DAYS`` (it holds names):
        the job may be run again to make it anew."""
        return self.state == "succeeded" and self.kind != "import" and not self.result_name

    @property
    def may_run_again(self) -> bool:
        """Failed, or its workbook removed: ``runner.retry`` runs it again in this row."""
        return self.state == "failed" or self.result_removed

    def mark_failed(self, message: str, at: datetime) -> None:
        """Ended without a result: ``message`` is the sentence its page shows (no personal
        data), cut to the column's 300 characters."""
        self.state, self.error, self.finished_at = "failed", message[:300], at

    @property
    def percent(self) -> int:
        if self.state == "succeeded":
            return 100
        if not self.total:
            return 0
        return min(100, self.done * 100 // self.total)

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.kind} {self.state}>"
