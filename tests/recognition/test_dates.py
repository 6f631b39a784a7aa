"""The dates of the recognition steps, of areas and of hotspots, through the API (§8).

Inspection not before submission, endorsement not before inspection, approval not before
endorsement, none in the future; each tried a year and a day before its limit, on it, a day
after, and a day after today. A refusal names the field's label and the date it collides
with, and changes nothing.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from casework.areas.models import Hotspot
from casework.audit.models import AuditEntry
from casework.recognition import services as recognition
from casework.recognition.models import RecognitionRequest
from casework.workflow import engine
from casework.workflow.deadlines import LOCAL_TZ, today_local
from tests.areas.conftest import ago, all_met, day_ago

OPENED, SUBMITTED, INSPECTED, ENDORSED = 40, 30, 20, 10  # days ago


def start_of_day(day: date) -> datetime:
    """A date without a time, as stored: 00:00 in Vietnam."""
    return datetime.combine(day, time(0), tzinfo=LOCAL_TZ)


def dmy(day: date) -> str:
    return day.strftime("%d/%m/%Y")


# The step tried from each state: (event, role, its date field, the data, the limit's day, the
# refusal's words after "<label> (<date>) không được trước ").
STEPS = {
    "submitted": ("evaluate", "inspector", "inspection_date",
                  lambda d: {"inspection_date": d, "minutes_no": "BB-KT-1",
                             "verdicts": all_met()},
                  SUBMITTED, "Ngày kiểm tra",
                  "ngày của sự kiện “Gửi hồ sơ” ({limit}), sự kiện đã đưa hồ sơ vào trạng thái "
                  "hiện tại."),
    "evaluated": ("endorse", "steering_committee", "meeting_date",
                  lambda d: {"meeting_date": d}, INSPECTED, "Ngày họp",
                  "ngày kiểm tra ({limit}) của sự kiện “Kiểm tra, đánh giá”."),
    "endorsed": ("approve", "commune_chair", "decision_date",
                 lambda d: {"decision_no": "QĐ-1", "decision_date": d}, ENDORSED,
                 "Ngày quyết định",
                 "ngày họp ({limit}) của sự kiện “Ban Chỉ đạo thông qua”."),
}


@pytest.fixture
def dossier(db, ready_area, user):
    """dossier("endorsed") → a request walked there in the past (submission with an hour,
    the later steps on their principal dates), committed for the API."""

    def make(state):
        area = ready_area("G11")
        police = user("police", "G11")
        request = recognition.open_request(area.org_unit, police, effective_at=ago(OPENED))
        engine.fire(request, "submit", police, data={"self_assessment": all_met()},
                    effective_at=ago(SUBMITTED))
        steps = [("evaluate", "inspector", {"inspection_date": day_ago(INSPECTED).isoformat(),
                                            "minutes_no": "BB-1", "verdicts": all_met()}),
                 ("endorse", "steering_committee",
                  {"meeting_date": day_ago(ENDORSED).isoformat()})]
        for event, role, data in steps:
            if request.state == state:
                break
            engine.fire(request, event, user(role, "C"), data=data)
        assert request.state == state
        db.session.commit()
        return request

    return make


def _entries(db, record_type, record_id) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.record_type == record_type, AuditEntry.record_id == record_id))


def _fire(chain, request, role, event, data):
    return chain[role].post(f"/api/v1/recognition-requests/{request.id}/transitions",
                            json={"event": event, "version": request.version, "data": data})


@pytest.mark.parametrize("offset", [-365, -1, 0, 1])
@pytest.mark.parametrize("state", list(STEPS))
def test_each_step_is_not_before_the_one_before(db, chain, dossier, state, offset):
    event, role, field, data, limit_ago, label, collides = STEPS[state]
    request = dossier(state)
    before = (request.state, request.version, _entries(db, "recognition", request.id))
    limit = day_ago(limit_ago)
    given = limit + timedelta(days=offset)
    response = _fire(chain, request, role, event, data(given.isoformat()))
    if offset >= 0:
        assert response.status_code == 200, response.get_json()
        return
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "validation_error" and list(body["errors"]) == [field]
    (message,) = body["errors"][field]
    if given < day_ago(OPENED):
        expected = f"{label} ({dmy(given)}) không được trước ngày mở hồ sơ ({dmy(day_ago(OPENED))}"
    else:
        expected = f"{label} ({dmy(given)}) không được trước " + collides.format(limit=dmy(limit))
    assert message.startswith(expected), message
    fresh = db.session.get(RecognitionRequest, request.id)
    db.session.refresh(fresh)
    assert (fresh.state, fresh.version, _entries(db, "recognition", request.id)) == before


@pytest.mark.parametrize("state", list(STEPS))
def test_no_step_is_dated_after_today(db, chain, dossier, state):
    event, role, field, data, _limit, label, _collides = STEPS[state]
    request = dossier(state)
    today = today_local()
    for offset in (365, 1):
        given = today + timedelta(days=offset)
        response = _fire(chain, request, role, event, data(given.isoformat()))
        assert response.status_code == 422
        assert response.get_json()["errors"] == {field: [
            f"{label} ({dmy(given)}) không được sau ngày hôm nay ({dmy(today)})."]}
    assert _fire(chain, request, role, event, data(today.isoformat())).status_code == 200


def test_an_approval_dates_the_areas_recognition(db, chain, dossier):
    request = dossier("endorsed")
    decided = day_ago(ENDORSED - 2)
    response = _fire(chain, request, "commune_chair", "approve",
                     {"decision_no": "QĐ-9", "decision_date": decided.isoformat()})
    assert response.status_code == 200, response.get_json()
    area_history = chain["police"].get("/api/v1/areas/G11/history").get_json()["items"]
    approval = chain["police"].get(
        f"/api/v1/recognition-requests/{request.id}/history").get_json()["items"][-1]
    # Both on the decision date, a date without a time, not the moment of entry.
    assert area_history[-1]["event"] == "recognize"
    assert area_history[-1]["effective_at"] == approval["effective_at"]
    assert approval["effective_at"].startswith(
        (decided - timedelta(days=1)).isoformat() + "T17:00:00")


# --- areas and hotspots -----------------------------------------------------------------------


@pytest.mark.parametrize("offset, ok", [(-365, False), (-1, False), (0, True), (1, True)])
def test_a_classification_is_not_before_the_area_record(db, api_as, area_in, offset, ok):
    area = area_in("G12", "unassessed", since=100)
    opened = day_ago(100)
    given = opened + timedelta(days=offset)
    response = api_as(("police", "W1")).post("/api/v1/areas/G12/transitions", json={
        "event": "classify", "version": area.version,
        "data": {"level": "complex", "assessment_date": given.isoformat()}})
    if ok:
        assert response.status_code == 200, response.get_json()
        return
    (message,) = response.get_json()["errors"]["assessment_date"]
    assert message.startswith(f"Ngày xác định ({dmy(given)}) không được trước ngày mở hồ sơ "
                              f"({dmy(opened)}")


def test_an_area_never_acted_on_opens_on_its_first_events_date(db, api_as):
    """The record is opened just before the event, on the event's date: a classification
    dated last year is not "before the opening"."""
    last_year = day_ago(365)
    response = api_as(("police", "W1")).post("/api/v1/areas/G11/transitions", json={
        "event": "classify", "version": 0,
        "data": {"level": "less_complex", "assessment_date": last_year.isoformat()}})
    assert response.status_code == 200, response.get_json()
    history = api_as(("police", "W1")).get("/api/v1/areas/G11/history").get_json()["items"]
    assert [h["event"] for h in history] == ["open", "classify"]
    assert history[0]["effective_at"] == history[1]["effective_at"]


@pytest.mark.parametrize("offset, ok", [(-365, False), (-1, False), (0, True), (1, True)])
def test_an_elimination_is_not_before_the_watch(db, api_as, offset, ok):
    police = api_as(("police", "W1"))
    found = day_ago(50)
    created = police.post("/api/v1/areas/G11/facts", json={
        "kind": "hotspot", "name": "Bãi đất trống", "found_date": found.isoformat()})
    assert created.status_code == 201, created.get_json()
    hotspot_id = created.get_json()["id"]
    spot = db.session.get(Hotspot, hotspot_id)
    assert spot.state_entered_at == start_of_day(found)  # opened on its found date
    watched = police.post(f"/api/v1/hotspots/{hotspot_id}/transitions", json={
        "event": "watch", "version": 1, "effective_at": (found + timedelta(days=10)).isoformat()})
    assert watched.status_code == 200, watched.get_json()
    limit = found + timedelta(days=10)
    given = limit + timedelta(days=offset)
    response = police.post(f"/api/v1/hotspots/{hotspot_id}/transitions", json={
        "event": "eliminate", "version": 2, "data": {"eliminated_date": given.isoformat()}})
    if ok:
        assert response.status_code == 200, response.get_json()
        return
    (message,) = response.get_json()["errors"]["eliminated_date"]
    if given < found:
        assert message.startswith(f"Ngày triệt xóa ({dmy(given)}) không được trước ngày mở hồ "
                                   f"sơ ({dmy(found)})")
    else:
        assert message == (f"Ngày triệt xóa ({dmy(given)}) không được trước ngày của sự kiện "
                           f"“Đưa vào theo dõi” ({dmy(limit)}), sự kiện đã đưa hồ sơ vào trạng "
                           "thái hiện tại.")
