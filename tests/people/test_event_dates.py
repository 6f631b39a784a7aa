"""Every date of a person's event is judged as WORKFLOWS.md §8 says, through the API.

A date of the event's data may not be in the future, before the record was opened, nor before
the event that entered the current state (so a decision is never dated before what it decides
on); ``effective_at`` defaults to the event's principal date and may not precede the previous
event. Each rule is tried one year and one day before its limit, on it, and a day after; a
refusal names the field by its label and the date it collides with, and changes nothing.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from casework.audit.models import AuditEntry
from casework.workflow.deadlines import LOCAL_TZ, today_local
from tests.people.conftest import assessment, day, drug_test

# Version 1 (Law 73/2021) rules, with dates relative to today.
pytestmark = pytest.mark.usefixtures("law73")

OPENED = 60  # the record is opened this many days ago (at a moment of that day)


def start_of_day(day: date) -> datetime:
    """A date without a time, as stored: 00:00 in Vietnam."""
    return datetime.combine(day, time(0), tzinfo=LOCAL_TZ)


def dmy(iso: str) -> str:
    return date.fromisoformat(iso).strftime("%d/%m/%Y")


def shift(iso: str, days: int) -> str:
    return (date.fromisoformat(iso) + timedelta(days=days)).isoformat()


# Paths to a state: (role, event, data, days ago of effective_at or None, reason).
COURT = {"court": "TAND TP", "decision_no": "9/QĐ", "ordered": True, "months": 18}
PATHS = {
    "suspected": [],
    "positive": [("health", "record_test", drug_test(40), None, None)],
    "managed_user": [("health", "record_test", drug_test(40), None, None),
                     ("commune_chair", "decide_management",
                      {"decision_no": "1/QĐ", "decision_date": day(35)}, None, None)],
    "compulsory_dossier": [("police", "request_assessment", {"grounds": "Nghi nghiện"}, 50,
                            None),
                           ("health", "record_assessment", assessment(45), None, None),
                           ("police", "open_compulsory_dossier",
                            {"violation_record_no": "BB-1", "grounds": "not_registered"},
                            30, None)],
    "compulsory_rehab": [("police", "request_assessment", {"grounds": "Nghi nghiện"}, 50,
                          None),
                         ("health", "record_assessment", assessment(45), None, None),
                         ("police", "open_compulsory_dossier",
                          {"violation_record_no": "BB-1", "grounds": "not_registered"},
                          30, None),
                         ("social_affairs", "record_court_decision",
                          {**COURT, "decision_date": day(20)}, None, None)],
}

# (state, role, event, data for the date, field, day its limit falls on, the refusal's words
# after "<label> (<date>) không được trước "; {limit} is the limit as dd/mm/yyyy).
ROWS = [
    ("suspected", "health", "record_test", lambda d: drug_test(0, test_date=d), "test_date",
     day(OPENED), "Ngày xét nghiệm", "ngày mở hồ sơ ({limit}"),
    ("positive", "commune_chair", "decide_management",
     lambda d: {"decision_no": "2/QĐ", "decision_date": d}, "decision_date", day(40),
     "Ngày quyết định", "ngày xét nghiệm ({limit}) của sự kiện “Ghi kết quả xét nghiệm”."),
    ("managed_user", "police", "check_residence",
     lambda d: {"check_date": d, "present": True}, "check_date", day(35),
     "Ngày kiểm tra", "ngày quyết định ({limit}) của sự kiện “Quyết định quản lý”."),
    ("compulsory_dossier", "social_affairs", "record_court_decision",
     lambda d: {**COURT, "decision_date": d}, "decision_date", day(30), "Ngày quyết định",
     "ngày của sự kiện “Lập hồ sơ đưa vào cơ sở cai nghiện bắt buộc” ({limit}), sự kiện đã "
     "đưa hồ sơ vào trạng thái hiện tại."),
    ("compulsory_rehab", "social_affairs", "release",
     lambda d: {"release_date": d, "certificate_no": "GCN-1"}, "release_date", day(20),
     "Ngày chấp hành xong",
     "ngày quyết định ({limit}) của sự kiện “Ghi quyết định của Tòa án”."),
    ("managed_user", "police", "exit",
     lambda d: {"exit_reason": "moved_out", "exit_date": d}, "exit_date", day(35),
     "Ngày thôi quản lý", "ngày quyết định ({limit}) của sự kiện “Quyết định quản lý”."),
]


@pytest.fixture
def walk(open_case):
    def make(state):
        case = open_case(days_ago=OPENED)
        for role, event, data, days_ago, reason in PATHS[state]:
            case.fire(role, event, data, days_ago=days_ago, reason=reason)
        assert case.state == state
        return case

    return make


def _entries(db, case) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.record_type == "person", AuditEntry.record_id == case.id))


@pytest.mark.parametrize("offset", [-365, -1, 0, 1])
@pytest.mark.parametrize("row", ROWS, ids=[f"{r[0]}-{r[2]}-{r[4]}" for r in ROWS])
def test_a_date_before_the_record_or_its_state_is_refused(walk, db, row, offset):
    state, role, event, data, field, limit, label, collides = row
    case = walk(state)
    before = (case.body["version"], _entries(db, case))
    given = shift(limit, offset)
    reason = "Chuyển đi nơi khác" if event == "exit" else None
    if offset >= 0:
        case.fire(role, event, data(given), reason=reason)
        return
    refused = case.fire(role, event, data(given), reason=reason, expect=422)
    assert refused["code"] == "validation_error"
    assert list(refused["errors"]) == [field]  # once, under the field, not again as effective_at
    (message,) = refused["errors"][field]
    if given < day(OPENED):  # before the opening too: that is the date it collides with
        collides, limit = "ngày mở hồ sơ ({limit}", day(OPENED)
    expected = f"{label} ({dmy(given)}) không được trước " + collides.format(limit=dmy(limit))
    assert message.startswith(expected), message
    assert (case.body["version"], _entries(db, case)) == before


@pytest.mark.parametrize("offset, ok", [(-365, True), (-1, True), (0, True), (1, False),
                                        (365, False)])
@pytest.mark.parametrize("row", ROWS, ids=[f"{r[0]}-{r[2]}-{r[4]}" for r in ROWS])
def test_a_date_after_today_is_refused(walk, db, row, offset, ok):
    state, role, event, data, field, limit, label, _collides = row
    case = walk(state)
    today = today_local().isoformat()
    given = shift(today, offset)
    if date.fromisoformat(given) < date.fromisoformat(limit):
        given = limit  # a year ago may be before the record: that is the other test
    reason = "Chuyển đi nơi khác" if event == "exit" else None
    if ok:
        case.fire(role, event, data(given), reason=reason)
        return
    refused = case.fire(role, event, data(given), reason=reason, expect=422)
    assert refused["errors"] == {field: [
        f"{label} ({dmy(given)}) không được sau ngày hôm nay ({dmy(today)})."]}


def test_effective_at_left_out_is_the_principal_date_without_a_time(walk, db, team):
    case = walk("positive")
    case.fire("commune_chair", "decide_management",
              {"decision_no": "2/QĐ", "decision_date": day(38)})
    entry = db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.record_type == "person", AuditEntry.record_id == case.id,
        AuditEntry.event == "decide_management"))
    assert entry.effective_at == start_of_day(date.fromisoformat(day(38)))
    history = team["police"].get(f"/api/v1/persons/{case.id}/history").get_json()["items"]
    assert datetime.fromisoformat(history[-1]["effective_at"]) == entry.effective_at


def test_the_previous_event_bounds_the_principal_date(walk, db):
    """A check on day 30 (internal), then a test dated the day before it: refused, as the
    test date, naming the check; on the same day: accepted, whatever the check's hour."""
    case = walk("managed_user")
    case.fire("police", "check_residence", {"check_date": day(30), "present": True},
              days_ago=30)  # at a moment of that day
    refused = case.fire("health", "record_test", drug_test(31, result="negative"), expect=422)
    (message,) = refused["errors"]["test_date"]
    assert message.startswith(
        f"Ngày xét nghiệm ({dmy(day(31))}) không được trước sự kiện liền trước, "
        f"“Kiểm tra tại nơi cư trú” ({dmy(day(30))} ")  # the check had an hour
    case.fire("health", "record_test", drug_test(30, result="negative"))
    # The check's hour stays the latest moment: a later timed event is judged against it.
    assert case.state == "managed_user"


