"""The province pages' fast paths return exactly what the slow ones return (issue 16).

The slow paths are kept here as references, computed from scratch: states from the whole
country's log joined to the territory afterwards, the report's rows one statement per row,
every area of a subtree judged with the findings filtered per unit, plans found by loading
every visible unit, every fact sorted in Python. They run on the demo (the 2024 map, the
2025 successions, persons, areas, hotspots and plans), on past days (the log) and today (the
records), on SQLite and on PostgreSQL (CASEWORK_TEST_DATABASE_URL).
"""

from __future__ import annotations

import io
import random
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from casework.areas import criteria
from casework.areas.criteria import evaluate_area, evaluate_subtree
from casework.areas.findings import FindingIndex
from casework.areas.models import AreaFact, Hotspot
from casework.areas.services import fact_date, facts_page, recent_facts
from casework.audit.services import end_of, states_as_of
from casework.audit.services import states_on as record_states_on
from casework.auth.models import User
from casework.auth.scope import Scope, scoped
from casework.orgunits.history import territory_clause
from casework.orgunits.models import OrgUnit
from casework.orgunits.services import get_by_code
from casework.people.models import Person
from casework.plans import metrics
from casework.plans.models import Plan
from casework.plans.reports import (
    build_report,
    due_labels,
    report_groups,
    state_rows,
    workbook,
)
from casework.plans.services import plans_in_scope
from casework.workflow.catalog import get_catalog
from casework.workflow.deadlines import today_local

# The units the figures are read for: the province, the city that ended on 2025-06-30, its
# old wards and San Thàng (ended), the wards made on 2025-07-01, a group; and Lào Cai.
CODES = ("LCH", "LCH-TP", "LCH-DK", "LCH-ST", "LCH-P-TPH", "LCH-P-DK", "LCH-DK-T01", "LCI",
         "LCI-BC")
PAST = (date(2024, 10, 1), date(2025, 6, 10), date(2025, 6, 30), date(2025, 7, 1),
        date(2025, 12, 10))


@pytest.fixture
def demo(app, db):
    from casework.demo.loader import load_demo

    load_demo()
    units = [get_by_code(code) for code in CODES]
    assert all(units)
    today = today_local()
    return units, PAST + (today - timedelta(days=1), today)


# --- the references: the slow paths --------------------------------------------------------


def run(stmt) -> list[tuple]:
    return sorted(tuple(r) for r in db_session().execute(stmt))


def db_session():
    from casework.extensions import db

    return db.session


def slow_states(record_type: str, unit: OrgUnit, day: date) -> list[tuple]:
    """The whole country's log as of ``day``, then the unit's territory."""
    rows = states_as_of(record_type, end_of(day)).subquery()
    return run(sa.select(rows.c.record_id, rows.c.state, rows.c.org_unit_id)
               .join(OrgUnit, OrgUnit.id == rows.c.org_unit_id)
               .where(territory_clause(unit, day)))


def slow_report_rows(unit: OrgUnit, as_of: date) -> list[tuple]:
    """The report's rows as they were computed: one statement per row, the whole log."""
    session = db_session()
    groups = report_groups(unit, as_of)
    rows = states_as_of("person", end_of(as_of)).subquery()
    area_def = get_catalog().get("area")
    areas = states_as_of("area", end_of(as_of)).subquery()
    area_states = {
        unit_id: str(area_def.states[state].label)
        for unit_id, state in session.execute(
            sa.select(areas.c.org_unit_id, areas.c.state)
            .where(areas.c.org_unit_id.in_([g.id for g in groups])))
        if state in area_def.states}
    out = []
    for group in groups:
        counts = dict(session.execute(
            sa.select(rows.c.state, sa.func.count())
            .join(OrgUnit, OrgUnit.id == rows.c.org_unit_id)
            .where(territory_clause(group, as_of)).group_by(rows.c.state)).all())
        out.append((group.id, {s: n for s, n in counts.items() if n}, area_states.get(group.id)))
    return out


def fast_report_rows(unit: OrgUnit, as_of: date) -> list[tuple]:
    states = list(get_catalog().get("person").states)
    return [(r["unit"].id, {s: n for s, n in r["by_state"].items() if n}, r["area_state"])
            for r in state_rows(unit, as_of, states)]


class Naive:
    """The findings filtered per unit, as ``criteria._judge`` did."""

    def __init__(self, findings):
        self.findings = list(findings)

    def below(self, path):
        return [f for f in self.findings if f.path.startswith(path)]

    def below_or_above(self, path):
        return [f for f in self.findings if f.path.startswith(path) or path.startswith(f.path)]


