"""WORKFLOWS.md §8 on the pages: the chair's new decision after "not addicted", and rehab
steps in the police's work."""

from __future__ import annotations

from html import unescape

from tests.people.conftest import assessment, day

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
