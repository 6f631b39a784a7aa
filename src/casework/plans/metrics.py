"""The catalogue of metrics: each computed from the data for a scope unit on a date.

"As of" a past date, states are read from the audit log: a record's state on day D is the
state its last entry with ``effective_at`` on or before D led to. A metric over a period
counts what happened between ``since`` and the date.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from casework.areas.criteria import evaluate_subtree
from casework.areas.models import AreaFact
from casework.audit.models import AuditEntry
from casework.audit.services import end_of, last_entry_seq, states_on, states_rows, unit_ids
from casework.db import among
from casework.extensions import db
from casework.orgunits.history import territory_clause
from casework.orgunits.models import LEAF_KINDS, OrgUnit
from casework.workflow.catalog import get_catalog
from casework.workflow.deadlines import LOCAL_TZ, due_date_for
from casework.workflow.engine import entering_data

USER_STATES = ("positive", "managed_user")
ADDICT_STATES = ("addict", "relapsed", "rehab_community", "rehab_facility", "methadone",
                 "compulsory_dossier", "compulsory_rehab")
# In these states the person waits for a measure, within a legal deadline.
WAITING_STATES = ("positive", "addict", "relapsed")


@dataclass(frozen=True)
class MetricValue:
    value: float | None              # None: no data source for this metric
    numerator: int | None = None
    denominator: int | None = None

    @classmethod
    def percent(cls, part: int, whole: int) -> MetricValue:
        # Nobody to manage means nobody left out: the target is met.
        value = 100.0 if whole == 0 else round(100.0 * part / whole, 1)
        return cls(value, part, whole)


@dataclass(frozen=True)
class Metric:
    code: str
    label: object
    unit: str  # count | percent
    compute: Callable[[OrgUnit, date, dict, date | None], MetricValue]
    description: object = ""
    # True: counts what happened between a start date and a day (sessions held, dossiers
    # opened); False: a snapshot of the day (areas in a state, shares of persons managed).
    period: bool = False


METRICS: dict[str, Metric] = {}


def metric(code: str, label, unit: str, description="", period: bool = False):
    def register(func):
        METRICS[code] = Metric(code, label, unit, func, description, period)
        return func

    return register


def compute(code: str, unit: OrgUnit, as_of: date, params: dict | None = None,
            since: date | None = None) -> MetricValue:
    return METRICS[code].compute(unit, as_of, params or {}, since)


def territory_ids(unit: OrgUnit, as_of: date):
    """SELECT of the ids of the units in ``unit``'s territory as of ``as_of`` (that day's map;
    an ended unit's last day's: a plan keeps the territory it was written for)."""
    return sa.select(OrgUnit.id).where(territory_clause(unit, as_of))


@metric("areas_in_state", _l("Areas in a state"), "count",
        _l("Residential groups and villages (or the kinds given) in the given states."))
def areas_in_state(unit, as_of, params, since):
    states = params.get("states") or [params.get("state")]
    kinds = params.get("kinds") or sorted(LEAF_KINDS)
    rows = states_on("area", as_of, territory_ids(unit, as_of)).subquery()
    stmt = (
        sa.select(sa.func.count()).select_from(rows)
        .join(OrgUnit, OrgUnit.id == rows.c.org_unit_id)
        .where(OrgUnit.kind.in_(kinds), rows.c.state.in_(states))
    )
    return MetricValue(db.session.scalar(stmt))


@metric("groups_meeting_all_criteria", _l("Groups and villages meeting 8/8 criteria"), "count")
def groups_meeting_all_criteria(unit, as_of, params, since):
    results = evaluate_subtree(unit, as_of)
    leaves = [r for r in results.values() if r.kind in LEAF_KINDS]
    return MetricValue(sum(1 for r in leaves if r.all_met), sum(1 for r in leaves if r.all_met),
                       len(leaves))


def _persons_in(unit: OrgUnit, as_of: date) -> list:
    """Rows (record_id, state, org_unit_id) of the persons of the subtree as of that day; read
    once for the report that asks several times (``audit.services.shared_states``)."""
    return states_rows("person", as_of, territory_ids(unit, as_of))


def _group_dues(found: list, group: tuple[str, ...], as_of: date
                ) -> list[tuple[str, date | None]]:
    """(state, due date on ``as_of``) of each person of ``found`` in one of ``group``'s
    states: the entry that entered the state is read (and its deadline judged) only for those
    waiting for a measure (``WAITING_STATES``), by their ids, and only the columns the
    deadline reads; the others' due date is None."""
    waiting = set(group) & set(WAITING_STATES)
    rows = [row for row in found if row.state in group]
    ids = [row.record_id for row in rows if row.state in waiting]
    entered = {}
    if ids:
        entering = aliased(AuditEntry)
        entered = {entry.record_id: entry for entry in db.session.execute(
            sa.select(entering.record_id, entering.workflow_version, entering.effective_at,
                      entering.data)
            .where(entering.record_type == "person", among(entering.record_id, ids),
                   entering.seq == last_entry_seq("person", entering.record_id,
                                                  end_of(as_of), changes_only=True)))}
    catalog = get_catalog()
    dues = []
    for row in rows:
        entry = entered.get(row.record_id) if row.state in waiting else None
        if entry is None:
            dues.append((row.state, None))
            continue
        definition = catalog.get("person", entry.workflow_version)
        dues.append((row.state, due_date_for(definition, row.state, entry.effective_at,
                                             entering_data(definition, row.state, entry))))
    return dues


