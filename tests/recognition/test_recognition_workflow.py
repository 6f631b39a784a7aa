"""The recognition workflow as a table of (state, event, role) → outcome, on real records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from casework.audit.models import AuditEntry
from casework.errors import CaseworkError
from casework.recognition import services
from casework.recognition.models import RecognitionRequest
from casework.workflow import engine
from casework.workflow.deadlines import local_date
from tests.areas.conftest import all_met

STEPS = {  # event: (role, data)
    "submit": ("police", {"self_assessment": all_met()}),
    "evaluate": ("inspector", {"inspection_date": "{day}", "minutes_no": "BB-2",
                               "verdicts": all_met()}),
    "endorse": ("steering_committee", {"meeting_date": "{day}"}),
    # A residential group, approved today: the commune chair (WORKFLOWS.md §11).
    "approve": ("commune_chair", {"decision_no": "QĐ-9", "decision_date": "{day}"}),
}
PATHS = {
    "draft": [],
    "submitted": ["submit"],
    "evaluated": ["submit", "evaluate"],
    "endorsed": ["submit", "evaluate", "endorse"],
    "approved": ["submit", "evaluate", "endorse", "approve"],
    "rejected": ["submit", ("reject", "steering_committee", "Không đạt")],
    "withdrawn": [("withdraw", "police", "Rút")],
}
C3_NOT_MET = {**STEPS["evaluate"][1], "verdicts": {**all_met(), "C3": {"met": False}}}

CASES = [
    ("draft", "submit", "police", None, None, "submitted"),
    ("draft", "submit", "inspector", None, None, "not_permitted"),
    ("draft", "evaluate", "inspector", None, None, "invalid_event"),
    ("draft", "withdraw", "police", {}, "Chưa đủ hồ sơ", "withdrawn"),
    ("draft", "withdraw", "police", {}, None, "validation_error"),
    ("draft", "return", "city_authority", {}, "x", "invalid_event"),
    ("submitted", "evaluate", "inspector", None, None, "evaluated"),
    ("submitted", "evaluate", "inspector", C3_NOT_MET, None, "rule_failed"),
    ("submitted", "evaluate", "steering_committee", None, None, "not_permitted"),
    ("submitted", "return", "inspector", {}, "Thiếu ảnh", "draft"),
    ("submitted", "reject", "steering_committee", {}, "Không đạt", "rejected"),
    ("submitted", "reject", "inspector", {}, "Không đạt", "not_permitted"),
    ("submitted", "withdraw", "police", {}, "Rút để bổ sung", "withdrawn"),
    ("submitted", "approve", "city_authority", None, None, "invalid_event"),
    ("evaluated", "endorse", "steering_committee", None, None, "endorsed"),
    ("evaluated", "endorse", "city_authority", None, None, "not_permitted"),
    ("evaluated", "return", "steering_committee", {}, "Họp lại", "draft"),
    ("evaluated", "return", "commune_chair", {}, "Xem lại", "draft"),
    ("evaluated", "return", "city_authority", {}, "Xem lại", "rule_failed"),
    ("evaluated", "reject", "commune_chair", {}, "Không đạt", "rejected"),
    ("evaluated", "reject", "province_authority", {}, "Không đạt", "rule_failed"),
    ("evaluated", "withdraw", "police", {}, "Rút", "invalid_event"),
    ("evaluated", "approve", "city_authority", None, None, "invalid_event"),
    ("endorsed", "approve", "commune_chair", None, None, "approved"),
    # Since 2025-07-01 the city is gone and the province approves communes, not groups.
    ("endorsed", "approve", "city_authority", None, None, "rule_failed"),
    ("endorsed", "approve", "province_authority", None, None, "rule_failed"),
    ("endorsed", "approve", "health", None, None, "not_permitted"),
    ("endorsed", "approve", "steering_committee", None, None, "not_permitted"),
    ("endorsed", "return", "commune_chair", {}, "Xem lại C6", "draft"),
    ("endorsed", "return", "steering_committee", {}, "x", "not_permitted"),
    ("endorsed", "reject", "steering_committee", {}, "Không đạt", "rejected"),
    ("endorsed", "reject", "commune_chair", {}, None, "validation_error"),
    ("approved", "return", "city_authority", {}, "x", "invalid_event"),
    ("rejected", "submit", "police", None, None, "invalid_event"),
    ("withdrawn", "submit", "police", None, None, "invalid_event"),
]


def _fill(data, when):
    day = local_date(when).isoformat()
    return {k: (day if v == "{day}" else v) for k, v in data.items()}


def _entries(db, record) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.record_type == record.__record_type__, AuditEntry.record_id == record.id))


@pytest.fixture
def walk(db, tree, ready_area, user):
    """walk("endorsed") → (request, clock): a request walked to a state by one user per role."""

    def make(state: str, code: str = "G11"):
        ready_area(code)
        clock = datetime.now(UTC) - timedelta(days=30)
        request = services.open_request(tree[code], user("police", code), effective_at=clock)
        for step in PATHS[state]:
            clock += timedelta(days=2)
            if isinstance(step, tuple):
                event, role, reason = step
                engine.fire(request, event, user(role, "C"), reason=reason, effective_at=clock)
                continue
            role, data = STEPS[step]
            engine.fire(request, step, user(role, "C"), data=_fill(data, clock),
                        effective_at=clock)
        assert request.state == state
        return request, clock

    return make


@pytest.mark.parametrize(("state", "event", "role", "data", "reason", "expected"), CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[2]}-{c[5]}" for c in CASES])
def test_recognition_outcome_table(db, walk, user, state, event, role, data, reason,
                                   expected):
    request, clock = walk(state)
    area = request.area
    before = (request.state, request.version, _entries(db, request), area.state,
              _entries(db, area))
    when = clock + timedelta(days=1)
    if data is None:
        data = STEPS[event][1] if event in STEPS else {}
    try:
        engine.fire(request, event, user(role, "C"), data=_fill(data, when), reason=reason,
                    effective_at=when, version=request.version)
    except CaseworkError as exc:
        assert exc.code == expected, (exc.code, str(exc.message), exc.errors)
        assert (request.state, request.version, _entries(db, request), area.state,
                _entries(db, area)) == before
        return
    assert request.state == expected
    # Only an approval changes the area, and then by one logged `recognize`.
    assert area.state == ("drug_free" if expected == "approved" else before[3])
    assert _entries(db, area) == before[4] + (expected == "approved")


def test_an_area_that_left_less_complex_cannot_be_recognised(db, walk, user):
    request, clock = walk("endorsed")
    area = request.area
    engine.fire(area, "escalate", user("police", "G11"), data={"grounds": "Điểm bán mới"},
                reason="Điểm bán mới", effective_at=clock + timedelta(hours=1))
    before = (request.state, request.version, _entries(db, request))
    with pytest.raises(CaseworkError) as caught:
        engine.fire(request, "approve", user("commune_chair", "C"),
                    data=_fill(STEPS["approve"][1], clock), effective_at=clock + timedelta(days=1))
    assert caught.value.code == "rule_failed"
    assert caught.value.extra["rule"] == "area_awaits_recognition"
    assert (request.state, request.version, _entries(db, request)) == before


def test_when_recognising_the_area_fails_the_approval_rolls_back_too(db, walk, user, api_as):
    request, clock = walk("endorsed")
    area = request.area
    # The area moves after the endorsement; an approval dated before that cannot recognise it.
    engine.fire(area, "escalate", user("police", "G11"), data={"grounds": "x"}, reason="x",
                effective_at=clock + timedelta(days=1))
    engine.fire(area, "downgrade", user("steering_committee", "C"), data={"minutes_no": "BB"},
                effective_at=clock + timedelta(days=3))
    db.session.commit()
    city = api_as(("commune_chair", "C"))
    approval_at = clock + timedelta(days=2)
    response = city.post(f"/api/v1/recognition-requests/{request.id}/transitions", json={
        "event": "approve", "version": request.version, "effective_at": approval_at.isoformat(),
        "data": _fill(STEPS["approve"][1], approval_at)})
    assert response.status_code == 422, response.get_json()
    # The decision date is judged against the area's own events (WORKFLOWS.md §8): it may not
    # be before the downgrade that made the area less complex again.
    (message,) = response.get_json()["errors"]["decision_date"]
    assert "Chuyển hóa địa bàn" in message
    db.session.expire_all()
    fresh = db.session.get(RecognitionRequest, request.id)
    assert (fresh.state, fresh.area.state) == ("endorsed", "less_complex")
    assert _entries(db, fresh) == 4 and _entries(db, fresh.area) == 4
