"""workflow.engine.import_record: a record created in a state, with one `imported` entry."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from casework.audit.models import AuditEntry
from casework.audit.services import verify
from casework.errors import InvalidEvent, NotPermitted, ValidationFailed
from casework.people.identity import fold
from casework.people.models import Person
from casework.workflow import engine, fire
from casework.workflow.deadlines import LOCAL_TZ, add_months
from tests.imports.conftest import ago

# Version 1 (Law 73/2021) rules, with dates relative to today: version 2 judges events
# dated from 2026-07-01 (test_law120.py, test_permission_table_v2.py).
pytestmark = pytest.mark.usefixtures("law73")


def _person(unit, name="Lò Văn Nhập"):
    return Person(full_name=name, name_folded=fold(name), birth_date=date(1990, 5, 17),
                  gender="male", org_unit=unit)


def _midnight(day):
    return datetime.combine(day, datetime.min.time(), tzinfo=LOCAL_TZ)


def test_a_record_starts_in_the_imported_state_with_one_imported_entry(db, tree, officer):
    person = _person(tree["G11"])
    decided = ago(100)
    entry = engine.import_record(
        person, "managed_user", officer,
        data={"decision_no": "12/QĐ", "decision_date": decided, "external_id": "X1"},
        effective_at=_midnight(decided), reason="from the ward's list")
    assert person.state == "managed_user" and person.version == 1
    assert person.workflow_version == 1
    assert person.state_entered_at == person.last_event_at == _midnight(decided)
    # The term of management: 12 months from the imported decision date.
    assert person.due_date == add_months(decided, 12)
    assert (entry.event, entry.from_state, entry.to_state, entry.seq) == (
        "imported", None, "managed_user", 1)
    assert entry.data == {"decision_no": "12/QĐ", "decision_date": decided.isoformat(),
                          "external_id": "X1"}
    assert entry.role == "police" and entry.actor_id == officer.id
    assert entry.reason == "from the ward's list"
    assert verify().ok


def test_events_follow_the_import_in_the_same_chain(db, tree, officer, make_user):
    person = _person(tree["G11"])
    engine.import_record(person, "positive", officer, effective_at=_midnight(ago(10)))
    chair = make_user("chair", ("commune_chair", "W1"))
    fire(person, "decide_management", chair,
         data={"decision_no": "1/QĐ", "decision_date": ago(2).isoformat()},
         effective_at=_midnight(ago(2)))
    assert person.state == "managed_user" and person.version == 2
    seqs = db.session.scalars(sa.select(AuditEntry.seq).where(
        AuditEntry.record_id == person.id, AuditEntry.record_type == "person")).all()
    assert sorted(seqs) == [1, 2]
    assert verify().ok


def test_the_due_date_of_a_state_without_dates_runs_from_the_effective_date(db, tree, officer):
    person = _person(tree["G11"])
    engine.import_record(person, "suspected", officer, effective_at=_midnight(ago(3)))
    assert person.due_date == ago(3) + timedelta(days=10)


@pytest.mark.parametrize("state", ["nonsense", "new"])
def test_an_unknown_state_is_refused(db, tree, officer, state):
    with pytest.raises(InvalidEvent):
        engine.import_record(_person(tree["G11"]), state, officer)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 0


def test_every_state_of_the_person_workflow_is_reachable():
    definition = engine.get_catalog().get("person")
    assert engine.reachable_states(definition) == set(definition.states)


def test_the_actor_needs_an_opening_role_over_the_area(db, tree, make_user):
    chair = make_user("chair", ("commune_chair", "W1"))
    with pytest.raises(NotPermitted):
        engine.import_record(_person(tree["G11"]), "suspected", chair)
    police_elsewhere = make_user("p2", ("police", "W2"))
    with pytest.raises(NotPermitted):
        engine.import_record(_person(tree["G11"]), "suspected", police_elsewhere)


def test_a_future_date_and_an_open_record_are_refused(db, tree, officer):
    with pytest.raises(ValidationFailed):
        engine.import_record(_person(tree["G11"]), "suspected", officer,
                             effective_at=datetime.now(UTC) + timedelta(days=1))
    person = _person(tree["G11"])
    engine.import_record(person, "suspected", officer)
    with pytest.raises(InvalidEvent):
        engine.import_record(person, "positive", officer)


def test_many_records_in_one_go_each_with_its_own_chain(db, tree, officer):
    persons = [_person(tree["G11"], f"Người Số {i}") for i in range(5)]
    entries = engine.import_records(
        [(p, "suspected", {"external_id": f"E{i}"}, _midnight(ago(2)), None)
         for i, p in enumerate(persons)], officer)
    assert [e.record_id for e in entries] == [p.id for p in persons]
    assert {(e.seq, e.prev_hash, e.event) for e in entries} == {(1, None, "imported")}
    assert [e.data["external_id"] for e in entries] == [f"E{i}" for i in range(5)]
    assert verify().ok


def test_a_bad_record_among_many_writes_none(db, tree, officer, make_user):
    persons = [_person(tree["G11"], "Người Một"), _person(tree["G21"], "Người Hai")]
    with pytest.raises(NotPermitted):  # the officer has no role in ward W2
        engine.import_records([(p, "suspected", {}, None, None) for p in persons], officer)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 0


def test_only_first_entries_are_appended_in_bulk(db):
    from casework.audit.services import append_first_entries

    with pytest.raises(ValueError):
        append_first_entries([{"seq": 2}])
    assert append_first_entries([]) == []