def slow_plans(scope: Scope) -> list[int]:
    ids: set[int] = set()
    for unit in db_session().scalars(scoped(sa.select(OrgUnit), OrgUnit.id, scope)):
        ids.update(unit.ancestor_ids)
    return sorted(db_session().scalars(sa.select(Plan.id).where(Plan.org_unit_id.in_(ids))))


def as_data(results) -> dict:
    return {k: v.as_dict() for k, v in results.items()}


# --- the tests -------------------------------------------------------------------------------


def test_states_of_a_territory_equal_the_whole_log(demo):
    units, days = demo
    seen = 0
    for unit in units:
        for day in days:
            inside = metrics.territory_ids(unit, day)
            for record_type in ("person", "area", "hotspot"):
                slow = slow_states(record_type, unit, day)
                seen += len(slow)
                # Today from the records, a past day from the log of the territory only.
                assert run(record_states_on(record_type, day, inside)) == slow, (
                    unit.code, day, record_type)
                logged = states_as_of(record_type, end_of(day), inside)
                assert run(logged.where(logged.selected_columns.org_unit_id.in_(inside))) \
                    == slow, (unit.code, day, record_type)
    assert seen > 1000  # the demo's persons, areas and hotspots, on every map


def test_report_rows_equal_one_statement_per_row(demo):
    units, days = demo
    for unit in units:
        for day in days:
            assert fast_report_rows(unit, day) == slow_report_rows(unit, day), (unit.code, day)
    # The whole report too, on its day (10 June 2025: the log; the 2024 map).
    province = units[0]
    report = build_report("six_month", "2025-H1", province, admin_scope())
    assert report.as_of == date(2025, 6, 10)
    assert [(r["unit"].id, {s: n for s, n in r["by_state"].items() if n}, r["area_state"])
            for r in report.rows] == slow_report_rows(province, report.as_of)
    assert sum(report.totals.values()) > 0
    # The overdue sheet: every row red, its dates as dates (rows styled by number).
    report = build_report("annual", str(today_local().year), province, admin_scope())
    book = load_workbook(io.BytesIO(workbook(report)))
    sheet = book.worksheets[2]
    assert sheet.max_row == len(report.overdue) + 1 > 2
    for row in sheet.iter_rows(min_row=2):
        assert all(cell.fill.fgColor.rgb.endswith("F8D7D3") for cell in row)
        assert [c.number_format for c in row if c.is_date] == ["DD/MM/YYYY"]
    # What each deadline is for, read once per state, as each person's own property says.
    persons = db_session().scalars(sa.select(Person).order_by(Person.id)).all()
    labels = due_labels(persons)
    assert labels == {p.id: p.due_label for p in persons}
    assert sum(1 for v in labels.values() if v) > 10


def test_metrics_equal_the_whole_log(demo, monkeypatch):
    units, days = demo
    codes = [c for c in metrics.METRICS if c != "groups_meeting_all_criteria"]
    params = {"areas_in_state": {"states": ["drug_free", "complex", "not_complex"]}}
    since = date(2024, 1, 1)

    def all_of():
        return {(c, u.code, d): metrics.compute(c, u, d, params.get(c), since)
                for c in codes for u in units for d in days}

    fast = all_of()

    def slow_states_on(record_type, day, inside=None):
        rows = states_as_of(record_type, end_of(day)).subquery()
        return sa.select(rows.c.record_id, rows.c.state, rows.c.org_unit_id).where(
            rows.c.org_unit_id.in_(inside))

    monkeypatch.setattr(metrics, "states_on", slow_states_on)
    monkeypatch.setattr(metrics, "states_rows", lambda record_type, day, inside: db_session()
                        .execute(slow_states_on(record_type, day, inside)).all())
    assert fast == all_of()
    assert sum(1 for v in fast.values() if v.value) > 50


def slow_managed_share(unit: OrgUnit, as_of: date, group: tuple[str, ...]):
    """The managed share as it was computed: every person of the territory read with the
    whole entry that entered their state, the deadlines judged in Python."""
    from casework.audit.models import AuditEntry
    from casework.workflow.deadlines import due_date_for
    from casework.workflow.engine import entering_data

    cutoff = end_of(as_of)
    found = slow_states("person", unit, as_of)
    out = []
    catalog = get_catalog()
    for record_id, state, _unit in found:
        entering = db_session().scalars(
            sa.select(AuditEntry).where(
                AuditEntry.record_type == "person", AuditEntry.record_id == record_id,
                AuditEntry.effective_at < cutoff,
                sa.or_(AuditEntry.from_state.is_(None),
                       AuditEntry.from_state != AuditEntry.to_state))
            .order_by(AuditEntry.seq.desc()).limit(1)).first()
        due = None
        if entering is not None and state in metrics.WAITING_STATES:
            definition = catalog.get("person", entering.workflow_version)
            due = due_date_for(definition, state, entering.effective_at,
                               entering_data(definition, state, entering))
        out.append((state, due))
    persons = [(s, due) for s, due in out if s in group]
    left_out = sum(1 for s, due in persons if s in metrics.WAITING_STATES and due and due < as_of)
    return metrics.MetricValue.percent(len(persons) - left_out, len(persons))


