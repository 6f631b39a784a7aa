"""WORKFLOWS.md §8: the police run rehab since 2025-03-01 (TTLT 03/2025). In version 1 they
may fire register_voluntary_rehab, complete_rehab, abandon_rehab, record_court_decision and
release beside social_affairs, whatever the event's date: version 1 does not police the
hand-over. Tried one day and one year either side of 2025-03-01, by both roles."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from casework.workflow.deadlines import add_months
from tests.people.conftest import assessment
from tests.people.law import ago

# Version 1 (Law 73/2021) rules, with dates relative to today: version 2 judges events
# dated from 2026-07-01 (test_law120.py, test_permission_table_v2.py).
pytestmark = pytest.mark.usefixtures("law73")

HAND_OVER = date(2025, 3, 1)
DAYS = [HAND_OVER - timedelta(days=365), HAND_OVER - timedelta(days=1), HAND_OVER,
        HAND_OVER + timedelta(days=1), HAND_OVER + timedelta(days=365)]


def _addict(open_case, before: date, **identity):
    """A person found addicted a year before ``before``."""
    start = before - timedelta(days=400)
    case = open_case(days_ago=ago(start), **identity)
    case.fire("police", "request_assessment", {"grounds": "Có biểu hiện nghiện"},
              days_ago=ago(start + timedelta(days=1)))
    assessed = start + timedelta(days=3)
    case.fire("health", "record_assessment", assessment(0) | {
        "assessment_date": assessed.isoformat()}, days_ago=ago(assessed))
    assert case.state == "addict"
    return case


@pytest.mark.parametrize("role", ["police", "social_affairs"])
@pytest.mark.parametrize("on", DAYS, ids=[d.isoformat() for d in DAYS])
def test_rehab_events_by_police_or_social_affairs_whatever_the_date(open_case, role, on):
    iso = on.isoformat()
    # register, abandon (→ dossier), court decision and release, all on the day.
    case = _addict(open_case, on)
    case.fire(role, "register_voluntary_rehab",
              {"setting": "community", "decision_no": "7/QĐ", "start_date": iso,
               "planned_months": 6}, days_ago=ago(on, 8))
    assert case.state == "rehab_community"
    case.fire(role, "abandon_rehab", days_ago=ago(on, 9), reason="Bỏ về")
    assert case.state == "compulsory_dossier"
    case.fire(role, "record_court_decision",
              {"court": "TAND thành phố", "decision_no": "QĐ-1", "decision_date": iso,
               "ordered": True, "months": 12}, days_ago=ago(on, 10))
    assert case.state == "compulsory_rehab"
    case.fire(role, "release", {"release_date": iso, "certificate_no": "GCN-1"},
              days_ago=ago(on, 11))
    assert case.state == "post_rehab"
    # complete: a rehab started six months before the day, completed on it.
    started = add_months(on, -6)
    other = _addict(open_case, started, full_name="Lò Văn Cai")
    other.fire("social_affairs", "register_voluntary_rehab",
               {"setting": "facility", "decision_no": "8/QĐ", "start_date": started.isoformat(),
                "planned_months": 6, "facility": "Cơ sở cai nghiện tỉnh"},
               days_ago=ago(started))
    other.fire(role, "complete_rehab", {"completion_date": iso, "certificate_no": "GCN-2"},
               days_ago=ago(on, 8))
    assert other.state == "post_rehab"


def test_the_police_see_the_rehab_buttons(open_case, team):
    case = _addict(open_case, HAND_OVER)
    for role in ("police", "social_affairs", "commune_chair"):
        events = team[role].get(f"/api/v1/persons/{case.id}").get_json()["available_events"]
        assert "register_voluntary_rehab" in [e["event"] for e in events], role
    health = team["health"].get(f"/api/v1/persons/{case.id}").get_json()["available_events"]
    assert "register_voluntary_rehab" not in [e["event"] for e in health]
