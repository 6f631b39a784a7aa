"""The annual review of a commune under QĐ 28/2025 (WORKFLOWS.md §9): one per commune and
review period."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.auth.models import User
from casework.db import Base, TimestampMixin
from casework.orgunits.models import OrgUnit, register_open_records
from casework.workflow import WorkflowRecordMixin
from casework.workflow.registry import record_type

# The classifications of QĐ 28/2025 (Art 4 and 6), the codes of the contract.
CLASSIFICATIONS = ("drug_free", "type_1", "type_2", "type_3", "none")
# The units a review is made for (QĐ 28 Art 4: communes, wards and special zones).
REVIEWED_KINDS = ("commune", "ward", "special_zone")
OPEN_STATES = ("draft", "submitted", "approved_by_commune")

_CLASSIFICATION_SQL = "IN (" + ", ".join(f"'{c}'" for c in CLASSIFICATIONS) + ")"


@record_type
class CommuneReview(WorkflowRecordMixin, TimestampMixin, Base):
    """A commune's review for one period (15/12 of ``period_year - 1`` to 14/12 of
    ``period_year``).

    The columns are written by the effects of the events (submit, approve_commune, approve);
    the audit log keeps every earlier version of them.
    """

    __tablename__ = "commune_reviews"
    __workflow__ = "commune_review"
    __table_args__ = (
        # One review per commune and period (WORKFLOWS.md §9), enforced by the database too.
        sa.UniqueConstraint("org_unit_id", "period_year"),
        sa.CheckConstraint("period_year BETWEEN 2025 AND 2200", name="period_year_range"),
        sa.CheckConstraint("computed_classification IS NULL OR computed_classification "
                           + _CLASSIFICATION_SQL, name="computed_classification_code"),
        sa.CheckConstraint("approved_classification IS NULL OR approved_classification "
                           + _CLASSIFICATION_SQL, name="approved_classification_code"),
        # A classification other than the computed one is kept with its reason.
        sa.CheckConstraint("approved_classification IS NULL OR computed_classification IS NULL"
                           " OR approved_classification = computed_classification"
                           " OR override_reason IS NOT NULL", name="override_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(
        sa.ForeignKey("org_units.id", ondelete="RESTRICT"), index=True)
    # The year in which the period ends (14/12): the 2026 period runs 15/12/2025–14/12/2026.
    period_year: Mapped[int] = mapped_column(sa.Integer)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))
    # submit: the police's note, and the computed result frozen with its SHA-256.
    note: Mapped[str | None] = mapped_column(sa.Text)
    snapshot: Mapped[dict | None] = mapped_column(sa.JSON)
    snapshot_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    computed_classification: Mapped[str | None] = mapped_column(sa.String(16))
    submitted_on: Mapped[date | None] = mapped_column(sa.Date)
    # approve_commune
    meeting_date: Mapped[date | None] = mapped_column(sa.Date)
    # approve: the province's decision, the classification it approved, and why it differs
    # from the computed one when it does.
    decision_no: Mapped[str | None] = mapped_column(sa.String(200))
    decision_date: Mapped[date | None] = mapped_column(sa.Date)
    approved_classification: Mapped[str | None] = mapped_column(sa.String(16))
    override_reason: Mapped[str | None] = mapped_column(sa.Text)

    org_unit: Mapped[OrgUnit] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship()

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def overridden(self) -> bool:
        return (self.approved_classification is not None
                and self.approved_classification != self.computed_classification)

    def __repr__(self) -> str:
        return f"<CommuneReview {self.id} {self.period_year} {self.state}>"


register_open_records("commune_reviews", _l("Commune reviews (QĐ 28/2025)"), CommuneReview,
                      CommuneReview.state.in_(OPEN_STATES))
