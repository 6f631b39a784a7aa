"""The audit log: one hash chain per record, verified, and tampering found."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from casework.audit import services as audit
from casework.audit.models import AuditEntry
from casework.workflow.registry import registry
from tests.conftest import is_postgres

pytestmark = pytest.mark.usefixtures("records")


@pytest.fixture
def walked(reach):
    """A person with 7 entries and an area with 2."""
    person, _ = reach("person", "post_rehab")
    area, _ = reach("area", "complex", unit="W1")
    return person, area


def _tamper(db, sql: str, **params) -> None:
    """Change the log behind the engine's back (on PostgreSQL past the append-only trigger)."""
    if is_postgres():
        db.session.execute(sa.text("SET LOCAL session_replication_role = replica"))
    else:  # rows made by effects point at entries; the test's rollback restores them
        db.session.execute(sa.text("PRAGMA defer_foreign_keys = ON"))
    db.session.execute(sa.text(sql), params)
    if is_postgres():
        db.session.execute(sa.text("SET LOCAL session_replication_role = origin"))
    db.session.expire_all()


def _verify():
    return audit.verify(registry.record_types.values())


def test_every_event_is_one_chained_entry(db, walked):
    person, area = walked
    entries = audit.history_of(person)
    assert [e.seq for e in entries] == list(range(1, person.version + 1))
    assert entries[0].event == "open" and entries[0].prev_hash is None
    assert entries[0].from_state is None and entries[0].to_state == "suspected"
    assert len(entries) >= 5, "the walk must make several links for the chain to be checked"
    for before, after in zip(entries, entries[1:], strict=False):
        assert after.prev_hash == before.hash
        assert after.from_state == before.to_state
    assert entries[-1].to_state == person.state
    last = entries[-1]
    assert last.role == "health" and last.actor_name.startswith("health.")
    assert last.org_unit.code == "G11"
    # The effect's derived term length is logged with the event's own data.
    assert last.data == {"stop_date": last.data["stop_date"], "outcome": "completed",
                         "post_rehab_months": 12}
    report = _verify()
    assert report.ok and report.chains >= 2 and report.entries >= person.version + area.version


def test_the_hash_is_stable_after_a_round_trip(db, walked):
    person, _ = walked
    db.session.commit()
    db.session.expire_all()
    entries = audit.history_of(person)
    assert len(entries) >= 5, "no entries: the round trip would be checked on nothing"
    for entry in entries:
        assert audit.compute_hash(entry) == entry.hash


def test_verify_command_passes_then_fails_on_tampering(app, db, walked):
    person, _ = walked
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "OK:" in result.output

    _tamper(db, "UPDATE audit_entries SET reason = 'changed' WHERE record_type = 'person' "
                "AND record_id = :id AND seq = 3", id=person.id)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"person #{person.id} entry 3" in result.output
    assert "was altered" in result.output


@pytest.mark.parametrize("column", ["data", "effective_at", "actor_name", "to_state"])
def test_any_altered_field_is_found(db, walked, column):
    person, _ = walked
    values = {
        "data": '{"outcome": "terminated"}',
        "effective_at": "2001-01-01 00:00:00",
        "actor_name": "someone.else",
        "to_state": "exited",
    }
    _tamper(db, f"UPDATE audit_entries SET {column} = :v WHERE record_type = 'person' "
                "AND record_id = :id AND seq = 2", v=values[column], id=person.id)
    report = _verify()
    assert [(b.record_id, b.seq) for b in report.breaks] == [(person.id, 2)]


def test_a_removed_entry_is_found(db, walked):
    person, _ = walked
    _tamper(db, "DELETE FROM audit_entries WHERE record_type = 'person' AND record_id = :id "
                "AND seq = 4", id=person.id)
    report = _verify()
    assert not report.ok
    assert any(b.seq == 5 and "missing or out of order" in b.problem for b in report.breaks)
    assert any(b.seq == 5 and "prev_hash" in b.problem for b in report.breaks)


def test_a_removed_last_entry_is_found_from_the_record_version(db, walked):
    person, _ = walked
    _tamper(db, "DELETE FROM audit_entries WHERE record_type = 'person' AND record_id = :id "
                "AND seq = :seq", id=person.id, seq=person.version)
    report = _verify()
    assert [str(b) for b in report.breaks] == [
        f"person #{person.id}: the record is at version {person.version} but its chain ends "
        f"at entry {person.version - 1}: entries were removed"
    ]


def test_reordered_entries_are_found(db, walked):
    person, _ = walked
    # Swap entries 2 and 3 (through 1002 and 1003, past the unique constraint).
    _tamper(db, "UPDATE audit_entries SET seq = seq + 1000 WHERE record_type = 'person' "
                "AND record_id = :id AND seq IN (2, 3)", id=person.id)
    _tamper(db, "UPDATE audit_entries SET seq = CASE seq WHEN 1002 THEN 3 ELSE 2 END "
                "WHERE record_type = 'person' AND record_id = :id AND seq IN (1002, 1003)",
            id=person.id)
    report = _verify()
    assert {b.seq for b in report.breaks} >= {2, 3}


def test_a_rewritten_chain_still_breaks_at_the_record(db, walked):
    """Even re-hashing a changed entry does not help: the next entry's prev_hash differs."""
    person, _ = walked
    entry = db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.record_type == "person", AuditEntry.record_id == person.id,
        AuditEntry.seq == 2))
    entry.reason = "rewritten"
    new_hash = audit.compute_hash(entry)
    db.session.expire(entry)
    _tamper(db, "UPDATE audit_entries SET reason = 'rewritten', hash = :h WHERE id = :id",
            h=new_hash, id=entry.id)
    report = _verify()
    assert [(b.seq, "prev_hash" in b.problem) for b in report.breaks] == [(3, True)]


@pytest.mark.postgres
@pytest.mark.parametrize("statement", [
    "UPDATE audit_entries SET reason = 'x'",
    "DELETE FROM audit_entries",
    "TRUNCATE audit_entries CASCADE",
])
def test_postgresql_refuses_update_and_delete(db, walked, statement):
    if not is_postgres():
        pytest.skip("the append-only trigger exists on PostgreSQL only")
    from sqlalchemy.exc import DBAPIError

    savepoint = db.session.begin_nested()
    with pytest.raises(DBAPIError) as caught:
        db.session.execute(sa.text(statement))
    assert "append-only" in str(caught.value)
    savepoint.rollback()
    assert _verify().ok
