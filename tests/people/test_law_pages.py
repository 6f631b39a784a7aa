"""WORKFLOWS.md §8 on the pages: the police's dossier proposal when drugs are used during
voluntary rehab (Law Art 32.2, 33.1.b), the chair's new decision after "not addicted", rehab
steps in the police's work, and the legal basis of a minor's dossier (Art 34)."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

import pytest

from casework.workflow.deadlines import today_local
from tests.people.conftest import assessment, day, drug_test
from tests.people.law import ago, born_years_before

# Version 1 (Law 73/2021) rules, with dates relative to today: version 2 judges events
# dated from 2026-07-01 (test_law120.py, test_permission_table_v2.py).
pytestmark = pytest.mark.usefixtures("law73")

PROPOSAL = "grounds=used_during_voluntary"


def html(response) -> str:
    return unescape(response.get_data(as_text=True))


def _in_rehab(open_case, **identity):
    case = open_case(days_ago=300, **identity)
    case.fire("police", "request_assessment", {"grounds": "Có biểu hiện nghiện"}, days_ago=290)
    case.fire("health", "record_assessment", assessment(288), days_ago=288)
    case.fire("police", "register_voluntary_rehab",
              {"setting": "community", "decision_no": "5/QĐ", "start_date": day(280),
               "planned_months": 12}, days_ago=280)
    assert case.state == "rehab_community"
    return case


def test_use_during_voluntary_rehab_proposes_a_dossier_to_the_police(open_case, page_as):
    case = _in_rehab(open_case)
    police, social = page_as("police"), page_as("social_affairs")
    case.fire("health", "record_test", drug_test(100, result="negative"), days_ago=100)
    assert PROPOSAL not in html(police.get("/my-work"))
    case.fire("health", "record_test", drug_test(50, substances=["methamphetamine"]),
              days_ago=50)
    assert case.state == "rehab_community"  # the state stays; nothing is applied by itself
    work = html(police.get("/my-work"))
    assert PROPOSAL in work
    assert "Sử dụng ma túy trong thời gian cai nghiện tự nguyện" in work
    assert PROPOSAL not in html(social.get("/my-work"))
    # The proposal opens the dossier form with the grounds chosen.
    link = f"/persons/{case.id}/events/open_compulsory_dossier?{PROPOSAL}"
    form = html(police.get(link))
    assert '<option value="used_during_voluntary" selected>' in form
    assert "Sử dụng ma túy trong thời gian cai nghiện tự nguyện" in form
    # Once a dossier is opened, the proposal is gone.
    case.fire("police", "open_compulsory_dossier",
              {"violation_record_no": "BB-9", "grounds": "used_during_voluntary"}, days_ago=40)
    assert PROPOSAL not in html(police.get("/my-work"))


def test_the_proposal_ends_when_the_person_leaves_rehab(open_case, page_as):
    case = _in_rehab(open_case)
    case.fire("health", "record_test", drug_test(200), days_ago=200)
    police = page_as("police")
    assert PROPOSAL in html(police.get("/my-work"))
    case.fire("social_affairs", "complete_rehab",
              {"completion_date": day(90), "certificate_no": "GCN-3"}, days_ago=90)
    assert case.state == "post_rehab"
    assert PROPOSAL not in html(police.get("/my-work"))


def test_a_positive_test_before_rehab_proposes_nothing(open_case, page_as):
    case = open_case(days_ago=300)
    case.fire("health", "record_test", drug_test(295), days_ago=295)
    case.fire("commune_chair", "decide_management",
              {"decision_no": "1/QĐ", "decision_date": day(293)}, days_ago=293)
    case.fire("health", "record_test", drug_test(290), days_ago=290)  # → assessment
    case.fire("health", "record_assessment", assessment(288), days_ago=288)
    case.fire("police", "register_voluntary_rehab",
              {"setting": "community", "decision_no": "5/QĐ", "start_date": day(280),
               "planned_months": 12}, days_ago=280)
    assert PROPOSAL not in html(page_as("police").get("/my-work"))


def test_the_chair_is_asked_for_the_new_decision(open_case, page_as):
    case = open_case(days_ago=30)
    case.fire("police", "request_assessment", {"grounds": "Nghi nghiện"}, days_ago=20)
    case.fire("health", "record_assessment", assessment(2, criteria=1, addicted=False),
              days_ago=2)
    work = html(page_as("commune_chair").get("/my-work"))
    assert "Ký quyết định quản lý mới" in work
    assert "Sắp hết thời hạn quản lý" not in work
    page = html(page_as("commune_chair").get(f"/persons/{case.id}"))
    assert "Ra quyết định quản lý mới trong 3 ngày làm việc" in page
    assert 'data-event="decide_management"' in page and 'data-event="end_management"' not in page


def test_the_police_are_asked_to_register_rehab(open_case, page_as):
    case = open_case(days_ago=30)
    case.fire("police", "request_assessment", {"grounds": "Nghi nghiện"}, days_ago=20)
    case.fire("health", "record_assessment", assessment(2), days_ago=2)
    assert case.state == "addict"
    work = html(page_as("police").get("/my-work"))
    assert "Lập hồ sơ áp dụng biện pháp cai nghiện" in work


def test_a_minors_dossier_says_it_is_compiled_under_art_34(open_case, page_as):
    quit_on = today_local() - timedelta(days=10)
    birth = born_years_before(quit_on, 17)
    case = _in_rehab(open_case, birth_date=birth.isoformat())
    case.fire("police", "abandon_rehab", days_ago=ago(quit_on), reason="Bỏ về")
    page = html(page_as("police").get(f"/persons/{case.id}"))
    assert 'id="dossier"' in page
    assert "Điều 33 và 34" in page and "Bỏ cai nghiện tự nguyện" in page
    form = html(page_as("police").get(f"/persons/{case.id}/events/record_court_decision"))
    assert "record_court_decision" in form