def _managed_share(unit, as_of, group: tuple[str, ...]) -> MetricValue:
    """The persons in ``group``'s states who are managed: waiting past the deadline for a
    measure is the one way to be unmanaged."""
    dues = _group_dues(_persons_in(unit, as_of), group, as_of)
    left_out = sum(1 for _state, due in dues if due and due < as_of)
    return MetricValue.percent(len(dues) - left_out, len(dues))


@metric("users_managed_pct", _l("Illegal drug users with a management record"), "percent",
        _l("Users (positive or managed) who are managed, or still within the deadline for the "
           "decision (9 working days, 16 in a remote commune)."))
def users_managed_pct(unit, as_of, params, since):
    return _managed_share(unit, as_of, USER_STATES)


@metric("addicts_managed_pct", _l("Addicts with a management record and a measure"),
        "percent",
        _l("Addicts in a rehab measure, or still within the 5 working days to register one."))
def addicts_managed_pct(unit, as_of, params, since):
    return _managed_share(unit, as_of, ADDICT_STATES)


def _entries_between(unit: OrgUnit, since: date | None, as_of: date, *where) -> int:
    """Audit entries of the subtree of ``unit`` dated in the period that match ``where``."""
    # The territory's units read first: the log is then read through its index on the unit,
    # not scanned for the whole country.
    stmt = (
        sa.select(sa.func.count()).select_from(AuditEntry)
        .where(AuditEntry.effective_at < end_of(as_of),
               among(AuditEntry.org_unit_id, unit_ids(territory_ids(unit, as_of))), *where)
    )
    if since is not None:
        stmt = stmt.where(AuditEntry.effective_at >= datetime.combine(since, time.min,
                                                                      tzinfo=LOCAL_TZ))
    return db.session.scalar(stmt)


def _events_between(event: str, record_type: str, unit: OrgUnit, since: date | None,
                    as_of: date) -> int:
    return _entries_between(unit, since, as_of, AuditEntry.record_type == record_type,
                            AuditEntry.event == event)


@metric("compulsory_dossiers_opened", _l("Compulsory-rehab dossiers opened"), "count", period=True)
def compulsory_dossiers_opened(unit, as_of, params, since):
    """Every move into `compulsory_dossier` in the period, whoever recorded it: a dossier
    opened by the police, and voluntary rehab abandoned (WORKFLOWS.md §8, §10). An imported
    record was not opened here and does not count."""
    return MetricValue(_entries_between(
        unit, since, as_of, AuditEntry.record_type == "person",
        AuditEntry.to_state == "compulsory_dossier", AuditEntry.from_state.is_not(None),
        AuditEntry.from_state != AuditEntry.to_state))


def _activities(unit, as_of, since, activity_type: str) -> int:
    stmt = (
        sa.select(sa.func.count()).select_from(AreaFact)
        .join(OrgUnit, OrgUnit.id == AreaFact.org_unit_id)
        .where(AreaFact.kind == "awareness_activity", AreaFact.activity_type == activity_type,
               AreaFact.activity_date <= as_of, territory_clause(unit, as_of))
    )
    if since is not None:
        stmt = stmt.where(AreaFact.activity_date >= since)
    return db.session.scalar(stmt)


@metric("awareness_sessions", _l("Awareness sessions held"), "count", period=True)
def awareness_sessions(unit, as_of, params, since):
    return MetricValue(_activities(unit, as_of, since, "session"))


@metric("broadcasts", _l("Loudspeaker broadcasts"), "count", period=True)
def broadcasts(unit, as_of, params, since):
    return MetricValue(_activities(unit, as_of, since, "broadcast"))


@metric("hotspots_eliminated_pct", _l("Retail points and hotspots eliminated"), "percent")
def hotspots_eliminated_pct(unit, as_of, params, since):
    rows = db.session.execute(states_on("hotspot", as_of, territory_ids(unit, as_of))).all()
    eliminated = sum(1 for r in rows if r.state == "eliminated")
    return MetricValue.percent(eliminated, len(rows))


@metric("drug_cases_prosecuted", _l("Drug cases prosecuted"), "count",
        _l("Drug cases (area facts `drug_case`) prosecuted between the start of the period "
           "and the date, in the unit's territory (WORKFLOWS.md §10)."), period=True)
def drug_cases_prosecuted(unit, as_of, params, since):
    stmt = (
        sa.select(sa.func.count()).select_from(AreaFact)
        .join(OrgUnit, OrgUnit.id == AreaFact.org_unit_id)
        .where(AreaFact.kind == "drug_case", AreaFact.prosecuted_on.is_not(None),
               AreaFact.prosecuted_on <= as_of, territory_clause(unit, as_of))
    )
    if since is not None:
        stmt = stmt.where(AreaFact.prosecuted_on >= since)
    return MetricValue(db.session.scalar(stmt))


@metric("areas_recognized", _l("Areas recognised drug-free in the period"), "count",
        _l("Recognitions (the area's `recognize` event) between the start of the period and "
           "the date."), period=True)
def areas_recognized(unit, as_of, params, since):
    return MetricValue(_events_between("recognize", "area", unit, since, as_of))
