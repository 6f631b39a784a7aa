"""How fire() writes: through the session's unit of work, one INSERT of the entry and one
UPDATE of the record with its version check (``version_id_col``), and nothing else.
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from casework.audit import services as audit
from casework.audit.models import AuditEntry
from casework.errors import StaleVersion
from casework.workflow import engine
from tests.workflow.conftest import days_ago


@contextmanager
def writes(db):
    """The INSERT, UPDATE and DELETE statements (WITH ... too) sent while the block runs."""
    seen: list[str] = []

    def listener(conn, cursor, statement, params, context, executemany):
        if not statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement.lstrip())

    sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listener)


def _entries(db, record) -> list[AuditEntry]:
    return list(db.session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.record_type == record.__record_type__,
               AuditEntry.record_id == record.id)
        .order_by(AuditEntry.seq)))


def test_an_event_writes_its_entry_and_the_record_once_and_leaves_it_clean(
        open_record, actor, db):
    hotspot = open_record("hotspot", at=days_ago(3))
    police = actor("police")
    model = type(hotspot)
    version = hotspot.version
    first = _entries(db, hotspot)[0]
    with writes(db) as seen:
        entry = engine.fire(hotspot, "watch", police, version=version)
        db.session.flush()  # nothing is left for a flush to write
    # One flush: the entry's INSERT and the record's UPDATE ... WHERE version = <read>.
    assert sorted(s.split()[0] for s in seen) == ["INSERT", "UPDATE"]
    assert any(s.startswith("INSERT INTO audit_entries") for s in seen)
    update = next(s for s in seen if s.startswith("UPDATE test_hotspot_records"))
    assert "version" in update.split("WHERE", 1)[1]
    # The record: moved, one version on, clean as after a flush.
    assert hotspot.state == "watched" and hotspot.version == version + 1 == entry.seq
    assert not db.session.dirty and not sa.inspect(hotspot).modified
    row = db.session.execute(sa.select(model.state, model.version, model.last_event_at)
                             .where(model.id == hotspot.id)).one()
    assert tuple(row) == ("watched", version + 1, hotspot.last_event_at)
    # The entry: persistent in the session, chained, its hash that of the stored row.
    assert sa.inspect(entry).persistent and entry in db.session
    assert entry.prev_hash == first.hash and hotspot.audit_tip == entry.hash
    db.session.expire(entry)
    assert audit.compute_hash(entry) == entry.hash
    assert entry.actor.username.startswith("police.")  # its relationships load as usual
    assert audit.verify([model]).ok


def test_a_row_moved_on_by_another_writer_makes_the_event_stale(open_record, actor, db):
    hotspot = open_record("hotspot", at=days_ago(3))
    police = actor("police")
    assert hotspot.version == 1 and hotspot.audit_tip is not None  # as read
    table = type(hotspot).__table__
    # Another transaction moved the row on after this one read it.
    db.session.execute(table.update().where(table.c.id == hotspot.id)
                       .values(version=table.c.version + 1))
    savepoint = db.session.begin_nested()
    with pytest.raises(StaleVersion):
        engine.fire(hotspot, "watch", police)
    savepoint.rollback()  # as the request does: nothing of the refused event is kept
    assert [e.seq for e in _entries(db, hotspot)] == [1]
    row = db.session.execute(sa.select(table.c.state, table.c.version)
                             .where(table.c.id == hotspot.id)).one()
    assert tuple(row) == ("detected", 2)


def test_an_event_that_changes_more_than_the_engine_columns_is_written_by_a_flush(reach, db):
    record, driver = reach("person", "addict", unit="G11")
    version = record.version
    with writes(db) as seen:
        entry = driver.fire(record, "transfer", "police", data={"to_area_code": "G12"})
    assert record.org_unit.code == "G12"
    assert len([s for s in seen if s.startswith("UPDATE persons")]) == 1
    assert record.version == version + 1 == entry.seq
    assert not db.session.dirty
    assert audit.verify([type(record)]).ok


def test_a_rolled_back_savepoint_takes_the_record_back(open_record, actor, db):
    """As after a flush, the session knows the record changed in the savepoint (dry runs)."""
    hotspot = open_record("hotspot", at=days_ago(3))
    police = actor("police")
    savepoint = db.session.begin_nested()
    engine.fire(hotspot, "watch", police)
    assert hotspot.state == "watched"
    savepoint.rollback()
    assert (hotspot.state, hotspot.version) == ("detected", 1)
    assert [e.seq for e in _entries(db, hotspot)] == [1]
