"""Persons and the records their events leave behind (tests, assessments, decisions, terms).

A person is a workflow record (`workflows/person.yaml`): only the engine changes its state.
Each event record below is created by that event's effect, in the same transaction, and links
to the audit entry that logged the event.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from casework.audit.models import AuditEntry
from casework.db import Base, TimestampMixin, UTCDateTime, utcnow
from casework.orgunits.models import OrgUnit, register_open_records
from casework.workflow import WorkflowRecordMixin, state_label
from casework.workflow.deadlines import current_deadline, end_of_day, is_overdue
from casework.workflow.registry import record_type

GENDERS = ("male", "female", "other")
RESIDENCE_TYPES = ("permanent", "temporary")
SAMPLES = ("urine", "blood", "hair", "saliva")
REHAB_KINDS = ("community", "facility", "methadone", "compulsory")
REHAB_OUTCOMES = ("completed", "abandoned", "terminated", "released")
# The closed states of the person workflow (`closed: true` in workflows/person.yaml); a test
# checks that every version of the workflow agrees. A record in any other state is open.
CLOSED_STATES = ("cleared", "reintegrated", "management_ended", "exited")
# A national ID belongs to one person: at most one open record holds it (WORKFLOWS.md §8).
OPEN_NATIONAL_ID_INDEX = "uq_persons_open_national_id"


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _open_with_national_id() -> str:
    return "national_id IS NOT NULL AND NOT (" + _in("state", CLOSED_STATES) + ")"


@record_type
class Person(WorkflowRecordMixin, TimestampMixin, Base):
    """A person known to the ward or commune, with their case state."""

    __tablename__ = "persons"
    __workflow__ = "person"
    __table_args__ = (
        sa.CheckConstraint(_in("gender", GENDERS), name="gender"),
        sa.CheckConstraint(
            "residence_type IS NULL OR " + _in("residence_type", RESIDENCE_TYPES),
            name="residence_type",
        ),
        sa.CheckConstraint("national_id IS NULL OR length(national_id) = 12", name="national_id"),
        sa.Index("ix_persons_folded_birth", "name_folded", "birth_date"),
        # A ward's persons in a state (its task counts), read without the state's index for
        # the whole country (issue 16).
        sa.Index("ix_persons_org_unit_state", "org_unit_id", "state"),
        # The search by part of a name (LIKE '%…%') on PostgreSQL: trigrams (pg_trgm).
        sa.Index("ix_persons_name_folded_trgm", "name_folded", postgresql_using="gin",
                 postgresql_ops={"name_folded": "gin_trgm_ops"}).ddl_if(dialect="postgresql"),
        # The last line of the national-ID rule, which holds under concurrency: the services
        # check first and answer 409 `duplicate_person`; this refuses what slips between.
        sa.Index(OPEN_NATIONAL_ID_INDEX, "national_id", unique=True,
                 sqlite_where=sa.text(_open_with_national_id()),
                 postgresql_where=sa.text(_open_with_national_id())),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(sa.String(200))
    # The name in lower case without diacritics, for search and duplicate checks.
    name_folded: Mapped[str] = mapped_column(sa.String(200))
    birth_date: Mapped[date] = mapped_column(sa.Date)
    gender: Mapped[str] = mapped_column(sa.String(8))
    national_id: Mapped[str | None] = mapped_column(sa.String(12), index=True)
    residence_type: Mapped[str | None] = mapped_column(sa.String(10))
    resident_since: Mapped[date | None] = mapped_column(sa.Date)
    address: Mapped[str | None] = mapped_column(sa.String(300))
    # The residential group or village the person lives in; it decides who may see them.
    org_unit_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id", ondelete="RESTRICT"),
                                             index=True)
    # An identifier from another system, for idempotent imports.
    external_id: Mapped[str | None] = mapped_column(sa.String(64), unique=True)

    org_unit: Mapped[OrgUnit] = relationship(lazy="joined")

    @property
    def state_label(self) -> str:
        return state_label(self)

    @property
    def due_label(self) -> str | None:
        """What the current deadline is for, in the user's language (the case of the state's
        deadline that applies, e.g. a new decision after a "not addicted" assessment)."""
        if self.due_date is None:
            return None
        deadline = current_deadline(self)
        return str(deadline.label) if deadline is not None else None

    @property
    def deadline_at(self) -> datetime | None:
        """When the state's deadline falls due: ``due_at``, or 23:59 of ``due_date`` for a row
        stamped before ``due_at`` existed."""
        if self.due_at is not None:
            return self.due_at
        return end_of_day(self.due_date) if self.due_date is not None else None

    @property
    def overdue(self) -> bool:
        """The deadline of the current state has passed: to the minute (WORKFLOWS.md §7)."""
        return is_overdue(self)

    def earliest_event(self) -> tuple[date, str] | None:
        """Nothing happens to a person before they are born."""
        return (self.birth_date, _("the birth date")) if self.birth_date else None

    def __repr__(self) -> str:
        return f"<Person {self.id} {self.state}>"


class PersonEventMixin:
    """Columns shared by every row an event of the person workflow creates."""

    id: Mapped[int] = mapped_column(primary_key=True)

    @declared_attr
    def person_id(cls) -> Mapped[int]:
        return mapped_column(sa.ForeignKey("persons.id", ondelete="CASCADE"), index=True)

    @declared_attr
    def audit_entry_id(cls) -> Mapped[int]:
        return mapped_column(sa.ForeignKey("audit_entries.id", ondelete="RESTRICT"), index=True)

    # The person's area when the event happened, so that ward figures stay true after a move.
    @declared_attr
    def org_unit_id(cls) -> Mapped[int]:
        return mapped_column(sa.ForeignKey("org_units.id", ondelete="RESTRICT"), index=True)

    @declared_attr
    def person(cls) -> Mapped[Person]:
        return relationship(Person)

    @declared_attr
    def audit_entry(cls) -> Mapped[AuditEntry]:
        return relationship(AuditEntry)

    @declared_attr
    def org_unit(cls) -> Mapped[OrgUnit]:
        return relationship(OrgUnit)


class DrugTest(PersonEventMixin, Base):
    __tablename__ = "drug_tests"
    __table_args__ = (
        sa.CheckConstraint(_in("sample", SAMPLES), name="sample"),
        sa.CheckConstraint("result IN ('positive', 'negative')", name="result"),
    )

    test_date: Mapped[date] = mapped_column(sa.Date, index=True)
    sample: Mapped[str] = mapped_column(sa.String(10))
    substances: Mapped[list] = mapped_column(sa.JSON)
    result: Mapped[str] = mapped_column(sa.String(10))
    facility: Mapped[str] = mapped_column(sa.String(200))
    guardian_consent: Mapped[bool | None] = mapped_column()
    # Positive for something other than an opioid: what criterion C4 looks for during
    # methadone treatment.
    non_opioid_positive: Mapped[bool] = mapped_column(default=False)
    # The test's identifier in the file it was imported from (imports are idempotent by it).
    external_id: Mapped[str | None] = mapped_column(sa.String(64), unique=True)


class Assessment(PersonEventMixin, Base):
    """An addiction assessment (Decree 109/2021, Circular 18/2021/TT-BYT)."""

    __tablename__ = "assessments"
    __table_args__ = (
        sa.CheckConstraint("criteria_met BETWEEN 0 AND 6", name="criteria_met"),
        # Circular 18: addicted if and only if at least 3 criteria are met.
        sa.CheckConstraint("addicted = (criteria_met >= 3)", name="addicted_consistent"),
    )

    assessment_date: Mapped[date] = mapped_column(sa.Date)
    facility: Mapped[str] = mapped_column(sa.String(200))
    doctor: Mapped[str] = mapped_column(sa.String(200))
    criteria_met: Mapped[int] = mapped_column()
    addicted: Mapped[bool] = mapped_column()


class ManagementDecision(PersonEventMixin, Base):
    """The chair's decision to manage an illegal drug user (Decree 105/2021 Art 42)."""

    __tablename__ = "management_decisions"

    decision_no: Mapped[str] = mapped_column(sa.String(60))
    decision_date: Mapped[date] = mapped_column(sa.Date)
    term_end: Mapped[date] = mapped_column(sa.Date)


