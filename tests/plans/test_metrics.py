"""Metrics on constructed data, now and "as of" a past date, and target statuses."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from casework.plans.metrics import MetricValue, compute
from casework.plans.models import Phase, Plan, Target
from casework.plans.services import progress, target_status
from tests.clock import vn_today
from tests.people.conftest import assessment, day, drug_test

# Version 1 (Law 73/2021) rules, with dates relative to today: version 2 judges events
# dated from 2026-07-01 (test_law120.py, test_permission_table_v2.py).
pytestmark = pytest.mark.usefixtures("law73")


def test_users_managed_share_now_and_as_of_a_past_date(open_case, tree):
    # A: positive 40 days ago, never decided: past the 9 working days → not managed.
    a = open_case(days_ago=50)
    a.fire("health", "record_test", drug_test(40), days_ago=40)
    # B: positive 40 days ago, decided 35 days ago → managed.
    b = open_case(days_ago=50, full_name="Trần Văn Bê")
    b.fire("health", "record_test", drug_test(40), days_ago=40)
    b.fire("commune_chair", "decide_management",
           {"decision_no": "1/QĐ", "decision_date": day(35)}, days_ago=35)
    now = compute("users_managed_pct", tree["C"], vn_today())
    assert (now.numerator, now.denominator, now.value) == (1, 2, 50.0)
    # 39 days ago both were positive and still within the deadline: both count as managed.
    then = compute("users_managed_pct", tree["C"], vn_today() - timedelta(days=39))
    assert (then.numerator, then.denominator, then.value) == (2, 2, 100.0)
    # 45 days ago nobody had tested positive yet: nobody to manage, nothing missing.
    assert compute("users_managed_pct", tree["C"], vn_today() - timedelta(days=45)).value \
        == 100.0
    # Another city sees none of them.
    assert compute("users_managed_pct", tree["D"], vn_today()).denominator == 0


def test_addicts_managed_share(open_case, tree):
    case = open_case(days_ago=100)
    case.fire("police", "request_assessment", {"grounds": "x"}, days_ago=90)
    case.fire("health", "record_assessment", assessment(89), days_ago=89)
    assert compute("addicts_managed_pct", tree["W1"], vn_today()).value == 0.0
    case.fire("social_affairs", "register_voluntary_rehab",
              {"setting": "community", "decision_no": "3/QĐ", "start_date": day(20),
               "planned_months": 6}, days_ago=20)
    assert compute("addicts_managed_pct", tree["W1"], vn_today()).value == 100.0
    assert compute("addicts_managed_pct", tree["W1"], vn_today() - timedelta(days=30)) \
        .value == 0.0


def test_compulsory_dossiers_counted_in_the_period(open_case, tree):
    case = open_case(days_ago=200)
    case.fire("police", "request_assessment", {"grounds": "x"}, days_ago=190)
    case.fire("health", "record_assessment", assessment(189), days_ago=189)
    case.fire("police", "open_compulsory_dossier",
              {"violation_record_no": "BB", "grounds": "not_registered"}, days_ago=100)
    today = vn_today()
    assert compute("compulsory_dossiers_opened", tree["C"], today).value == 1
    assert compute("compulsory_dossiers_opened", tree["C"], today,
                   since=today - timedelta(days=50)).value == 0
    assert compute("compulsory_dossiers_opened", tree["C"],
                   today - timedelta(days=150)).value == 0
    assert compute("compulsory_dossiers_opened", tree["W2"], today).value == 0


@pytest.mark.parametrize("role", ["social_affairs", "police"])
def test_abandoned_rehab_counts_as_a_dossier_opened_whoever_records_it(open_case, tree, role):
    """WORKFLOWS.md §8, §10: quitting voluntary rehab opens a dossier (grounds
    quit_voluntary); it counts like one the police open, on the day it happened."""
    from casework.workflow.deadlines import today_local

    case = open_case(days_ago=300)
    case.fire("police", "request_assessment", {"grounds": "x"}, days_ago=290)
    case.fire("health", "record_assessment", assessment(289), days_ago=289)
    case.fire(role, "register_voluntary_rehab",
              {"setting": "community", "decision_no": "1/QĐ", "start_date": day(280),
               "planned_months": 12}, days_ago=280)
    case.fire(role, "abandon_rehab", days_ago=100, reason="Bỏ về, không tiếp tục")
    assert case.state == "compulsory_dossier"
    today = today_local()
    assert compute("compulsory_dossiers_opened", tree["C"], today).value == 1
    assert compute("compulsory_dossiers_opened", tree["C"], today,
                   since=today - timedelta(days=99)).value == 0
    assert compute("compulsory_dossiers_opened", tree["W1"], today,
                   since=today - timedelta(days=101)).value == 1


def test_percent_of_nobody_is_met():
    assert MetricValue.percent(0, 0).value == 100.0
    assert MetricValue.percent(45, 55).value == 81.8


@pytest.fixture
def plan(db, tree):
    plan = Plan(code="P1", title="Kế hoạch thử", org_unit=tree["C"],
                start_date=date(2026, 1, 1), end_date=date(2026, 12, 31))
    phase = Phase(seq=1, name="Giai đoạn 1", start_date=date(2026, 1, 1),
                  end_date=date(2026, 12, 31), report_due=date(2026, 12, 5))
    plan.phases.append(phase)
    db.session.add(plan)
    db.session.flush()
    return plan


@pytest.mark.parametrize(
    ("value", "today", "expected"),
    [
        (10, date(2026, 6, 1), "met"),
        (5, date(2026, 7, 2), "on_track"),    # half done at about half time
        (2, date(2026, 7, 2), "at_risk"),
        (9, date(2027, 1, 1), "missed"),
        (None, date(2026, 6, 1), "no_data"),
    ],
)
def test_target_status(plan, tree, value, today, expected):
    target = Target(plan=plan, phase=plan.phases[0], label="x", metric="awareness_sessions",
                    org_unit=tree["C"], value=10, unit="count")
    assert target_status(target, MetricValue(value), today) == expected


def test_progress_of_a_percent_target_out_of_a_whole(plan, tree, db):
    target = Target(plan=plan, phase=plan.phases[0], label="45/55", metric="areas_recognized",
                    org_unit=tree["C"], value=45, unit="count", out_of=55, stated="83%")
    db.session.add(target)
    row = progress(target, date(2026, 6, 1))
    assert row.value == 0 and row.gap == 45 and row.percent_of_whole == 81.8
    assert row.status == "at_risk"