def test_an_explicit_effective_at_is_not_before_its_own_principal_date(walk):
    case = walk("positive")
    refused = case.fire("commune_chair", "decide_management",
                        {"decision_no": "2/QĐ", "decision_date": day(36)}, days_ago=37.5,
                        expect=422)
    (message,) = refused["errors"]["effective_at"]
    assert f"không được trước ngày quyết định ({dmy(day(36))})" in message
    assert message.startswith("Thời điểm xảy ra (")


def test_the_issue_cases_are_refused(open_case):
    """The four impossible records of issue 11, each refused where it is entered."""
    # A drug test dated six years before the record was opened.
    case = open_case(days_ago=90)
    six_years = shift(day(90), -6 * 365)
    refused = case.fire("health", "record_test", drug_test(0, test_date=six_years), expect=422)
    assert "ngày mở hồ sơ" in refused["errors"]["test_date"][0]
    # A management decision dated a month before the positive test it decides on.
    case.fire("health", "record_test", drug_test(20))
    refused = case.fire("commune_chair", "decide_management",
                        {"decision_no": "3/QĐ", "decision_date": shift(day(20), -30)},
                        expect=422)
    assert "của sự kiện “Ghi kết quả xét nghiệm”" in refused["errors"]["decision_date"][0]


def test_the_english_message_names_the_english_label(walk, team):
    case = walk("positive")
    response = team["commune_chair"].post(
        f"/api/v1/persons/{case.id}/transitions",
        headers={"Accept-Language": "en"},
        json={"event": "decide_management", "version": case.body["version"],
              "data": {"decision_no": "2/QĐ", "decision_date": shift(day(40), -1)}})
    assert response.status_code == 422
    (message,) = response.get_json()["errors"]["decision_date"]
    assert message == (f"Decision date ({dmy(shift(day(40), -1))}) may not be before the test "
                       f"date ({dmy(day(40))}) of “Record a drug test”.")