class RehabEpisode(PersonEventMixin, Base):
    """One course of rehab or treatment, from its start to its outcome."""

    __tablename__ = "rehab_episodes"
    __table_args__ = (
        sa.CheckConstraint(_in("kind", REHAB_KINDS), name="kind"),
        sa.CheckConstraint("outcome IS NULL OR " + _in("outcome", REHAB_OUTCOMES),
                           name="outcome"),
        # An episode has an end date exactly when it has an outcome.
        sa.CheckConstraint("(end_date IS NULL) = (outcome IS NULL)", name="ended"),
    )

    kind: Mapped[str] = mapped_column(sa.String(12))
    decision_no: Mapped[str | None] = mapped_column(sa.String(60))
    facility: Mapped[str | None] = mapped_column(sa.String(200))
    start_date: Mapped[date] = mapped_column(sa.Date)
    planned_months: Mapped[int | None] = mapped_column()
    planned_end: Mapped[date | None] = mapped_column(sa.Date)
    # The least time it must last before it can be completed, fixed when it starts under the
    # law of that day (WORKFLOWS.md §7); None for episodes begun before it was stored (6).
    min_months: Mapped[int | None] = mapped_column()
    end_date: Mapped[date | None] = mapped_column(sa.Date)
    outcome: Mapped[str | None] = mapped_column(sa.String(12))
    certificate_no: Mapped[str | None] = mapped_column(sa.String(60))