def test_managed_shares_equal_every_person_judged_in_python(demo):
    """Counted in SQL, only the waiting persons' deadlines read: the same figures as every
    person read with their entering entry (the plan page and the six-month report)."""
    units, days = demo
    judged, late = 0, 0
    for unit in units:
        for day in days:
            for group in (metrics.USER_STATES, metrics.ADDICT_STATES):
                fast = metrics._managed_share(unit, day, group)
                assert fast == slow_managed_share(unit, day, group), (unit.code, day, group)
                judged += fast.denominator
                late += fast.denominator - fast.numerator
    assert judged > 100 and late > 0  # some waited past their deadline


def test_criteria_judged_through_the_index_equal_the_filters(demo, monkeypatch):
    units, days = demo
    fast = {(u.code, d): as_data(evaluate_subtree(u, d)) for u in units for d in days}
    shown = {(u.code, d): evaluate_area(u, d).as_dict() for u in units for d in days}
    judge = criteria._judge
    monkeypatch.setattr(criteria, "_judge", lambda code, unit, index: judge(
        code, unit, Naive(index.findings)))
    slow = {(u.code, d): as_data(evaluate_subtree(u, d)) for u in units for d in days}
    assert fast == slow
    for (code, day), results in slow.items():
        root = get_by_code(code)
        if root.id in results:  # the area alone, judged alone (the API and the area page)
            assert shown[(code, day)] == results[root.id], (code, day)
    assert any(r["all_met"] for results in fast.values() for r in results.values())


def test_persons_judged_by_unit_ids_and_records_equal_the_path_and_the_log(demo, monkeypatch):
    """The persons measure reads today's subtree by its units' ids, and for today only the
    records in the states it judges; the same findings as the territory's path condition and
    every person of it taken from the log."""
    import dataclasses

    from casework.areas import lai_chau_persons

    units, days = demo
    fast = {(u.code, d): as_data(evaluate_subtree(u, d)) for u in units for d in days}
    statement = lai_chau_persons._statement
    monkeypatch.setattr(lai_chau_persons, "today_local", lambda: date.max)  # never "today"
    monkeypatch.setattr(lai_chau_persons, "_statement", lambda c, where, months: statement(
        c, dataclasses.replace(where, map_day=where.map_day or date.min), months))
    slow = {(u.code, d): as_data(evaluate_subtree(u, d)) for u in units for d in days}
    assert fast == slow
    broken = [c for results in fast.values() for r in results.values()
              for c in r["criteria"] if c["code"] in ("C3", "C5") and c["evidence"]]
    assert broken  # persons past their deadlines or unchecked, found both ways


def test_the_index_answers_as_the_filters_on_random_trees():
    rng = random.Random(16)

    class Finding:
        def __init__(self, path, severity):
            self.path, self.severity = path, severity

    paths = ["1.", "1.2.", "1.2.3.", "1.2.34.", "1.23.", "12.", "1.2.3.4.", "5.6."]
    for _round in range(50):
        shared: dict = {}  # the prefixes of one evaluation's paths, shared by its indexes
        for _criterion in range(2):
            findings = [Finding(rng.choice(paths), rng.choice(["breaks", "supports"]))
                        for _ in range(rng.randint(0, 30))]
            index, naive = FindingIndex(findings, shared), Naive(findings)
            for _twice in range(2):  # the second time from what the index kept
                for path in rng.sample(paths, len(paths)) + ["7.", "1.2.3.9.", "1.2.35."]:
                    assert index.below(path) == naive.below(path)
                    assert index.below_or_above(path) == naive.below_or_above(path)


def test_plans_in_scope_equal_the_visible_units_ancestors(demo):
    users = db_session().scalars(sa.select(User).order_by(User.id)).all()
    assert len(users) > 5
    for user in users:
        scope = Scope.for_user(user)
        assert sorted(db_session().scalars(
            plans_in_scope(scope).with_only_columns(Plan.id))) == slow_plans(scope), \
            user.username


