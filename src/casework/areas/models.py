"""Areas, their hotspots and the facts recorded about them (WORKFLOWS.md §2 and §4).

Every org unit is an area. Its workflow record (:class:`Area`) is opened the first time
someone acts on it; until then the area is ``unassessed``. Facts are dated observations that
the criteria read; a hotspot is a fact with its own small workflow.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.auth.models import User
from casework.db import Base, TimestampMixin, UTCDateTime, utcnow
from casework.orgunits.models import OrgUnit, register_open_records
from casework.workflow import WorkflowRecordMixin
from casework.workflow.registry import record_type

# The initial state of the area workflow: an org unit without an area record is in it.
UNASSESSED = "unassessed"

# Incidents are open until resolved. `fugitive` (QĐ 28/2025 Art 6.2) is a wanted drug offender
# hiding in the area.
INCIDENT_KINDS = ("dealer", "use_venue", "offender", "ring", "drug_plants", "fugitive")
FACT_KINDS = INCIDENT_KINDS + (
    "household_tally", "hotline_board", "prevention_model", "awareness_activity",
    # QĐ 28/2025 (WORKFLOWS.md §9, §10): the resident population, a key trafficking route
    # through the commune, and drug cases.
    "population", "key_route", "drug_case",
)
# Tallies and boards are per group or village; QĐ 28/2025 counts residents and key routes per
# commune, ward or special zone (and a province's own figures for its Art 5).
LEAF_ONLY_KINDS = frozenset({"household_tally", "hotline_board"})
QD28_UNIT_KINDS = frozenset({"population", "key_route"})
QD28_UNITS = frozenset({"commune", "ward", "special_zone", "province"})
# Every kind a user may record, hotspots included (they live in their own table).
ALL_FACT_KINDS = ("hotspot",) + FACT_KINDS
ACTIVITY_TYPES = ("session", "broadcast")
ROUTE_SCOPES = ("intra", "inter")      # intra- or inter-provincial key route
CASE_KINDS = ("trafficking", "possession", "organising_use", "harbouring", "other")
ROUTE_SCOPE_LABELS = {"intra": _l("Intra-provincial route"),
                      "inter": _l("Inter-provincial route")}
CASE_KIND_LABELS = {
    "trafficking": _l("Trafficking"),
    "possession": _l("Illegal possession"),
    "organising_use": _l("Organising drug use"),
    "harbouring": _l("Harbouring drug use"),
    "other": _l("Other drug crime"),
}

FACT_KIND_LABELS = {
    "hotspot": _l("Drug hotspot"),
    "dealer": _l("Retail drug seller"),
    "use_venue": _l("Place organising drug use"),
    "offender": _l("Drug offender resident"),
    "ring": _l("Drug gang or ring"),
    "drug_plants": _l("Drug-plant cultivation"),
    "household_tally": _l("Household commitment tally"),
    "hotline_board": _l("Hotline board"),
    "prevention_model": _l("Drug-prevention model"),
    "awareness_activity": _l("Awareness activity"),
    "fugitive": _l("Wanted drug offender hiding in the area"),
    "population": _l("Resident population"),
    "key_route": _l("Key drug-trafficking route"),
    "drug_case": _l("Drug case"),
}
ACTIVITY_TYPE_LABELS = {
    "session": _l("Awareness session"),
    "broadcast": _l("Loudspeaker broadcast"),
}


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _kind_needs(kinds: tuple[str, ...], *columns: str) -> str:
    """CHECK: rows of these kinds have every one of ``columns``."""
    present = " AND ".join(f"{c} IS NOT NULL" for c in columns)
    return f"NOT ({_in('kind', kinds)}) OR ({present})"


@record_type
class Area(WorkflowRecordMixin, TimestampMixin, Base):
    """The drug situation of one org unit: its workflow record, one per unit."""

    __tablename__ = "areas"
    __workflow__ = "area"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(
        sa.ForeignKey("org_units.id", ondelete="RESTRICT"), unique=True
    )
    org_unit: Mapped[OrgUnit] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<Area {self.org_unit.code} {self.state}>"


@record_type
class Hotspot(WorkflowRecordMixin, TimestampMixin, Base):
    """A drug hotspot ("điểm, tụ điểm"); while it is not eliminated it breaks C1."""

    __tablename__ = "hotspots"
    __workflow__ = "hotspot"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(
        sa.ForeignKey("org_units.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    address: Mapped[str | None] = mapped_column(sa.String(300))
    found_date: Mapped[date] = mapped_column(sa.Date)
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT")
    )

    org_unit: Mapped[OrgUnit] = relationship(lazy="joined")
    recorded_by: Mapped[User | None] = relationship()

    kind = "hotspot"

    def __repr__(self) -> str:
        return f"<Hotspot {self.id} {self.state}>"


class AreaFact(Base):
    """A dated fact about an area: an incident, a tally, a board, a model or an activity.

    One table for every kind; CHECK constraints tie each kind to the columns it needs.
    Incidents and prevention models are open until ``resolved_date`` / ``ended_on``.
    """

    __tablename__ = "area_facts"
    __table_args__ = (
        sa.CheckConstraint(_in("kind", FACT_KINDS), name="kind"),
        sa.CheckConstraint(_kind_needs(INCIDENT_KINDS, "found_date"), name="incident_dates"),
        sa.CheckConstraint(_kind_needs(("offender",), "resident_since"), name="offender"),
        sa.CheckConstraint(
            _kind_needs(("household_tally",), "households_total", "households_signed", "as_of"),
            name="tally",
        ),
        # A tally never counts more signed households than households.
        sa.CheckConstraint(
            "households_signed IS NULL OR households_total IS NULL OR "
            "(households_signed >= 0 AND households_signed <= households_total)",
            name="tally_counts",
        ),
        sa.CheckConstraint(_kind_needs(("hotline_board",), "present", "verified_on"),
                           name="board"),
        sa.CheckConstraint(_kind_needs(("prevention_model",), "name", "started_on"),
                           name="model"),
        sa.CheckConstraint(
            _kind_needs(("awareness_activity",), "activity_type", "activity_date"),
            name="activity",
        ),
        sa.CheckConstraint("activity_type IS NULL OR " + _in("activity_type", ACTIVITY_TYPES),
                           name="activity_type"),
        sa.CheckConstraint(_kind_needs(("population",), "residents", "as_of"),
                           name="population"),
        sa.CheckConstraint("residents IS NULL OR residents >= 0", name="residents"),
        sa.CheckConstraint(_kind_needs(("key_route",), "route_scope", "decision_no",
                                       "started_on"), name="key_route"),
        sa.CheckConstraint("route_scope IS NULL OR " + _in("route_scope", ROUTE_SCOPES),
                           name="route_scope"),
        sa.CheckConstraint(_kind_needs(("drug_case",), "found_date", "case_kind", "suspects"),
                           name="drug_case"),
        sa.CheckConstraint("case_kind IS NULL OR " + _in("case_kind", CASE_KINDS),
                           name="case_kind"),
        sa.CheckConstraint("suspects IS NULL OR suspects >= 0", name="suspects"),
        sa.CheckConstraint("prosecuted_on IS NULL OR prosecuted_on >= found_date",
                           name="prosecuted_after_found"),
        sa.CheckConstraint("arrested_on IS NULL OR found_date IS NULL OR "
                           "arrested_on >= found_date", name="arrested_after_found"),
        sa.CheckConstraint("resolved_date IS NULL OR resolved_date >= found_date",
                           name="resolved_after_found"),
        sa.CheckConstraint("ended_on IS NULL OR ended_on >= started_on",
                           name="ended_after_started"),
        sa.Index("ix_area_facts_kind_unit", "kind", "org_unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(24))
    org_unit_id: Mapped[int] = mapped_column(
        sa.ForeignKey("org_units.id", ondelete="RESTRICT"), index=True
    )
    note: Mapped[str | None] = mapped_column(sa.Text)
    # Incidents: dealer, use_venue, offender, ring, drug_plants.
    description: Mapped[str | None] = mapped_column(sa.String(300))
    found_date: Mapped[date | None] = mapped_column(sa.Date)
    resolved_date: Mapped[date | None] = mapped_column(sa.Date)
    resident_since: Mapped[date | None] = mapped_column(sa.Date)
    plant_count: Mapped[int | None] = mapped_column()
    plant_area_m2: Mapped[float | None] = mapped_column(sa.Float)
    # offender: the day the offender was arrested (QĐ 28/2025 Art 4 c counts arrests)
    arrested_on: Mapped[date | None] = mapped_column(sa.Date)
    # population: residents as_of a date
    residents: Mapped[int | None] = mapped_column()
    # key_route: intra/inter provincial, approved by decision_no on started_on, until ended_on
    route_scope: Mapped[str | None] = mapped_column(sa.String(5))
    # drug_case: found_date, its kind, the number of suspects, prosecuted (khởi tố) on a day
    case_kind: Mapped[str | None] = mapped_column(sa.String(16))
    suspects: Mapped[int | None] = mapped_column()
    prosecuted_on: Mapped[date | None] = mapped_column(sa.Date)
    case_no: Mapped[str | None] = mapped_column(sa.String(60))
    # household_tally
    households_total: Mapped[int | None] = mapped_column()
    households_signed: Mapped[int | None] = mapped_column()
    as_of: Mapped[date | None] = mapped_column(sa.Date)
    # hotline_board
    present: Mapped[bool | None] = mapped_column()
    verified_on: Mapped[date | None] = mapped_column(sa.Date)
    # prevention_model
    name: Mapped[str | None] = mapped_column(sa.String(200))
    decision_no: Mapped[str | None] = mapped_column(sa.String(60))
    started_on: Mapped[date | None] = mapped_column(sa.Date)
    ended_on: Mapped[date | None] = mapped_column(sa.Date)
    # awareness_activity
    activity_type: Mapped[str | None] = mapped_column(sa.String(10))
    activity_date: Mapped[date | None] = mapped_column(sa.Date)
    minutes: Mapped[int | None] = mapped_column()
    audience: Mapped[int | None] = mapped_column()
    # Who recorded it and when; who closed it (resolved / ended) and when.
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT")
    )
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT")
    )
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    org_unit: Mapped[OrgUnit] = relationship(lazy="joined")
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])

    @property
    def kind_label(self) -> str:
        return str(FACT_KIND_LABELS.get(self.kind, self.kind))

    @property
    def is_incident(self) -> bool:
        return self.kind in INCIDENT_KINDS

    @property
    def fact_date(self) -> date | None:
        """The date the fact is about (found, counted, verified, started, held)."""
        return (self.found_date or self.as_of or self.verified_on or self.started_on
                or self.activity_date)

    @property
    def closable(self) -> bool:
        return (self.is_incident and self.resolved_date is None) or (
            self.kind == "prevention_model" and self.ended_on is None)

    def __repr__(self) -> str:
        return f"<AreaFact {self.id} {self.kind}>"


# Stays on its unit, reachable from the successor (WORKFLOWS.md §6).
register_open_records("areas", _l("Area records"), Area)
register_open_records("hotspots", _l("Hotspots"), Hotspot, Hotspot.state != "eliminated")
