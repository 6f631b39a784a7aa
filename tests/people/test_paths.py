"""Each legal path of the person workflow, end to end through the API, and rules at their
boundaries. Events are back-dated so that legal terms can elapse."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from casework.people.models import (
    Assessment,
    CourtDecision,
    DrugTest,
    ManagementDecision,
    PostRehabTerm,
    RehabEpisode,
)
from casework.workflow.deadlines import add_months, add_working_days
from tests.people.conftest import assessment, day, drug_test

# Version 1 (Law 73/2021) rules, with dates relative to today.
pytestmark = pytest.mark.usefixtures("law73")


def rows(db, model, person_id):
    return db.session.scalars(sa.select(model).where(model.person_id == person_id)
                              .order_by(model.id)).all()


def to_addict(case, start=900):
    """suspected → positive → managed_user → assessment → addict, from ``start`` days ago."""
    case.fire("health", "record_test", drug_test(start - 5), days_ago=start - 5)
    case.fire("commune_chair", "decide_management",
              {"decision_no": "12/QĐ-UBND", "decision_date": day(start - 10)},
              days_ago=start - 10)
    case.fire("police", "request_assessment", {"grounds": "Có biểu hiện nghiện"},
              days_ago=start - 15)
    case.fire("health", "record_assessment", assessment(start - 18), days_ago=start - 18)
    assert case.state == "addict"
    return case


def test_negative_test_clears(open_case, db):
    case = open_case(days_ago=20)
    case.fire("health", "record_test", drug_test(18, result="negative"), days_ago=18)
    assert case.state == "cleared" and case.body["due_date"] is None
    (test,) = rows(db, DrugTest, case.id)
    assert test.result == "negative" and test.audit_entry.event == "record_test"
    assert case.body["available_events"] == []  # nothing for health in a closed record
    police_view = case.team["police"].get(f"/api/v1/persons/{case.id}").get_json()
    assert police_view["available_events"] == [{"event": "reopen", "label": "Mở lại hồ sơ",
                                                "reason_required": True}]


def test_managed_user_until_the_term_ends(open_case, db):
    case = open_case(days_ago=800)
    case.fire("health", "record_test", drug_test(795), days_ago=795)
    assert case.state == "positive"
    case.fire("commune_chair", "decide_management",
              {"decision_no": "15/QĐ-UBND", "decision_date": day(790)}, days_ago=790)
    assert case.state == "managed_user"
    (decision,) = rows(db, ManagementDecision, case.id)
    assert decision.term_end == add_months(decision.decision_date, 12)
    assert case.body["due_date"] == decision.term_end.isoformat()
    # Ending before the year has run is refused with the rule's message.
    early = case.fire("commune_chair", "end_management", {"decision_no": "2/QĐ"},
                      days_ago=700, expect=422)
    assert early["code"] == "rule_failed"
    case.fire("police", "check_residence", {"check_date": day(600), "present": True},
              days_ago=600)
    case.fire("commune_chair", "end_management", {"decision_no": "20/QĐ-UBND"}, days_ago=400)
    assert case.state == "management_ended"


def test_addict_community_rehab_post_rehab_reintegrated(open_case, db):
    case = to_addict(open_case(days_ago=900))
    case.fire("social_affairs", "register_voluntary_rehab",
              {"setting": "community", "decision_no": "30/QĐ", "start_date": day(870),
               "planned_months": 6}, days_ago=870)
    assert case.state == "rehab_community"
    (episode,) = rows(db, RehabEpisode, case.id)
    assert episode.kind == "community" and episode.planned_end == add_months(
        date.fromisoformat(day(870)), 6)
    case.fire("social_affairs", "complete_rehab",
              {"completion_date": day(680), "certificate_no": "GCN-01"}, days_ago=680)
    assert case.state == "post_rehab"
    db.session.expire_all()
    (episode,) = rows(db, RehabEpisode, case.id)
    assert episode.outcome == "completed" and episode.end_date.isoformat() == day(680)
    (term,) = rows(db, PostRehabTerm, case.id)
    assert term.months == 12
    assert case.body["due_date"] == add_months(date.fromisoformat(day(680)), 12).isoformat()
    case.fire("commune_chair", "complete_post_rehab", {"certificate_no": "GCN-02"},
              days_ago=300)
    assert case.state == "reintegrated"
    db.session.expire_all()
    assert rows(db, PostRehabTerm, case.id)[0].completed_on.isoformat() == day(300)


def test_rehab_completed_at_five_months_is_refused_at_six_accepted(open_case):
    case = to_addict(open_case(days_ago=900))
    start = date.fromisoformat(day(870))
    case.fire("social_affairs", "register_voluntary_rehab",
              {"setting": "facility", "decision_no": "31/QĐ", "start_date": start.isoformat(),
               "planned_months": 6, "facility": "Cơ sở cai nghiện tỉnh"}, days_ago=870)
    assert case.state == "rehab_facility"
    five = add_months(start, 5)
    refused = case.fire("social_affairs", "complete_rehab",
                        {"completion_date": five.isoformat(), "certificate_no": "G"},
                        days_ago=700, expect=422)
    assert refused["code"] == "rule_failed" and "6" in refused["message"]
    six = add_months(start, 6)
    # Completed on its completion date (its effective_at by default), not before it.
    case.fire("social_affairs", "complete_rehab",
              {"completion_date": six.isoformat(), "certificate_no": "G"})
    assert case.state == "post_rehab"


def test_methadone_completed_then_terminated(open_case, db):
    case = to_addict(open_case(days_ago=900))
    case.fire("health", "start_methadone", {"clinic": "Cơ sở Methadone TP",
                                            "start_date": day(870)}, days_ago=870)
    assert case.state == "methadone"
    case.fire("health", "record_test", drug_test(800, substances=["methamphetamine"]),
              days_ago=800)
    assert case.state == "methadone"  # internal: logged, flagged, state kept
    flagged = rows(db, DrugTest, case.id)[-1]
    assert flagged.non_opioid_positive is True
    case.fire("health", "stop_methadone", {"stop_date": day(500), "outcome": "completed"},
              days_ago=500)
    assert case.state == "post_rehab"
    other = to_addict(open_case(days_ago=900, full_name="Phạm Văn Dừng"))
    other.fire("health", "start_methadone", {"clinic": "Cơ sở Methadone TP",
                                             "start_date": day(870)}, days_ago=870)
    other.fire("health", "stop_methadone", {"stop_date": day(600), "outcome": "terminated"},
               days_ago=600)
    assert other.state == "addict"
    db.session.expire_all()
    assert rows(db, RehabEpisode, other.id)[0].outcome == "terminated"
    assert rows(db, PostRehabTerm, other.id) == []


def _compulsory(case, months):
    case.fire("police", "open_compulsory_dossier",
              {"violation_record_no": "BB-01", "grounds": "not_registered"},
              days_ago=870)
    assert case.state == "compulsory_dossier"
    case.fire("police", "record_court_decision",
              {"court": "TAND thành phố", "decision_no": "QĐ-5", "decision_date": day(860),
               "ordered": True, "months": months}, days_ago=860)
    assert case.state == "compulsory_rehab"
    case.fire("social_affairs", "release", {"release_date": day(500), "certificate_no": "GCN"},
              days_ago=500)
    assert case.state == "post_rehab"
    return date.fromisoformat(day(500))


def test_compulsory_rehab_adult_gets_24_months_post_rehab(open_case, db):
    case = to_addict(open_case(days_ago=900))
    released = _compulsory(case, 12)
    assert case.body["due_date"] == add_months(released, 24).isoformat()
    (term,) = rows(db, PostRehabTerm, case.id)
    assert term.months == 24
    (court,) = rows(db, CourtDecision, case.id)
    assert court.ordered and court.months == 12
    history = case.team["police"].get(f"/api/v1/persons/{case.id}/history").get_json()
    assert history["items"][-1]["data"]["post_rehab_months"] == 24


def test_compulsory_rehab_minor_gets_12_months_post_rehab(open_case):
    # 16 on the day the court decided: the term must be 6 to 12 months (Law Art 33.3).
    birth = date.fromisoformat(day(860)).replace(year=date.fromisoformat(day(860)).year - 16)
    case = to_addict(open_case(days_ago=900, birth_date=birth.isoformat()))
    case.fire("police", "open_compulsory_dossier",
              {"violation_record_no": "BB-02", "grounds": "not_started"}, days_ago=870)
    too_long = case.fire("police", "record_court_decision",
                         {"court": "TAND", "decision_no": "QĐ-6", "decision_date": day(860),
                          "ordered": True, "months": 18}, days_ago=860, expect=422)
    assert too_long["code"] == "rule_failed" and "6" in too_long["message"]
    case.fire("police", "record_court_decision",
              {"court": "TAND", "decision_no": "QĐ-6", "decision_date": day(860),
               "ordered": True, "months": 9}, days_ago=860)
    case.fire("social_affairs", "release", {"release_date": day(500), "certificate_no": "GCN"},
              days_ago=500)
    assert case.body["due_date"] == add_months(date.fromisoformat(day(500)), 12).isoformat()


def test_court_refusal_needs_a_reason_and_returns_to_addict(open_case):
    case = to_addict(open_case(days_ago=900))
    case.fire("police", "open_compulsory_dossier",
              {"violation_record_no": "BB-3", "grounds": "not_registered"}, days_ago=870)
    refusal = {"court": "TAND", "decision_no": "QĐ-7", "decision_date": day(860),
               "ordered": False}
    missing = case.fire("police", "record_court_decision", refusal, days_ago=860, expect=422)
    assert missing["code"] == "validation_error" and "reason" in missing["errors"]
    case.fire("police", "record_court_decision", refusal, days_ago=860,
              reason="Chưa đủ căn cứ")
    assert case.state == "addict"


def test_relapse_after_post_rehab(open_case):
    case = to_addict(open_case(days_ago=900))
    case.fire("health", "start_methadone", {"clinic": "Methadone", "start_date": day(870)},
              days_ago=870)
    case.fire("health", "stop_methadone", {"stop_date": day(600), "outcome": "completed"},
              days_ago=600)
    case.fire("health", "record_test", drug_test(400), days_ago=400)
    assert case.state == "assessment"  # Law Art 27.1
    case.fire("health", "record_assessment", assessment(395), days_ago=395)
    assert case.state == "relapsed"


def test_transfer_and_exit(open_case, team):
    case = open_case(days_ago=30)
    case.fire("police", "transfer", {"to_area_code": "G12"}, days_ago=20)
    assert case.state == "suspected" and case.body["area_code"] == "G12"
    outside = case.fire("police", "transfer", {"to_area_code": "G21"}, days_ago=15, expect=422)
    assert outside["code"] == "rule_failed"
    no_reason = case.fire("police", "exit", {"exit_reason": "moved_out",
                                             "exit_date": day(10)}, days_ago=10, expect=422)
    assert no_reason["code"] == "validation_error"
    case.fire("police", "exit", {"exit_reason": "moved_out", "exit_date": day(10)},
              days_ago=10, reason="Chuyển vào Hà Nội")
    assert case.state == "exited"
    case.fire("police", "reopen", days_ago=5, reason="Trở về địa phương")
    assert case.state == "suspected"


def test_assessment_criteria_two_and_three(open_case):
    case = open_case(days_ago=100)
    case.fire("police", "request_assessment", {"grounds": "Nghi nghiện"}, days_ago=90)
    two = case.fire("health", "record_assessment", assessment(88, criteria=2), days_ago=88,
                    expect=422)
    assert two["code"] == "rule_failed"
    case.fire("health", "record_assessment", assessment(88, criteria=3), days_ago=88)
    assert case.state == "addict"


def test_not_addicted_awaits_a_new_decision_that_starts_the_term(open_case):
    """WORKFLOWS.md §8, Decree 105 Art 43.2: a "not addicted" assessment does not restart the
    term by itself; the chair's new decision, within 3 working days, does."""
    case = open_case(days_ago=100)
    case.fire("police", "request_assessment", {"grounds": "Nghi nghiện"}, days_ago=90)
    case.fire("health", "record_assessment", assessment(88, criteria=1, addicted=False),
              days_ago=88)
    assert case.state == "managed_user"
    assessed = date.fromisoformat(day(88))
    assert case.body["due_date"] == add_working_days(assessed, 3).isoformat()
    assert case.body["due_label"] == "Ra quyết định quản lý mới trong 3 ngày làm việc"
    case.fire("commune_chair", "decide_management",
              {"decision_no": "40/QĐ-UBND", "decision_date": day(80)}, days_ago=80)
    assert case.state == "managed_user"
    assert case.body["due_date"] == add_months(date.fromisoformat(day(80)), 12).isoformat()
    assert case.body["due_label"] == "Hết thời hạn quản lý 12 tháng"