class CourtDecision(PersonEventMixin, Base):
    """A court's decision on a compulsory-rehab dossier."""

    __tablename__ = "court_decisions"

    court: Mapped[str] = mapped_column(sa.String(200))
    decision_no: Mapped[str] = mapped_column(sa.String(60))
    decision_date: Mapped[date] = mapped_column(sa.Date)
    ordered: Mapped[bool] = mapped_column()
    months: Mapped[int | None] = mapped_column()


class PostRehabTerm(PersonEventMixin, Base):
    """Post-rehab management (Law Art 40): 12 months, or 24 after an adult's compulsory rehab."""

    __tablename__ = "post_rehab_terms"

    start_date: Mapped[date] = mapped_column(sa.Date)
    months: Mapped[int] = mapped_column()
    end_date: Mapped[date] = mapped_column(sa.Date)
    completed_on: Mapped[date | None] = mapped_column(sa.Date)
    certificate_no: Mapped[str | None] = mapped_column(sa.String(60))


class ResidenceCheck(PersonEventMixin, Base):
    """A monthly check at the place of residence (Decree 105/2021 Art 47)."""

    __tablename__ = "residence_checks"

    check_date: Mapped[date] = mapped_column(sa.Date, index=True)
    present: Mapped[bool] = mapped_column()
    note: Mapped[str | None] = mapped_column(sa.Text)


# A person lives in a village or residential group, which moves with a merger; one attached
# to a commune that ends would be left there (WORKFLOWS.md §6).
register_open_records("persons", _l("Persons"), Person, ~Person.state.in_(CLOSED_STATES),
                      conflict_when_direct=True)


MONITORING_ENDS = ("ended", "state_left")


class MonitoringOrder(PersonEventMixin, Base):
    """An electronic monitoring order (Law 120/2025 Art 12, WORKFLOWS.md §7): it runs beside
    the state, from its decision to ``ended_on``. Its term is fixed when it is ordered."""

    __tablename__ = "monitoring_orders"
    __table_args__ = (
        sa.CheckConstraint("end_reason IS NULL OR " + _in("end_reason", MONITORING_ENDS),
                           name="end_reason"),
        sa.CheckConstraint("(ended_on IS NULL) = (end_reason IS NULL)", name="ended"),
    )

    decision_no: Mapped[str] = mapped_column(sa.String(60))
    decision_date: Mapped[date] = mapped_column(sa.Date)
    months: Mapped[int] = mapped_column()
    end_date: Mapped[date] = mapped_column(sa.Date, index=True)
    guardian_consent: Mapped[bool | None] = mapped_column()
    # The device worn now (None: none fitted, or removed).
    device_id: Mapped[str | None] = mapped_column(sa.String(60))
    ended_on: Mapped[date | None] = mapped_column(sa.Date)
    end_reason: Mapped[str | None] = mapped_column(sa.String(12))


class PersonAttachment(Base):
    """A paper of the person's file (a statement, a record of violation, a scan of a
    decision), stored by its SHA-256 in the same folder and under the same rules as a
    recognition dossier's files (``casework.storage``). ``kind`` names the paper, as the
    compulsory-rehab checklist (``forms/dossier-checklist.yaml``) lists it."""

    __tablename__ = "person_attachments"
    __table_args__ = (
        sa.UniqueConstraint("person_id", "sha256"),
        sa.CheckConstraint("size > 0", name="size_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    filename: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(sa.String(64))
    note: Mapped[str | None] = mapped_column(sa.String(300))
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    person: Mapped[Person] = relationship()
    uploaded_by: Mapped[User | None] = relationship("User")  # noqa: F821

    def __repr__(self) -> str:
        return f"<PersonAttachment {self.id} {self.kind}>"