def test_facts_paged_in_sql_equal_all_facts_sorted(demo):
    units, _days = demo
    for unit in units:
        for kind in (None, "hotspot", "prevention_model", "household_tally"):
            for open_only in (False, True):
                spots = list(db_session().scalars(_all(Hotspot, unit))) \
                    if kind in (None, "hotspot") else []
                facts = [f for f in db_session().scalars(_all(AreaFact, unit))
                         if kind in (None, f.kind)] if kind != "hotspot" else []
                every = sorted(spots + facts, key=lambda f: (fact_date(f) or date.min, f.id),
                               reverse=True)
                if open_only:
                    every = [f for f in every if (f.state != "eliminated"
                             if isinstance(f, Hotspot) else
                             f.resolved_date is None and f.ended_on is None)]
                for offset, limit in ((0, 40), (0, 3), (5, 7), (100, 100), (0, None)):
                    page, total = facts_page(unit, kind, open_only=open_only, offset=offset,
                                             limit=limit)
                    end = None if limit is None else offset + limit
                    assert page == every[offset:end], (unit.code, kind, offset, limit)
                    assert total == len(every)
        assert recent_facts(unit, 40) == facts_page(unit, limit=40)


def _all(model, unit):
    return sa.select(model).join(OrgUnit, OrgUnit.id == model.org_unit_id).where(
        OrgUnit.path.startswith(unit.path))


def admin_scope() -> Scope:
    user = db_session().scalar(sa.select(User).where(User.username == "province"))
    return Scope.for_user(user)


def test_a_transfer_counts_in_the_new_group_today_and_in_the_old_one_in_the_log(
        open_case, tree, law73):
    """The one difference between the records and the log: the transfer's entry names the
    group the person left (the unit the event was fired in). Today's figures read the record,
    which is already in the new group; the log keeps the person in the old group until the
    next event, which names the new one."""
    from tests.clock import vn_today

    case = open_case(days_ago=30)
    case.fire("police", "transfer", {"to_area_code": "G12"}, days_ago=20)
    g11, g12 = tree["G11"], tree["G12"]

    def where(day, unit):
        return run(sa.select(sa.literal(1)).select_from(
            record_states_on("person", day, [unit.id]).subquery()))

    assert (where(vn_today(), g11), where(vn_today(), g12)) == ([], [(1,)])
    yesterday = vn_today() - timedelta(days=1)
    assert (where(yesterday, g11), where(yesterday, g12)) == ([(1,)], [])
    # W1 holds both groups: the ward counts the person either way.
    for day in (yesterday, vn_today()):
        assert run(record_states_on("person", day, metrics.territory_ids(tree["W1"], day))) \
            == [(case.body["id"], "suspected", (g11 if day < vn_today() else g12).id)]


def test_a_report_reads_its_persons_states_once(demo, monkeypatch):
    """The six-month report's rows and its two managed shares read the persons' states on
    the period's last day once (``shared_states``), with the figures read apart."""
    from casework.audit import services as audit_services

    units, _days = demo
    province, day = units[0], date(2025, 6, 10)
    apart = {group: metrics._managed_share(province, day, group)
             for group in (metrics.USER_STATES, metrics.ADDICT_STATES)}
    rows_apart = state_rows(province, day, ["positive", "addict", "managed_user"])
    reads = []
    states_on_ = audit_services.states_on
    monkeypatch.setattr(audit_services, "states_on", lambda record_type, *a: (
        reads.append(record_type), states_on_(record_type, *a))[1])
    report = build_report("six_month", "2025-H1", province, admin_scope())
    assert report.as_of == day and reads.count("person") == 1
    reads.clear()
    with audit_services.shared_states():
        shared = {group: metrics._managed_share(province, day, group) for group in apart}
        assert reads.count("person") == 1  # the two shares, one territory: one read
        for _twice in range(2):
            assert state_rows(province, day, ["positive", "addict", "managed_user"]) \
                == rows_apart
    # The rows' territory is their groups' (Lai Châu's wards of 2025, each on its own map),
    # read once more; on a map that never changed it is the shares' (bench/national.py).
    assert shared == apart and reads.count("person") == 2
    reads.clear()
    metrics._managed_share(province, day, metrics.USER_STATES)  # outside: read again
    metrics._managed_share(province, day, metrics.USER_STATES)
    assert reads.count("person") == 2


def test_outside_a_shared_block_a_write_is_seen(demo):
    from casework.audit.services import shared_states, states_rows

    units, _days = demo
    ward, today = units[4], today_local()
    person = db_session().scalars(sa.select(Person).where(
        Person.org_unit_id.in_(sa.select(OrgUnit.id).where(
            OrgUnit.path.startswith(ward.path))))).first()
    inside = sa.select(OrgUnit.id).where(OrgUnit.path.startswith(ward.path))

    def state_of() -> str:
        return next(r.state for r in states_rows("person", today, inside)
                    if r.record_id == person.id)

    before = state_of()
    with shared_states():
        assert state_of() == before
        db_session().execute(sa.update(Person).where(Person.id == person.id)
                             .values(state="reintegrated" if before != "reintegrated"
                                     else "managed_user"))
        assert state_of() == before  # within: read once, as documented
    assert state_of() != before  # outside: read again
