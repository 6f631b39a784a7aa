"""The area and hotspot workflows as tables of (state, event, role) → outcome."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from casework.areas import services
from casework.areas.models import Area
from casework.audit.models import AuditEntry
from casework.errors import CaseworkError
from casework.workflow import engine
from tests.areas.conftest import ago

CLASSIFY_COMPLEX = {"level": "complex", "complexity_type": "I", "assessment_date": "{day}"}
CLASSIFY_LESS = {"level": "less_complex", "assessment_date": "{day}"}
RECOMPLICATE = {"level": "complex", "breached": ["C1"]}

AREA_CASES = [
    # (state, event, role, data, reason, expected state or error code)
    ("unassessed", "classify", "police", CLASSIFY_COMPLEX, None, "complex"),
    ("unassessed", "classify", "inspector", CLASSIFY_LESS, None, "less_complex"),
    ("unassessed", "classify", "steering_committee", CLASSIFY_LESS, None, "not_permitted"),
    ("unassessed", "classify", "viewer", CLASSIFY_LESS, None, "not_permitted"),
    ("unassessed", "classify", "police", {"level": "medium", "assessment_date": "{day}"}, None,
     "validation_error"),
    ("unassessed", "downgrade", "steering_committee", {"minutes_no": "BB-1"}, None,
     "invalid_event"),
    ("complex", "downgrade", "steering_committee", {"minutes_no": "BB-1"}, None, "less_complex"),
    ("complex", "downgrade", "police", {"minutes_no": "BB-1"}, None, "not_permitted"),
    ("complex", "escalate", "police", {"grounds": "x"}, "x", "invalid_event"),
    ("less_complex", "escalate", "police", {"grounds": "Điểm bán mới"}, None,
     "validation_error"),
    ("less_complex", "escalate", "police", {"grounds": "Điểm bán mới"}, "Điểm bán mới",
     "complex"),
    ("less_complex", "escalate", "steering_committee", {"grounds": "Ổ nhóm"}, "Ổ nhóm",
     "complex"),
    ("less_complex", "escalate", "inspector", {"grounds": "x"}, "x", "not_permitted"),
    ("less_complex", "recognize", "city_authority",
     {"decision_no": "QĐ-1", "decision_date": "{day}"}, None, "rule_failed"),
    ("complex", "recognize", "city_authority",
     {"decision_no": "QĐ-1", "decision_date": "{day}"}, None, "invalid_event"),
    ("less_complex", "confirm_maintained", "steering_committee", {"review_date": "{day}"}, None,
     "invalid_event"),
    ("drug_free", "confirm_maintained", "steering_committee", {"review_date": "{day}"}, None,
     "rule_failed"),  # 12 months have not passed
    ("drug_free", "recomplicate", "police", RECOMPLICATE, "Điểm bán tái xuất hiện", "complex"),
    ("drug_free", "recomplicate", "steering_committee", {**RECOMPLICATE, "level": "less_complex"},
     "Tái phức tạp", "less_complex"),
    ("drug_free", "recomplicate", "police", RECOMPLICATE, None, "validation_error"),
    ("drug_free", "recomplicate", "inspector", RECOMPLICATE, "x", "not_permitted"),
    ("drug_free", "recomplicate", "police", {"level": "complex", "breached": ["C9"]}, "x",
     "validation_error"),
]


def _entries(db, record) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.record_type == record.__record_type__, AuditEntry.record_id == record.id))


def _fill(data, when):
    from casework.workflow.deadlines import local_date

    return {k: (local_date(when).isoformat() if v == "{day}" else v) for k, v in data.items()}


@pytest.mark.parametrize(("state", "event", "role", "data", "reason", "expected"), AREA_CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[2]}-{c[5]}" for c in AREA_CASES])
def test_area_outcome_table(db, area_in, user, state, event, role, data, reason, expected):
    area = area_in("G11", state)
    before = (area.state, area.version, _entries(db, area))
    when = area.last_event_at + timedelta(hours=1)
    try:
        engine.fire(area, event, user(role, "G11"), data=_fill(data, when), reason=reason,
                    effective_at=min(when, ago(0)), version=area.version)
    except CaseworkError as exc:
        assert exc.code == expected, (exc.code, str(exc.message), exc.errors)
        assert (area.state, area.version, _entries(db, area)) == before
        return
    assert area.state == expected
    assert (area.version, _entries(db, area)) == (before[1] + 1, before[2] + 1)


HOTSPOT_CASES = [
    ("detected", "watch", "police", None, "watched"),
    ("detected", "watch", "inspector", None, "not_permitted"),
    ("detected", "eliminate", "police", {"eliminated_date": "{day}"}, "invalid_event"),
    ("watched", "eliminate", "police", {"eliminated_date": "{day}"}, "eliminated"),
    ("watched", "eliminate", "police", {}, "validation_error"),
    ("eliminated", "reemerge", "inspector", {"found_date": "{day}"}, "reemerged"),
    ("eliminated", "reemerge", "police", {"found_date": "{day}"}, "reemerged"),
    ("eliminated", "watch", "police", None, "invalid_event"),
    ("reemerged", "watch", "police", None, "watched"),
]
HOTSPOT_PATHS = {
    "detected": [],
    "watched": [("watch", None)],
    "eliminated": [("watch", None), ("eliminate", {"eliminated_date": "{day}"})],
    "reemerged": [("watch", None), ("eliminate", {"eliminated_date": "{day}"}),
                  ("reemerge", {"found_date": "{day}"})],
}


@pytest.mark.parametrize(("state", "event", "role", "data", "expected"), HOTSPOT_CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[2]}-{c[4]}" for c in HOTSPOT_CASES])
def test_hotspot_outcome_table(db, hotspot, user, state, event, role, data, expected):
    record, police = hotspot("G11", found=100)
    when = ago(100)
    for step, step_data in HOTSPOT_PATHS[state]:
        when += timedelta(days=10)
        engine.fire(record, step, police, data=_fill(step_data, when) if step_data else None,
                    effective_at=when)
    before = (record.state, record.version, _entries(db, record))
    when += timedelta(days=10)
    try:
        engine.fire(record, event, user(role, "G11"), effective_at=when,
                    data=_fill(data, when) if data else None, version=record.version)
    except CaseworkError as exc:
        assert exc.code == expected, (exc.code, str(exc.message), exc.errors)
        assert (record.state, record.version, _entries(db, record)) == before
        return
    assert record.state == expected


def test_the_area_record_opens_with_the_first_event(db, tree, user):
    unit = tree["G12"]
    assert services.area_of(unit) is None and services.area_state(unit) == "unassessed"
    police = user("police", "W1")
    services.fire_area_event(unit, "classify", police, version=0,
                             data={"level": "less_complex", "assessment_date": "2025-01-02"})
    area = services.area_of(unit)
    assert (area.state, area.version) == ("less_complex", 2)
    assert [e.event for e in _history(db, area)] == ["open", "classify"]


def test_an_area_never_acted_on_refuses_other_versions_and_impossible_events(tree, user):
    police = user("police", "W1")
    with pytest.raises(CaseworkError) as caught:
        services.fire_area_event(tree["G12"], "classify", police, version=3,
                                 data={"level": "complex", "assessment_date": "2025-01-02"})
    assert caught.value.code == "stale_version"
    with pytest.raises(CaseworkError) as caught:
        services.fire_area_event(tree["G12"], "escalate", police, version=0, reason="x",
                                 data={"grounds": "x"})
    assert caught.value.code == "invalid_event"
    assert services.area_of(tree["G12"]) is None  # nothing was opened


def test_ensure_areas_opens_each_missing_record_once(db, tree, user):
    admin = user("admin", "C")
    units = [tree[c] for c in ("C", "W1", "G11", "G12")]
    assert services.ensure_areas(units, admin) == 4
    assert services.ensure_areas(units, admin) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Area)) >= 4


def _history(db, record):
    from casework.audit.services import history_of

    return history_of(record)
