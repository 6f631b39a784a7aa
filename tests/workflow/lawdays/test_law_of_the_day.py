"""Each event is judged by the version in force on its date (WORKFLOWS.md "Versions")."""

from __future__ import annotations

from datetime import date

import pytest

from casework.audit import services as audit
from casework.errors import InvalidEvent, NotPermitted, ValidationFailed
from casework.workflow import engine
from tests.workflow.lawdays.conftest import Permit, vn


def versions_of(record):
    return [e.workflow_version for e in audit.history_of(record)]


def test_a_late_entry_follows_the_law_of_its_day(open_permit, actor):
    """Dated 2026-06-15, entered in December: version 1 (the chair grants, no term)."""
    permit = open_permit("2026-06-01")
    assert permit.workflow_version == 1 and permit.state == "pending"
    entry = engine.fire(permit, "grant", actor("commune_chair"),
                        data={"grant_date": "2026-06-15"})
    assert (entry.workflow_version, entry.from_state, entry.to_state) == (1, "pending", "active")
    assert permit.workflow_version == 1 and permit.due_date is None  # v1's active: no term


def test_an_event_after_the_change_follows_the_new_law(open_permit, actor):
    """A record opened under version 1 and acted on in July: its state is read as version
    2's (`from_previous`), the police grant, and the term is version 2's."""
    permit = open_permit("2026-06-01")
    entry = engine.fire(permit, "grant", actor("police"), data={"grant_date": "2026-07-02"})
    assert (entry.workflow_version, entry.from_state, entry.to_state) == (2, "pending", "active")
    assert permit.workflow_version == 2 and permit.due_date == date(2028, 7, 2)
    assert versions_of(permit) == [1, 2]


def test_a_refusal_names_the_law_that_applies(open_permit, actor):
    permit = open_permit("2026-06-01")
    with pytest.raises(NotPermitted) as refused:
        engine.fire(permit, "grant", actor("police"), data={"grant_date": "2026-06-15"})
    assert "Luật thử 73" in str(refused.value.message)
    assert "15/06/2026" in str(refused.value.message)
    # Under today's law the chair no longer grants: refused as any other role, no law named.
    with pytest.raises(NotPermitted) as today:
        engine.fire(permit, "grant", actor("commune_chair"), data={"grant_date": "2026-07-02"})
    assert "Luật thử" not in str(today.value.message)


def test_an_event_the_old_law_did_not_know(open_permit, actor, db):
    permit = open_permit("2026-06-01")
    engine.fire(permit, "grant", actor("commune_chair"), data={"grant_date": "2026-06-10"})
    with pytest.raises(InvalidEvent) as refused:
        engine.fire(permit, "suspend", actor("police"), effective_at=vn("2026-06-20"))
    assert "Luật thử 73" in str(refused.value.message)
    entry = engine.fire(permit, "suspend", actor("police"), effective_at=vn("2026-07-20"))
    assert entry.workflow_version == 2


@pytest.mark.parametrize(("moment", "version"), [
    ("2026-06-30", 1),
    ("2026-07-01", 2),
    ("2026-06-30T16:59:59Z", 1),   # 23:59:59 on 30 June in Vietnam
    ("2026-06-30T17:00:00Z", 2),   # 00:00 on 1 July in Vietnam
    ("2026-06-30T23:30:00+07:00", 1),
    ("2026-07-01T00:00:01+07:00", 2),
])
def test_the_boundary_is_vietnam_midnight(open_permit, actor, moment, version):
    permit = open_permit("2026-06-01")
    entry = engine.fire(permit, "note", actor("police"), effective_at=vn(moment))
    assert entry.workflow_version == version == permit.workflow_version


def test_a_history_mixing_both_versions_verifies(open_permit, actor, db):
    permit = open_permit("2026-06-01")
    police = actor("police")
    engine.fire(permit, "note", police, effective_at=vn("2026-06-30T16:59:59Z"))
    engine.fire(permit, "note", police, effective_at=vn("2026-06-30T17:00:00Z"))
    engine.fire(permit, "grant", police, data={"grant_date": "2026-07-01"})
    engine.fire(permit, "close", police, effective_at=vn("2026-08-01"))
    db.session.flush()
    assert versions_of(permit) == [1, 1, 2, 2, 2]
    assert permit.state == "closed" and permit.workflow_version == 2
    report = audit.verify([Permit])
    assert report.ok, report


def test_nothing_before_the_first_law(permits, tree, actor):
    record = Permit(org_unit=tree["G11"])
    with pytest.raises(ValidationFailed) as refused:
        engine.open_record(record, actor("police"), effective_at=vn("2021-12-31T16:59:59Z"))
    message = refused.value.errors["effective_at"][0]
    assert "31/12/2021" in message and "Luật thử 73" in message and "01/01/2022" in message
    # One second later it is 1 January 2022 in Vietnam: version 1 applies.
    engine.open_record(record, actor("police"), effective_at=vn("2021-12-31T17:00:00Z"))
    assert record.workflow_version == 1


def test_buttons_use_the_law_of_today(open_permit, actor):
    permit = open_permit("2026-06-01")  # in `pending`, a state version 2 calls `waiting`
    police, chair = actor("police"), actor("commune_chair")
    assert "grant" in [o.name for o in engine.available_events(permit, police)]
    assert "grant" not in [o.name for o in engine.available_events(permit, chair)]
    option = next(o for o in engine.available_events(permit, police) if o.name == "grant")
    [basis] = option.provenances
    assert basis.basis == "Luật thử 120 Điều 4" and basis.verified is False


def test_new_records_open_under_the_law_of_their_day(open_permit):
    assert open_permit("2026-06-30").state == "pending"
    late = open_permit("2026-07-01")
    assert (late.state, late.workflow_version) == ("waiting", 2)
