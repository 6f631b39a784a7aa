"""Plans (kế hoạch) with phases and targets; progress is computed, never typed in."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.db import Base, TimestampMixin, UTCDateTime, utcnow
from casework.orgunits.models import OrgUnit, register_open_records

TARGET_UNITS = ("count", "percent")
REPORT_KINDS = ("six_month", "annual", "phase")


class Plan(TimestampMixin, Base):
    """A plan; every change to it, its phases, targets and reports sent is logged in its own
    audit chain (``audit.changes``, record type "plan")."""

    __tablename__ = "plans"
    __record_type__ = "plan"
    __table_args__ = (sa.CheckConstraint("start_date <= end_date", name="period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    number: Mapped[str | None] = mapped_column(sa.String(60))  # "số kế hoạch"
    issued_on: Mapped[date | None] = mapped_column(sa.Date)
    org_unit_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id", ondelete="RESTRICT"),
                                             index=True)
    start_date: Mapped[date] = mapped_column(sa.Date)
    end_date: Mapped[date] = mapped_column(sa.Date)
    # Periodic reports: the day and month each year (e.g. 10 June and 10 December).
    six_month_report_due: Mapped[str | None] = mapped_column(sa.String(5))  # "06-10"
    annual_report_due: Mapped[str | None] = mapped_column(sa.String(5))     # "12-10"
    summary: Mapped[str | None] = mapped_column(sa.Text)

    org_unit: Mapped[OrgUnit] = relationship(lazy="joined")
    phases: Mapped[list[Phase]] = relationship(
        back_populates="plan", order_by="Phase.seq", cascade="all, delete-orphan")
    targets: Mapped[list[Target]] = relationship(
        back_populates="plan", order_by="Target.seq", cascade="all, delete-orphan")


class Phase(Base):
    __tablename__ = "plan_phases"
    __table_args__ = (
        sa.UniqueConstraint("plan_id", "seq", name="uq_plan_phases_seq"),
        sa.CheckConstraint("start_date <= end_date", name="period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plans.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column()
    name: Mapped[str] = mapped_column(sa.String(200))
    start_date: Mapped[date] = mapped_column(sa.Date)
    end_date: Mapped[date] = mapped_column(sa.Date)
    report_due: Mapped[date | None] = mapped_column(sa.Date)

    plan: Mapped[Plan] = relationship(back_populates="phases")


class Target(Base):
    """A measurable target: a metric over a scope unit, to reach by a date or a phase's end."""

    __tablename__ = "plan_targets"
    __table_args__ = (
        sa.CheckConstraint("unit IN ('count', 'percent')", name="unit"),
        sa.CheckConstraint("direction IN ('at_least', 'at_most')", name="direction"),
        sa.CheckConstraint("deadline IS NOT NULL OR phase_id IS NOT NULL", name="due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plans.id", ondelete="CASCADE"),
                                         index=True)
    phase_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("plan_phases.id", ondelete="SET NULL"))
    seq: Mapped[int] = mapped_column(default=0)
    label: Mapped[str] = mapped_column(sa.String(300))
    metric: Mapped[str] = mapped_column(sa.String(60))
    params: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    org_unit_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id", ondelete="RESTRICT"))
    value: Mapped[float] = mapped_column(sa.Float)
    unit: Mapped[str] = mapped_column(sa.String(10))
    direction: Mapped[str] = mapped_column(sa.String(10), default="at_least")
    # For a count out of a known whole ("45 of 55"), the whole: the page shows the percent.
    out_of: Mapped[int | None] = mapped_column()
    # The figure as the plan wrote it, when it differs from the computed one ("83%").
    stated: Mapped[str | None] = mapped_column(sa.String(60))
    deadline: Mapped[date | None] = mapped_column(sa.Date)
    # Counted from this date (for metrics over a period); default: the plan's start.
    counted_from: Mapped[date | None] = mapped_column(sa.Date)

    plan: Mapped[Plan] = relationship(back_populates="targets")
    phase: Mapped[Phase | None] = relationship()
    org_unit: Mapped[OrgUnit] = relationship(lazy="joined")

    @property
    def due(self) -> date:
        return self.deadline or self.phase.end_date


class ReportSubmission(Base):
    """A periodic or phase report marked as sent, so that the plan page knows what is late."""

    __tablename__ = "plan_report_submissions"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('six_month', 'annual', 'phase')", name="kind"),
        sa.UniqueConstraint("plan_id", "kind", "period", name="uq_plan_report_submissions_once"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plans.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(10))
    period: Mapped[str] = mapped_column(sa.String(20))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))


register_open_records("plans", _l("Plans"), Plan)
