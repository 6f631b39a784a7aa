"""fire(): each workflow as a table of (state, event, role, data) → outcome, then the details."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from casework.audit.models import AuditEntry
from casework.errors import CaseworkError, NotPermitted
from casework.workflow import engine, fire
from tests.clock import vn_today
from tests.workflow.conftest import days_ago
from tests.workflow.paths import DATA, fill


@pytest.fixture(autouse=True)
def english(app):
    """Messages are checked in English here (the default language is Vietnamese)."""
    with force_locale("en"):
        yield


MINOR = {"birth_date": vn_today() - timedelta(days=365 * 20)}  # a minor at the event dates

# (workflow, state, event, role, data key or data, reason, record columns) → outcome: the
# state reached, or the error code.
CASES = [
    # person: drug tests
    ("person", "suspected", "record_test", "health", "test_positive", None, {}, "positive"),
    ("person", "suspected", "record_test", "health", "test_negative", None, {}, "cleared"),
    ("person", "suspected", "record_test", "police", "test_positive", None, {}, "not_permitted"),
    ("person", "suspected", "record_test", "health", {"result": "positive"}, None, {},
     "validation_error"),
    ("person", "suspected", "record_test", "health",
     {**DATA["test_positive"], "sample": "blood"}, None, MINOR, "rule_failed"),
    ("person", "suspected", "record_test", "health",
     {**DATA["test_positive"], "sample": "blood", "guardian_consent": True}, None, MINOR,
     "positive"),
    ("person", "suspected", "record_test", "health", "test_positive", None, MINOR, "positive"),
    ("person", "managed_user", "record_test", "health", "test_positive", None, {}, "assessment"),
    ("person", "managed_user", "record_test", "health", "test_negative", None, {},
     "managed_user"),
    ("person", "post_rehab", "record_test", "health", "test_positive", None, {}, "assessment"),
    ("person", "methadone", "record_test", "health", "test_positive", None, {}, "methadone"),
    ("person", "cleared", "record_test", "health", "test_positive", None, {}, "invalid_event"),
    # management
    ("person", "positive", "decide_management", "commune_chair", "decide_management", None, {},
     "managed_user"),
    ("person", "positive", "decide_management", "police", "decide_management", None, {},
     "not_permitted"),
    ("person", "suspected", "decide_management", "commune_chair", "decide_management", None, {},
     "invalid_event"),
    ("person", "managed_user", "check_residence", "police", "check_residence", None, {},
     "managed_user"),
    ("person", "managed_user", "end_management", "commune_chair", "end_management", None, {},
     "rule_failed"),  # the 12-month term has not run
    # assessment
    ("person", "positive", "request_assessment", "police", "request_assessment", None, {},
     "assessment"),
    ("person", "assessment", "record_assessment", "health", "addicted", None, {}, "addict"),
    ("person", "assessment", "record_assessment", "health", "not_addicted", None, {},
     "managed_user"),
    ("person", "assessment", "record_assessment", "health",
     {**DATA["addicted"], "criteria_met": 2}, None, {}, "rule_failed"),
    ("person", "assessment", "record_assessment", "health",
     {**DATA["not_addicted"], "criteria_met": 3}, None, {}, "rule_failed"),
    ("person", "assessment", "record_assessment", "health",
     {**DATA["addicted"], "criteria_met": 7}, None, {}, "validation_error"),
    # rehab
    ("person", "addict", "register_voluntary_rehab", "social_affairs", "rehab_community", None,
     {}, "rehab_community"),
    ("person", "relapsed", "register_voluntary_rehab", "commune_chair", "rehab_facility", None,
     {}, "rehab_facility"),
    ("person", "addict", "register_voluntary_rehab", "social_affairs",
     {**DATA["rehab_community"], "planned_months": 5}, None, {}, "rule_failed"),
    ("person", "addict", "register_voluntary_rehab", "social_affairs",
     {**DATA["rehab_facility"], "facility": None}, None, {}, "rule_failed"),
    ("person", "addict", "register_voluntary_rehab", "health", "rehab_community", None, {},
     "not_permitted"),
    ("person", "rehab_community", "complete_rehab", "social_affairs", "complete_rehab", None,
     {}, "rule_failed"),  # before 6 months
    ("person", "rehab_community", "abandon_rehab", "police", None, "Bỏ về nhà", {},
     "compulsory_dossier"),
    # §8: a minor who quits voluntary rehab goes to a dossier too (Law Art 33.1.a, 34).
    ("person", "rehab_community", "abandon_rehab", "police", None, "Bỏ về nhà", MINOR,
     "compulsory_dossier"),
    ("person", "rehab_facility", "abandon_rehab", "social_affairs", None, None, {},
     "validation_error"),  # a reason is required
    ("person", "addict", "start_methadone", "health", "start_methadone", None, {}, "methadone"),
    ("person", "methadone", "stop_methadone", "health", "stop_completed", None, {},
     "post_rehab"),
    ("person", "methadone", "stop_methadone", "health", "stop_terminated", None, {}, "addict"),
    ("person", "methadone", "open_compulsory_dossier", "police", "open_compulsory_dossier",
     None, {}, "invalid_event"),  # not while in treatment (Decree 116 Art 28.2)
    # compulsory rehab
    ("person", "relapsed", "open_compulsory_dossier", "police", "open_compulsory_dossier", None,
     {}, "compulsory_dossier"),
    ("person", "compulsory_dossier", "record_court_decision", "police", "court_ordered", None,
     {}, "compulsory_rehab"),
    ("person", "compulsory_dossier", "record_court_decision", "police", "court_ordered", None,
     MINOR, "rule_failed"),  # 18 months is too long for a minor
    ("person", "compulsory_dossier", "record_court_decision", "police",
     {**DATA["court_ordered"], "months": 9}, None, MINOR, "compulsory_rehab"),
    ("person", "compulsory_dossier", "record_court_decision", "social_affairs", "court_refused",
     None, {}, "validation_error"),  # a negative decision needs a reason
    ("person", "compulsory_dossier", "record_court_decision", "social_affairs", "court_refused",
     "Không đủ căn cứ", {}, "addict"),
    ("person", "compulsory_rehab", "release", "social_affairs", "release", None, {},
     "post_rehab"),
    ("person", "post_rehab", "complete_post_rehab", "commune_chair", "complete_post_rehab",
     None, {}, "rule_failed"),  # the term has not run
    # any open state
    ("person", "rehab_facility", "exit", "police", "exit", "Chuyển đi nơi khác", {}, "exited"),
    ("person", "managed_user", "exit", "police", "exit", None, {}, "validation_error"),
    ("person", "exited", "exit", "police", "exit", "Lần nữa", {}, "invalid_event"),
    ("person", "exited", "reopen", "police", None, "Quay về địa phương", {}, "suspected"),
    ("person", "cleared", "reopen", "police", None, None, {}, "validation_error"),
    ("person", "suspected", "fly", "police", None, None, {}, "invalid_event"),
    # area
    ("area", "unassessed", "classify", "police", "classify_complex", None, {}, "complex"),
    ("area", "unassessed", "classify", "inspector", "classify_less", None, {}, "less_complex"),
    ("area", "complex", "downgrade", "steering_committee", "downgrade", None, {},
     "less_complex"),
    ("area", "complex", "downgrade", "police", "downgrade", None, {}, "not_permitted"),
    ("area", "less_complex", "escalate", "police", "escalate", None, {}, "validation_error"),
    ("area", "less_complex", "escalate", "police", "escalate", "Điểm bán mới", {}, "complex"),
    ("area", "less_complex", "recognize", "city_authority", "recognize", None, {},
     "rule_failed"),  # only through an approved recognition request
    # recognition
    ("recognition", "draft", "submit", "police", "submit", None, {}, "submitted"),
    ("recognition", "draft", "submit", "police",
     {"self_assessment": {**DATA["submit"]["self_assessment"], "C3": {"met": False}}}, None, {},
     "rule_failed"),
    ("recognition", "draft", "submit", "police",
     {"self_assessment": {"C1": {"met": True}}}, None, {}, "validation_error"),
    ("recognition", "submitted", "evaluate", "inspector", "evaluate", None, {}, "evaluated"),
    ("recognition", "evaluated", "endorse", "steering_committee", "endorse", None, {},
     "endorsed"),
    # The stand-in request has no area to recognise; tests/recognition walks the real chain.
    ("recognition", "endorsed", "approve", "city_authority", "approve", None, {},
     "rule_failed"),
    ("recognition", "submitted", "return", "inspector", None, "Thiếu biên bản", {}, "draft"),
    ("recognition", "evaluated", "return", "inspector", None, "Thiếu biên bản", {},
     "not_permitted"),  # only the current step's owner or a later one
    ("recognition", "endorsed", "return", "city_authority", None, "Xem lại C6", {}, "draft"),
    ("recognition", "evaluated", "reject", "steering_committee", None, "Không đạt", {},
     "rejected"),
    ("recognition", "draft", "withdraw", "police", None, "Chưa đủ điều kiện", {}, "withdrawn"),
    # hotspot
    ("hotspot", "detected", "watch", "police", None, None, {}, "watched"),
    ("hotspot", "watched", "eliminate", "police", "eliminate", None, {}, "eliminated"),
    ("hotspot", "eliminated", "reemerge", "inspector", "reemerge", None, {}, "reemerged"),
    ("hotspot", "reemerged", "watch", "police", None, None, {}, "watched"),
    ("hotspot", "detected", "eliminate", "police", "eliminate", None, {}, "invalid_event"),
]


def _ids():
    return [f"{c[0]}:{c[1]}-{c[2]}-{c[3]}-{c[7]}" for c in CASES]


@pytest.mark.parametrize(
    ("kind", "state", "event", "role", "data", "reason", "columns", "expected"), CASES, ids=_ids()
)
def test_outcome_table(db, reach, kind, state, event, role, data, reason, columns, expected):
    record, driver = reach(kind, state, **columns)
    before = (record.state, record.version, _entries(db, record))
    when = driver.clock + timedelta(days=1)
    payload = fill(DATA[data], when) if isinstance(data, str) else (
        fill(data, when) if data is not None else None)
    try:
        driver.fire(record, event, role, reason=reason, data=payload)
    except CaseworkError as exc:
        assert exc.code == expected, (exc.code, exc.message, exc.errors)
        # A rejected event changes nothing: no state, no version, no audit entry.
        assert (record.state, record.version, _entries(db, record)) == before
        return
    assert record.state == expected
    assert record.version == before[1] + 1
    assert _entries(db, record) == before[2] + 1


def _entries(db, record) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(AuditEntry).where(
            AuditEntry.record_type == record.__record_type__, AuditEntry.record_id == record.id)
    )


def test_relapse_needs_a_completed_rehab_before(reach):
    record, _ = reach("person", "relapsed")
    assert record.state == "relapsed"


def test_role_outside_scope_is_not_permitted(reach, actor):
    record, driver = reach("person", "suspected", unit="G11")
    other_ward = actor("health", "W2")
    with pytest.raises(CaseworkError) as caught:
        fire(record, "record_test", other_ward, data=fill(DATA["test_positive"], days_ago(1)))
    assert caught.value.code == "not_permitted"
    assert caught.value.message != NotPermitted.default_message


def test_stale_version_is_refused(reach):
    record, driver = reach("person", "suspected")
    with pytest.raises(CaseworkError) as caught:
        engine.fire(record, "record_test", driver.user("health"),
                    data=fill(DATA["test_positive"], days_ago(1)), version=record.version - 1)
    assert caught.value.code == "stale_version"
    assert caught.value.status == 409


def test_effective_at_not_in_the_future_nor_before_the_previous_event(reach):
    record, driver = reach("person", "suspected")
    health = driver.user("health")
    data = fill(DATA["test_positive"], days_ago(1))
    for when in (days_ago(-1), driver.clock - timedelta(hours=1)):
        with pytest.raises(CaseworkError) as caught:
            fire(record, "record_test", health, data=data, effective_at=when)
        assert caught.value.code == "validation_error"
        assert "effective_at" in caught.value.errors
    fire(record, "record_test", health, data=data)  # now: fine
    assert record.state == "positive"


def test_terms_that_have_run_allow_the_closing_events(reach):
    record, driver = reach("person", "post_rehab")
    driver.fire(record, "complete_post_rehab", "commune_chair", "complete_post_rehab", wait=370)
    assert record.state == "reintegrated"

    record, driver = reach("person", "managed_user", unit="G12")
    driver.fire(record, "end_management", "commune_chair", "end_management", wait=400)
    assert record.state == "management_ended"


def test_rehab_can_be_completed_after_six_months(reach):
    record, driver = reach("person", "rehab_community")
    driver.fire(record, "complete_rehab", "social_affairs", "complete_rehab", wait=190)
    assert record.state == "post_rehab"


def test_an_internal_event_is_logged_and_bumps_the_version(reach, db):
    record, driver = reach("person", "managed_user")
    due = record.due_date
    entry = driver.fire(record, "check_residence", "police", "check_residence")
    assert (entry.from_state, entry.to_state) == ("managed_user", "managed_user")
    assert record.version == entry.seq
    assert record.due_date == due  # the state was not re-entered


def test_transfer_moves_the_record_within_the_actor_area(reach, tree, actor):
    record, driver = reach("person", "addict", unit="G11")
    driver.fire(record, "transfer", "police", data={"to_area_code": "G12"})
    assert record.state == "addict" and record.org_unit.code == "G12"
    for code, message in (("W1", "residential group or a village"),
                          ("G12", "already managed in this area"),
                          ("ZZZ", "no area with the code")):
        with pytest.raises(CaseworkError) as caught:
            driver.fire(record, "transfer", "police", data={"to_area_code": code})
        assert caught.value.code == "rule_failed" and message in str(caught.value.message)
    # A police officer of the ward only may not send the person to another ward.
    with pytest.raises(CaseworkError) as caught:
        driver.fire(record, "transfer", "police", data={"to_area_code": "G21"})
    assert "outside your area" in str(caught.value.message)
    city_police = actor("police", "C")
    fire(record, "transfer", city_police, data={"to_area_code": "G21"})
    assert record.org_unit.code == "G21"


def test_rule_failure_carries_the_rule_message(reach):
    record, driver = reach("person", "assessment")
    with pytest.raises(CaseworkError) as caught:
        driver.fire(record, "record_assessment", "health",
                    data=fill({**DATA["addicted"], "criteria_met": 2}, driver.clock))
    error = caught.value.to_dict()
    assert error["code"] == "rule_failed"
    assert error["rule"] == "assessment_consistent"
    assert "at least 3 criteria" in error["message"]
    assert error["errors"] == {}  # said once, in the message; the code is in "rule" only


def test_recognize_runs_only_as_the_effect_of_an_approval(reach, tree):
    area, driver = reach("area", "less_complex", unit="W1")
    request, rdriver = reach("recognition", "endorsed", unit="W1")
    parent = engine.RuleContext(record=request, definition=engine.definition_of(request),
                                event="approve", actor=None, roles=frozenset(),
                                effective_at=days_ago(0), from_state="endorsed")
    token = engine._running.set(parent)
    try:
        driver.fire(area, "recognize", "city_authority", "recognize")
    finally:
        engine._running.reset(token)
    assert area.state == "drug_free"
    assert area.due_date is not None  # reviewed for "maintained" a year later


def test_due_dates_follow_the_definitions(reach):
    record, driver = reach("person", "positive")
    # 9 working days from the test (§8), skipping weekends and holidays.
    from casework.workflow.deadlines import add_working_days, local_date

    assert record.due_date == add_working_days(local_date(driver.clock), 9)
    record, driver = reach("person", "rehab_facility", unit="G12")
    start = local_date(driver.clock)
    assert record.due_date == start.replace(year=start.year + 1)  # planned 12 months
