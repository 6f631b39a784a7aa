"""The demo holds persons whose histories cross 2026-07-01 (issue 15): each entry is judged by
the law of its day, the rehab begun under Law 73 keeps its term, and the chains verify."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from casework.audit.models import AuditEntry
from casework.audit.services import verify
from casework.people.models import MonitoringOrder, Person, RehabEpisode
from casework.workflow.deadlines import add_months, local_date

LAW_120 = date(2026, 7, 1)


def test_demo_histories_cross_the_change_of_law(app, db):
    from casework.demo.loader import load_demo

    load_demo()
    rows = db.session.execute(
        sa.select(AuditEntry.record_id, AuditEntry.workflow_version, AuditEntry.effective_at)
        .where(AuditEntry.record_type == "person", AuditEntry.workflow_version.is_not(None))
    ).all()
    versions: dict[int, set[int]] = {}
    for record_id, version, at in rows:
        # Every entry names the version in force on its day.
        assert version == (2 if local_date(at) >= LAW_120 else 1), (record_id, version, at)
        versions.setdefault(record_id, set()).add(version)
    crossing = [rid for rid, found in versions.items() if found == {1, 2}]
    assert len(crossing) >= 4
    states = set(db.session.scalars(sa.select(Person.state).where(Person.id.in_(crossing))))
    assert {"managed_user", "rehab_community", "rehab_facility", "post_rehab"} <= states
    for person in db.session.scalars(sa.select(Person).where(Person.id.in_(crossing))):
        assert person.workflow_version == 2  # the version of the newest event
    # The rehab begun under Law 73 keeps Law 73's 12 months; the one begun under Law 120 has 24.
    episodes = db.session.scalars(sa.select(RehabEpisode).where(
        RehabEpisode.person_id.in_(crossing))).all()
    by_start = {e.start_date >= LAW_120: e for e in episodes if e.kind in ("community",
                                                                           "facility")}
    assert by_start[False].planned_months == 12 and by_start[True].planned_months == 24
    old = db.session.get(Person, by_start[False].person_id)
    assert old.state == "rehab_facility"
    assert old.due_date == add_months(by_start[False].start_date, 12)
    # Electronic monitoring, only under Law 120.
    order = db.session.scalar(sa.select(MonitoringOrder).where(
        MonitoringOrder.person_id == by_start[True].person_id))
    assert order is not None and order.decision_date >= LAW_120
    assert verify().ok
