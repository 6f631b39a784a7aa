"""Person version 2 (Law 120/2025, WORKFLOWS.md §7): the 24-hour management deadline to the
minute and across Vietnam's midnight, `due_at` and `deadlines` in the API, rehab terms fixed
when the episode starts, and electronic monitoring with its rules.

Records opened after 2026-07-01 run under version 2. The clock is frozen where the hour
matters (tests/clock.py).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from casework.people.models import MonitoringOrder, RehabEpisode
from tests.clock import frozen_at
from tests.people.conftest import IDENTITY, Case, assessment, day

NOW = "2026-12-02T03:00:00Z"  # 10:00 in Vietnam


def open_v2(team, when: str, **identity) -> Case:
    body = {**IDENTITY, **identity, "effective_at": when, "confirm_new": True}
    response = team["police"].post("/api/v1/persons", json=body)
    assert response.status_code == 201, response.get_json()
    case = Case(team, response.get_json())
    assert case.body["workflow_version"] == 2
    return case


def fire_at(case: Case, role, event, data, when: str | None, expect=200, reason=None):
    payload = {"event": event, "version": case.body["version"], "data": data}
    if when is not None:
        payload["effective_at"] = when
    if reason is not None:
        payload["reason"] = reason
    response = case.team[role].post(f"/api/v1/persons/{case.id}/transitions", json=payload)
    assert response.status_code == expect, response.get_json()
    if expect == 200:
        case.body = response.get_json()
    return response.get_json()


def positive(day_text: str) -> dict:
    return {"test_date": day_text, "sample": "urine", "substances": ["heroin"],
            "result": "positive", "facility": "Trạm Y tế phường"}


def get(case: Case, client=None) -> dict:
    """The person as the API gives it (``client``: a fresh one after the clock moved on,
    since tokens expire)."""
    response = (client or case.team["police"]).get(f"/api/v1/persons/{case.id}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


# --- the 24-hour deadline of `positive` --------------------------------------------------------


@pytest.fixture
def clock():
    with frozen_at(NOW) as traveller:
        yield traveller


def test_positive_is_due_24_hours_after_the_result_to_the_minute(clock, team, api_as):
    case = open_v2(team, "2026-12-01T08:00:00+07:00")
    fire_at(case, "health", "record_test", positive("2026-12-02"), "2026-12-02T09:30:00+07:00")
    body = get(case)
    assert body["state"] == "positive"
    assert body["due_at"] == "2026-12-03T09:30:00+07:00"
    assert body["due_date"] == "2026-12-03"
    assert body["deadlines"] == [{"kind": "positive", "label": body["due_label"],
                                  "due_at": "2026-12-03T09:30:00+07:00"}]
    clock.move_to(datetime(2026, 12, 3, 2, 29, 59, tzinfo=UTC))  # 09:29:59 in Vietnam
    assert get(case, api_as(("police", "W1")))["overdue"] is False
    clock.move_to(datetime(2026, 12, 3, 2, 31, tzinfo=UTC))  # 09:31
    police = api_as(("police", "W1"))
    assert get(case, police)["overdue"] is True
    overdue = police.get("/api/v1/persons?overdue=true").get_json()["items"]
    assert case.id in {p["id"] for p in overdue}


def test_across_vietnam_midnight(clock, api_as):
    """A result received at 23:30 on 2 December (16:30 UTC) falls due at 23:30 on the 3rd,
    which is still the 3rd in Vietnam though UTC has long been on the 3rd."""
    clock.move_to(datetime(2026, 12, 2, 16, 45, tzinfo=UTC))  # 23:45 in Vietnam
    team = {role: api_as((role, "W1")) for role in ("police", "health")}
    case = open_v2(team, "2026-12-01T08:00:00+07:00")
    fire_at(case, "health", "record_test", positive("2026-12-02"), "2026-12-02T23:30:00+07:00")
    assert get(case)["due_at"] == "2026-12-03T23:30:00+07:00"
    assert get(case)["due_date"] == "2026-12-03"
    clock.move_to(datetime(2026, 12, 3, 16, 29, tzinfo=UTC))  # 23:29 on the 3rd
    assert get(case, api_as(("police", "W1")))["overdue"] is False
    clock.move_to(datetime(2026, 12, 3, 16, 31, tzinfo=UTC))  # 23:31 on the 3rd
    assert get(case, api_as(("police", "W1")))["overdue"] is True


def test_a_date_without_a_time_entered_the_same_day_counts_from_the_entry(clock, team):
    case = open_v2(team, "2026-12-01T08:00:00+07:00")
    fire_at(case, "health", "record_test", positive("2026-12-02"), None)  # at 10:00
    assert get(case)["due_at"] == "2026-12-03T10:00:00+07:00"


def test_a_date_without_a_time_entered_later_counts_from_2359(clock, team):
    case = open_v2(team, "2026-11-28T08:00:00+07:00")
    fire_at(case, "health", "record_test", positive("2026-11-30"), None)
    body = get(case)
    assert body["due_at"] == "2026-12-01T23:59:00+07:00"
    assert body["overdue"] is True


def test_a_day_deadline_falls_due_at_2359(clock, team):
    case = open_v2(team, "2026-12-01T08:00:00+07:00")
    body = get(case)
    assert body["due_date"] == "2026-12-11"
    assert body["due_at"] == "2026-12-11T23:59:00+07:00"


def test_the_police_decide_on_management_under_law_120(clock, team):
    case = open_v2(team, "2026-12-01T08:00:00+07:00")
    fire_at(case, "health", "record_test", positive("2026-12-02"), "2026-12-02T09:30:00+07:00")
    fire_at(case, "police", "decide_management",
            {"decision_no": "7/QĐ-CAX", "decision_date": "2026-12-02"}, None)
    assert case.state == "managed_user"


# --- rehab terms fixed when the episode starts --------------------------------------------------


def addict_v2(team, days_ago=60, **identity) -> Case:
    case = open_v2(team, (datetime.now(UTC) - timedelta(days=days_ago)).isoformat(), **identity)
    case.fire("police", "request_assessment", {"grounds": "Dương tính"}, days_ago=days_ago - 1)
    case.fire("health", "record_assessment", assessment(days_ago - 2), days_ago=days_ago - 2)
    assert case.state == "addict"
    return case


def rehab(days_ago, months, **extra):
    return {"setting": "community", "decision_no": "5/QĐ-CAX", "start_date": day(days_ago),
            "planned_months": months, **extra}


def test_a_first_rehab_is_planned_for_24_months_and_not_by_social_affairs(team):
    case = addict_v2(team)
    refused = case.fire("police", "register_voluntary_rehab", rehab(50, 6), days_ago=50,
                        expect=422)
    assert refused["code"] == "rule_failed"
    assert "24 tháng" in refused["message"]
    case.fire("social_affairs", "register_voluntary_rehab", rehab(50, 24), days_ago=50,
              expect=403)
    case.fire("police", "register_voluntary_rehab", rehab(50, 24), days_ago=50)
    assert case.state == "rehab_community"
    episode = _episode(case)
    assert (episode.planned_months, episode.min_months) == (24, 24)
    # Complete at the planned end, not after 6 months.
    refused = case.fire("police", "complete_rehab",
                        {"completion_date": day(1), "certificate_no": "GCN-1"}, days_ago=1,
                        expect=422)
    assert "24 tháng" in refused["message"]


def test_a_second_rehab_of_any_kind_is_planned_for_36_months(team):
    case = addict_v2(team, days_ago=90)
    case.fire("health", "start_methadone", {"clinic": "Cơ sở Methadone", "start_date": day(85)},
              days_ago=85)
    case.fire("health", "stop_methadone", {"stop_date": day(60), "outcome": "terminated"},
              days_ago=60)
    assert case.state == "addict"
    refused = case.fire("police", "register_voluntary_rehab", rehab(50, 24), days_ago=50,
                        expect=422)
    assert "36 tháng" in refused["message"]
    case.fire("police", "register_voluntary_rehab", rehab(50, 36), days_ago=50)


def _episode(case: Case) -> RehabEpisode:
    from casework.extensions import db

    return db.session.scalar(sa.select(RehabEpisode).where(RehabEpisode.person_id == case.id)
                             .order_by(RehabEpisode.id.desc()))


@pytest.mark.usefixtures("law73")
def test_a_rehab_begun_under_law_73_keeps_its_6_months_under_law_120(team):
    """Begun 2026-05-10 under Law 73: 6 months are stored on the episode. Version 2's rule
    for completing reads the stored term, so the rehab completes on 2026-11-10 (Law 120
    Art 56 as reported), not at a 24-month end."""
    from casework.extensions import db
    from casework.people.law120 import rehab_served_stored_term
    from casework.people.models import Person

    body = {**IDENTITY, "effective_at": "2026-04-01T08:00:00+07:00", "confirm_new": True}
    case = Case(team, team["police"].post("/api/v1/persons", json=body).get_json())
    assert case.body["workflow_version"] == 1
    fire_at(case, "police", "request_assessment", {"grounds": "Dương tính"},
            "2026-04-02T08:00:00+07:00")
    fire_at(case, "health", "record_assessment",
            {**assessment(0), "assessment_date": "2026-04-03"}, None)
    fire_at(case, "police", "register_voluntary_rehab",
            {"setting": "community", "decision_no": "5/QĐ", "start_date": "2026-05-10",
             "planned_months": 12}, None)
    episode = _episode(case)
    assert (episode.planned_months, episode.min_months) == (12, 6)
    person = db.session.get(Person, case.id)
    refused = rehab_served_stored_term(person, {"completion_date": date(2026, 11, 9)}, None)
    assert "10/11/2026" in str(refused) and "6" in str(refused)
    assert rehab_served_stored_term(person, {"completion_date": date(2026, 11, 10)},
                                    None) is True
    fire_at(case, "police", "complete_rehab",
            {"completion_date": "2026-11-10", "certificate_no": "GCN-1"}, None)
    assert case.state == "post_rehab"


# --- electronic monitoring ----------------------------------------------------------------------


def on_methadone(team, days_ago=60, **identity) -> Case:
    case = addict_v2(team, days_ago, **identity)
    start = days_ago - 5
    case.fire("health", "start_methadone",
              {"clinic": "Cơ sở Methadone", "start_date": day(start)}, days_ago=start)
    assert case.state == "methadone"
    return case


def order(days_ago, months=12, **extra):
    return {"decision_no": "9/QĐ-GSĐT", "decision_date": day(days_ago), "months": months,
            **extra}


def _orders(case: Case) -> list[MonitoringOrder]:
    from casework.extensions import db

    return list(db.session.scalars(sa.select(MonitoringOrder)
                                   .where(MonitoringOrder.person_id == case.id)
                                   .order_by(MonitoringOrder.id)))


def test_monitoring_order_device_and_end(team):
    case = on_methadone(team)
    # A device event without an open order is refused, in Vietnamese.
    refused = case.fire("police", "fit_device", {"date": day(30), "device_id": "TB-1"},
                        days_ago=30, expect=422)
    assert refused["code"] == "rule_failed"
    assert "không có quyết định giám sát điện tử" in refused["message"]
    case.fire("health", "order_monitoring", order(30), days_ago=30, expect=403)
    case.fire("police", "order_monitoring", order(30, months=6), days_ago=30, expect=422)
    case.fire("police", "order_monitoring", order(30), days_ago=30)
    assert case.state == "methadone"
    # One open order at a time.
    refused = case.fire("police", "order_monitoring", order(29), days_ago=29, expect=422)
    assert "đang có quyết định giám sát điện tử" in refused["message"]
    case.fire("police", "fit_device", {"date": day(28), "device_id": "TB-1"}, days_ago=28)
    assert _orders(case)[0].device_id == "TB-1"
    # A removal for medical reasons needs the reason.
    refused = case.fire("police", "remove_device",
                        {"date": day(20), "device_id": "TB-1", "medical": True}, days_ago=20,
                        expect=422)
    assert "lý do y tế" in refused["message"]
    case.fire("police", "remove_device", {"date": day(20), "device_id": "TB-1", "medical": True},
              days_ago=20, reason="Phẫu thuật cổ chân")
    assert _orders(case)[0].device_id is None
    body = get(case)
    ends = [d for d in body["deadlines"] if d["kind"] == "monitoring_end"]
    assert ends and ends[0]["due_at"].endswith("T23:59:00+07:00")
    case.fire("police", "end_monitoring", {"date": day(10)}, days_ago=10)
    (ended,) = _orders(case)
    assert (ended.end_reason, ended.ended_on.isoformat()) == ("ended", day(10))


def test_a_minor_needs_the_guardians_consent(team):
    birth = (datetime.now(UTC) - timedelta(days=16 * 365)).date().isoformat()
    case = on_methadone(team, birth_date=birth)
    refused = case.fire("police", "order_monitoring", order(30), days_ago=30, expect=422)
    assert refused["code"] == "rule_failed"
    assert "chưa đủ 18 tuổi" in refused["message"]
    case.fire("police", "order_monitoring", order(30, guardian_consent=True), days_ago=30)


def test_an_open_order_ends_when_the_person_leaves_the_monitored_states(team):
    case = on_methadone(team)
    case.fire("police", "order_monitoring", order(30), days_ago=30)
    case.fire("health", "stop_methadone", {"stop_date": day(5), "outcome": "terminated"},
              days_ago=5)
    assert case.state == "addict"
    (ended,) = _orders(case)
    assert ended.end_reason == "state_left" and ended.ended_on.isoformat() == day(5)
    assert not [d for d in get(case)["deadlines"] if d["kind"] == "monitoring_end"]


def test_the_record_page_and_my_work_show_an_order_ending_soon(api_as, page_as):
    with frozen_at("2027-07-10T03:00:00Z", tick=True):
        team = {role: api_as((role, "W1")) for role in ("police", "health")}
        # Opened 2026-07-05, on methadone from 2026-07-15, ordered 2026-07-20 for 12 months:
        # the order ends 2027-07-20, within 15 days.
        case = on_methadone(team, days_ago=370)
        days = (datetime.now(UTC).date() - datetime(2026, 7, 20).date()).days
        case.fire("police", "order_monitoring", order(days), days_ago=days)
        client = page_as("police")
        page = client.get(f"/persons/{case.id}").get_data(as_text=True)
        assert 'id="monitoring"' in page and "20/07/2027" in page
        work = client.get("/my-work").get_data(as_text=True)
        assert "Sắp hết thời hạn giám sát điện tử" in work


def test_a_history_across_2026_07_01_keeps_law_73s_term_and_verifies(team):
    """No pin: each event is judged by the law of its day. Begun 2026-05-10 under Law 73 (by
    the police, which version 1 allows), the rehab completes on 2026-11-10 under Law 120,
    whose rule reads the 6 months stored on the episode; the history names both versions."""
    from casework.audit import services as audit

    body = {**IDENTITY, "effective_at": "2026-04-01T08:00:00+07:00", "confirm_new": True}
    case = Case(team, team["police"].post("/api/v1/persons", json=body).get_json())
    fire_at(case, "police", "request_assessment", {"grounds": "Dương tính"},
            "2026-04-02T08:00:00+07:00")
    fire_at(case, "health", "record_assessment",
            {**assessment(0), "assessment_date": "2026-04-03"}, None)
    fire_at(case, "police", "register_voluntary_rehab",
            {"setting": "community", "decision_no": "5/QĐ", "start_date": "2026-05-10",
             "planned_months": 12}, None)
    assert case.body["workflow_version"] == 1
    refused = fire_at(case, "police", "complete_rehab",
                      {"completion_date": "2026-11-09", "certificate_no": "GCN-1"}, None,
                      expect=422)
    assert "10/11/2026" in refused["message"]
    fire_at(case, "police", "complete_rehab",
            {"completion_date": "2026-11-10", "certificate_no": "GCN-1"}, None)
    assert (case.state, case.body["workflow_version"]) == ("post_rehab", 2)
    history = team["police"].get(f"/api/v1/persons/{case.id}/history").get_json()["items"]
    assert [e["workflow_version"] for e in history] == [1, 1, 1, 1, 2]
    assert audit.verify().ok


def test_my_work_asks_the_police_to_decide_under_law_120(clock, team, page_as):
    """Law 120/2025: the commune police decide on management too, so the positive person is
    in the police's My work as well as the chair's (WORKFLOWS.md §7)."""
    case = open_v2(team, "2026-12-01T08:00:00+07:00")
    fire_at(case, "health", "record_test", positive("2026-12-02"), "2026-12-02T09:30:00+07:00")
    for role in ("police", "commune_chair"):
        work = page_as(role).get("/my-work").get_data(as_text=True)
        assert "Ký quyết định quản lý" in work, role
