"""WORKFLOWS.md §8, management: the `positive` deadline is 9 working days, or 16 in a commune
flagged remote (Decree 105 Art 41.1, 41.5, 42.1); a "not addicted" assessment waits for a NEW
decision within 3 working days (Art 43.2), and the 12 months count from that decision."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from casework.people.models import ManagementDecision
from casework.workflow.deadlines import add_months, add_working_days, today_local
from tests.people.conftest import assessment, drug_test
from tests.people.law import ONE_DAY, ago, on_time_and_late

# Version 1 (Law 73/2021) rules, with dates relative to today.
pytestmark = pytest.mark.usefixtures("law73")


@pytest.fixture
def admin(api_as):
    return api_as(("admin", "C"))


def _tested_on(open_case, tested: date, **identity):
    case = open_case(days_ago=ago(tested - timedelta(days=2)), **identity)
    case.fire("health", "record_test", drug_test(0) | {"test_date": tested.isoformat()},
              days_ago=ago(tested))
    assert case.state == "positive"
    return case


@pytest.mark.parametrize(("remote", "working_days"), [(False, 9), (True, 16)])
def test_positive_is_overdue_after_the_9th_or_16th_working_day(open_case, admin, remote,
                                                               working_days):
    if remote:
        assert admin.patch("/api/v1/orgunits/W1", json={"remote": True}).status_code == 200
    on_time, late = on_time_and_late(working_days)
    today = today_local()
    first = _tested_on(open_case, on_time)
    assert first.body["due_date"] == add_working_days(on_time, working_days).isoformat()
    assert first.body["due_date"] >= today.isoformat() and first.body["overdue"] is False
    second = _tested_on(open_case, late, full_name="Lò Văn Muộn")
    assert second.body["due_date"] == add_working_days(late, working_days).isoformat()
    assert second.body["due_date"] < today.isoformat() and second.body["overdue"] is True
    label = ("Ra quyết định quản lý trong 16 ngày làm việc (xã vùng sâu, vùng xa)" if remote
             else "Ra quyết định quản lý trong 9 ngày làm việc")
    assert first.body["due_label"] == label


def test_the_flag_is_the_communes_on_the_test_date(open_case, admin, team):
    """A later change of the flag does not move a deadline already set; the history keeps the
    flag the deadline was computed from."""
    admin.patch("/api/v1/orgunits/W1", json={"remote": True})
    tested = today_local() - timedelta(days=3)
    case = _tested_on(open_case, tested)
    assert case.body["due_date"] == add_working_days(tested, 16).isoformat()
    admin.patch("/api/v1/orgunits/W1", json={"remote": False})
    again = team["police"].get(f"/api/v1/persons/{case.id}").get_json()
    assert again["due_date"] == add_working_days(tested, 16).isoformat()
    history = team["police"].get(f"/api/v1/persons/{case.id}/history").get_json()["items"]
    assert history[-1]["data"]["remote_commune"] is True
    # Another ward's persons are not affected by W1's flag.
    admin.patch("/api/v1/orgunits/W1", json={"remote": True})
    elsewhere = _tested_on(open_case, tested, full_name="Lò Văn Khác", area_code="G12")
    assert elsewhere.body["due_date"] == add_working_days(tested, 16).isoformat()


# --- a "not addicted" assessment ------------------------------------------------------------


def _not_addicted_on(open_case, assessed: date, **identity):
    """positive → managed (a year before) → positive test → assessment → not addicted."""
    start = assessed - timedelta(days=400)
    case = open_case(days_ago=ago(start), **identity)
    case.fire("health", "record_test", drug_test(0) | {"test_date": start.isoformat()},
              days_ago=ago(start, 14))
    decided = start + timedelta(days=2)
    case.fire("commune_chair", "decide_management",
              {"decision_no": "1/QĐ-UBND", "decision_date": decided.isoformat()},
              days_ago=ago(decided))
    retested = assessed - ONE_DAY
    case.fire("health", "record_test", drug_test(0) | {"test_date": retested.isoformat()},
              days_ago=ago(retested))
    assert case.state == "assessment"
    case.fire("health", "record_assessment", assessment(0, criteria=1, addicted=False) | {
        "assessment_date": assessed.isoformat()}, days_ago=ago(assessed))
    assert case.state == "managed_user"
    return case


def test_a_new_decision_is_due_within_3_working_days(open_case):
    on_time, late = on_time_and_late(3)
    today = today_local()
    first = _not_addicted_on(open_case, on_time)
    assert first.body["due_date"] == add_working_days(on_time, 3).isoformat()
    assert first.body["overdue"] is False and first.body["due_date"] >= today.isoformat()
    assert first.body["due_label"] == "Ra quyết định quản lý mới trong 3 ngày làm việc"
    second = _not_addicted_on(open_case, late, full_name="Lò Văn Muộn")
    assert second.body["due_date"] == add_working_days(late, 3).isoformat()
    assert second.body["overdue"] is True


def _events(case, role):
    body = case.team[role].get(f"/api/v1/persons/{case.id}").get_json()
    return [e["event"] for e in body["available_events"]]


def test_the_new_decision_restarts_the_term_and_only_it(open_case, db):
    assessed = today_local() - timedelta(days=420)
    case = _not_addicted_on(open_case, assessed)
    assert "decide_management" in _events(case, "commune_chair")
    assert "end_management" not in _events(case, "commune_chair")
    # Past the 3 working days the term cannot end either: the decision comes first.
    refused = case.fire("commune_chair", "end_management", {"decision_no": "9/QĐ"},
                        days_ago=ago(assessed + timedelta(days=10)), expect=422)
    assert refused["code"] == "rule_failed"
    assert "quyết định quản lý mới" in refused["message"]
    decided = assessed + timedelta(days=5)
    case.fire("commune_chair", "decide_management",
              {"decision_no": "2/QĐ-UBND", "decision_date": decided.isoformat()},
              days_ago=ago(decided))
    term_end = add_months(decided, 12)
    assert case.state == "managed_user" and case.body["due_date"] == term_end.isoformat()
    assert case.body["due_label"] == "Hết thời hạn quản lý 12 tháng"
    decisions = db.session.scalars(sa.select(ManagementDecision).where(
        ManagementDecision.person_id == case.id).order_by(ManagementDecision.id)).all()
    assert [d.term_end for d in decisions][-1] == term_end and len(decisions) == 2
    # Only one new decision: a second is refused, and not offered.
    assert "decide_management" not in _events(case, "commune_chair")
    again = case.fire("commune_chair", "decide_management",
                      {"decision_no": "3/QĐ-UBND", "decision_date": decided.isoformat()},
                      days_ago=ago(decided, 13), expect=422)
    assert again["code"] == "rule_failed"
    # The 12 months count from the new decision: one day short is refused, the day is not.
    short = case.fire("commune_chair", "end_management", {"decision_no": "10/QĐ"},
                      days_ago=ago(term_end - ONE_DAY), expect=422)
    assert short["code"] == "rule_failed" and term_end.strftime("%d/%m/%Y") in short["message"]
    case.fire("commune_chair", "end_management", {"decision_no": "10/QĐ"},
              days_ago=ago(term_end))
    assert case.state == "management_ended"


def test_a_first_decision_is_not_a_new_one(open_case):
    """From managed_user a decision is only the new one after "not addicted"."""
    decided = today_local() - timedelta(days=30)
    case = _tested_on(open_case, decided - timedelta(days=2))
    case.fire("commune_chair", "decide_management",
              {"decision_no": "1/QĐ", "decision_date": decided.isoformat()},
              days_ago=ago(decided))
    assert "decide_management" not in _events(case, "commune_chair")
    refused = case.fire("commune_chair", "decide_management",
                        {"decision_no": "2/QĐ", "decision_date": decided.isoformat()},
                        days_ago=ago(decided, 14), expect=422)
    assert refused["code"] == "rule_failed"
    assert "decide_management" not in refused["message"]


def test_the_criteria_read_the_same_deadline(open_case, admin, tree, app):
    """C3 and C5 (persons positive past their deadline) and the plans' users_managed_pct
    recompute the deadline from the log: they see the remote commune's 16 working days."""
    from casework.areas.criteria import evaluate_subtree
    from casework.plans.metrics import compute

    tested, _late = on_time_and_late(16)  # due on the first working day from today
    assert today_local() > add_working_days(tested, 9)  # 9 working days have run
    admin.patch("/api/v1/orgunits/W1", json={"remote": True})
    remote = _tested_on(open_case, tested)
    admin.patch("/api/v1/orgunits/W1", json={"remote": False})
    usual = _tested_on(open_case, tested, full_name="Lò Văn Thường", area_code="G12")

    def breaks(code: str) -> set[str]:
        result = evaluate_subtree(tree["W1"])[tree[code].id]
        return {c for c in ("C3", "C5") if c in result.codes_with("not_met")}

    assert breaks("G11") == set()  # within its 16 working days
    assert breaks("G12") == {"C3", "C5"}  # past its 9
    assert remote.body["overdue"] is False and usual.body["overdue"] is True
    share = compute("users_managed_pct", tree["W1"], today_local())
    assert (share.numerator, share.denominator) == (1, 2)