def _abandon_at_age(open_case, years_on_event):
    event_day = date.fromisoformat(day(600))
    birth = event_day.replace(year=event_day.year - years_on_event)
    case = to_addict(open_case(days_ago=900, birth_date=birth.isoformat()))
    case.fire("social_affairs", "register_voluntary_rehab",
              {"setting": "community", "decision_no": "1/QĐ", "start_date": day(870),
               "planned_months": 12}, days_ago=870)
    case.fire("police", "abandon_rehab", days_ago=600, reason="Bỏ về, không tiếp tục")
    return case


def test_abandoning_rehab_at_18_opens_a_compulsory_dossier(open_case):
    assert _abandon_at_age(open_case, 18).state == "compulsory_dossier"


def test_abandoning_rehab_at_17_opens_a_dossier_under_art_34(open_case):
    # 18 on the day after: still 17 on the event date (§8, Law Art 33.1.a and 34).
    event_day = date.fromisoformat(day(600))
    birth = event_day.replace(year=event_day.year - 18) + (date(2001, 1, 2) - date(2001, 1, 1))
    case = to_addict(open_case(days_ago=900, birth_date=birth.isoformat()))
    case.fire("social_affairs", "register_voluntary_rehab",
              {"setting": "community", "decision_no": "1/QĐ", "start_date": day(870),
               "planned_months": 12}, days_ago=870)
    case.fire("police", "abandon_rehab", days_ago=600, reason="Bỏ về")
    assert case.state == "compulsory_dossier"
    history = case.team["police"].get(f"/api/v1/persons/{case.id}/history").get_json()
    assert history["items"][-1]["data"] == {"grounds": "quit_voluntary",
                                            "legal_basis": "law73_art33_34"}


def test_minor_needs_guardian_consent_for_blood_not_urine(open_case):
    birth = date.fromisoformat(day(50)).replace(year=date.fromisoformat(day(50)).year - 16)
    case = open_case(days_ago=60, birth_date=birth.isoformat())
    refused = case.fire("health", "record_test", drug_test(50, sample="blood"), days_ago=50,
                        expect=422)
    assert refused["code"] == "rule_failed"
    case.fire("health", "record_test", drug_test(50, sample="blood", guardian_consent=True),
              days_ago=50)
    assert case.state == "positive"


def test_assessment_rows_match_the_events(open_case, db):
    case = to_addict(open_case(days_ago=900))
    (row,) = rows(db, Assessment, case.id)
    assert row.criteria_met == 4 and row.addicted and row.org_unit.code == "G11"
