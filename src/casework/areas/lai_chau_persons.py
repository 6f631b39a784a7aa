"""The persons measure of the 8 criteria (C3, C4, C5): who is past a deadline, unchecked at
home, or using another drug on methadone, at the end of a day.

Each person's state is the one their last state-changing entry before the day's end led to
(the audit log), read with that entry (its date and data give the deadline), the last home
check, the methadone start and the last positive test for another drug, in one statement for
the whole subtree.

At national scale (issue 16) a province holds ~15,000 persons. For today on today's map the
statement reads the subtree's persons through the index on their unit, the units' ids
written into it (a path condition made the planner scan every person of the country), and
only the records in one of the states judged: no entry is dated after now, so a record's
state is its last entry's.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from casework.areas import criteria
from casework.areas.criteria import PERSON_STATES, Evidence, _Collector, _state_label
from casework.audit.models import AuditEntry
from casework.audit.services import end_of, last_entry_seq
from casework.db import among, today_local
from casework.extensions import db
from casework.i18n import N_, Phrases
from casework.orgunits.models import OrgUnit
from casework.people.models import DrugTest, Person, RehabEpisode, ResidenceCheck
from casework.workflow.catalog import UnknownWorkflow, get_catalog
from casework.workflow.deadlines import add_months, as_date, due_date_for, local_date

WAITING = ("positive", "addict", "relapsed")
CHECKED = ("managed_user", "post_rehab")


def judge_persons(c: _Collector, where: criteria.Where) -> None:
    """C3, C4, C5 from each person's state at the end of ``where.as_of``."""
    found = criteria.terms("lai_chau.persons")
    check_months, methadone_months = found["check_months"], found["methadone_months"]
    as_of = where.as_of
    labels: dict[str, str] = {}
    phrase = Phrases()  # each detail's message translated once, when first shown

    def label(state: str) -> str:
        if state not in labels:
            labels[state] = _state_label("person", state)
        return labels[state]

    for (person_id, name, unit_id, state, entered_at, data, version, checked, started,
         other) in db.session.execute(_statement(c, where, methadone_months)):
        ev = _PersonEvidence(c, person_id, name, unit_id)
        entered_on = local_date(entered_at)
        if state in WAITING:
            due = _due(state, version, entered_at, data or {})
            if due is not None and due < as_of:
                detail = phrase(N_("%(state)s since %(since)s; the deadline was %(due)s."),
                                state=label(state), since=entered_on, due=due)
                c.add("C3", unit_id, "breaks", ev.make(detail, due))
                if state == "positive":
                    c.add("C5", unit_id, "breaks", ev.make(detail, due))
        elif state in CHECKED:
            last = checked if checked is not None and checked >= entered_on else None
            since = last or entered_on
            if add_months(since, check_months) < as_of:
                if last is None:
                    detail = phrase(N_("%(state)s since %(since)s; never checked at home since."),
                                    state=label(state), since=entered_on)
                else:
                    detail = phrase(N_("%(state)s; last checked at home on %(date)s."),
                                    state=label(state), date=last)
                c.add("C5" if state == "managed_user" else "C3", unit_id, "breaks",
                      ev.make(detail, since))
        elif state == "methadone":
            start = started or as_date((data or {}).get("start_date")) or entered_on
            if add_months(start, methadone_months) < as_of and other is not None:
                detail = phrase(N_("On methadone since %(start)s; positive for another drug on "
                                   "%(date)s."), start=start, date=other)
                c.add("C4", unit_id, "breaks", ev.make(detail, other))


def _statement(c: _Collector, where: criteria.Where, methadone_months: int) -> sa.Select:
    as_of = where.as_of
    cutoff = end_of(as_of)
    entered = aliased(AuditEntry)
    last_check = (
        sa.select(sa.func.max(ResidenceCheck.check_date))
        .where(ResidenceCheck.person_id == Person.id, ResidenceCheck.check_date <= as_of)
        .scalar_subquery()
    )
    methadone_start = (
        sa.select(sa.func.max(RehabEpisode.start_date))
        .where(RehabEpisode.person_id == Person.id, RehabEpisode.kind == "methadone",
               RehabEpisode.start_date <= as_of)
        .scalar_subquery()
    )
    other_drug = (
        sa.select(sa.func.max(DrugTest.test_date))
        .where(DrugTest.person_id == Person.id, DrugTest.non_opioid_positive.is_(True),
               DrugTest.test_date <= as_of,
               DrugTest.test_date > add_months(as_of, -methadone_months))
        .scalar_subquery()
    )
    # Each look-up only for the states that read it (a CASE evaluates its branch alone), and
    # the entry's data only where a deadline or a start date is read from it: decoding the
    # JSON of every judged person was a fifth of the area page at national scale.
    on_methadone = entered.to_state == "methadone"
    data = sa.case((entered.to_state.in_(WAITING), entered.data),
                   (sa.and_(on_methadone, methadone_start.is_(None)), entered.data))
    stmt = (
        sa.select(Person.id, Person.full_name, Person.org_unit_id, entered.to_state,
                  entered.effective_at, data, entered.workflow_version,
                  sa.case((entered.to_state.in_(CHECKED), last_check)),
                  sa.case((on_methadone, methadone_start)), sa.case((on_methadone, other_drug)))
        .join(entered, sa.and_(entered.record_type == Person.__record_type__,
                               entered.record_id == Person.id,
                               entered.seq == last_entry_seq(
                                   Person.__record_type__, Person.id, cutoff, True)))
        .where(entered.to_state.in_(PERSON_STATES))
    )
    if as_of >= today_local() and where.map_day is None:
        # Today, on today's map: the subtree is exactly the units collected, read by id, and
        # only the records in the judged states. (On a past day every person of the subtree
        # is judged from the log, which the planner does best from the path condition.)
        return stmt.where(Person.state.in_(PERSON_STATES),
                          among(Person.org_unit_id, sorted(c.units)))
    return stmt.join(OrgUnit, OrgUnit.id == Person.org_unit_id).where(where.inside)


class _PersonEvidence:
    def __init__(self, c: _Collector, person_id, name, unit_id):
        self.c, self.person_id, self.name, self.unit_id = c, person_id, name, unit_id

    def make(self, detail: str, day: date | None) -> Evidence:
        return self.c.evidence(self.unit_id, kind="person", id=self.person_id, label=self.name,
                               detail=detail, url=f"/persons/{self.person_id}", date=day,
                               source=("persons", "full_name"))


def _due(state: str, version: int, entered_at, data: dict) -> date | None:
    try:
        definition = get_catalog().get("person", version)
    except UnknownWorkflow:
        return None
    return due_date_for(definition, state, entered_at, data)
