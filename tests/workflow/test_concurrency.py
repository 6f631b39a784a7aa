"""Two sessions fire on the same record with the same version: one wins, one is stale.

This needs real commits seen by two connections, so it runs in a schema of its own
(migrated from scratch and dropped afterwards), outside the per-test rolled-back transaction.
"""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from casework.audit.models import AuditEntry
from casework.auth import services as auth_services
from casework.errors import StaleVersion
from casework.extensions import db as _db
from casework.orgunits.services import create_orgunit
from casework.workflow import engine
from tests.conftest import TEST_DB_URL, is_postgres, make_test_app
from tests.workflow import records as stand_ins
from tests.workflow.records import HotspotRecord

pytestmark = pytest.mark.postgres


@pytest.fixture
def own_schema_app(tmp_path):
    if not is_postgres():
        pytest.skip("row locks and concurrent sessions are tested on PostgreSQL only")
    from casework.migrating import upgrade_schema

    schema = f"cw_conc_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(TEST_DB_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    app = make_test_app(
        TEST_DB_URL, tmp_path,
        SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"options": f"-csearch_path={schema}"}},
    )
    try:
        with app.app_context():
            upgrade_schema()
            with _db.engine.begin() as conn:
                stand_ins.TestBase.metadata.create_all(conn, tables=[HotspotRecord.__table__])
        yield app
    finally:
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def test_same_version_twice_one_wins_one_is_stale(own_schema_app):
    app = own_schema_app
    with app.app_context():
        city = create_orgunit("CC", "Thành phố", "city", None)
        ward = create_orgunit("CW", "Phường", "ward", city)
        group = create_orgunit("CG", "Tổ 1", "residential_group", ward)
        officers = []
        for name in ("police.a", "police.b"):
            user = auth_services.create_user(name, "correct horse battery")
            auth_services.grant_role(user, "police", ward)
            officers.append(user.id)
        hotspot = HotspotRecord(org_unit=group)
        engine.open_record(hotspot, _db.session.get(type(user), officers[0]),
                           effective_at=datetime.now(UTC) - timedelta(days=3))
        _db.session.commit()
        record_id, version = hotspot.id, hotspot.version
        _db.session.remove()

    both_loaded = threading.Barrier(2, timeout=10)
    outcomes: dict[int, object] = {}

    def act(index: int) -> None:
        with app.app_context():
            try:
                record = _db.session.get(HotspotRecord, record_id)
                actor = _db.session.get(auth_services.User, officers[index])
                assert record.version == version
                both_loaded.wait()  # both have read the same version before either writes
                engine.fire(record, "watch", actor, version=version)
                _db.session.commit()
                outcomes[index] = "won"
            except StaleVersion as exc:
                _db.session.rollback()
                outcomes[index] = exc
            except BaseException as exc:  # reported below
                _db.session.rollback()
                outcomes[index] = exc
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=act, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(map(str, outcomes)) == ["0", "1"], outcomes
    won = [i for i, o in outcomes.items() if o == "won"]
    stale = [o for o in outcomes.values() if isinstance(o, StaleVersion)]
    assert len(won) == 1 and len(stale) == 1, outcomes
    assert stale[0].code == "stale_version" and stale[0].status == 409

    with app.app_context():
        record = _db.session.get(HotspotRecord, record_id)
        assert record.state == "watched" and record.version == version + 1
        entries = _db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.record_id == record_id)
            .order_by(AuditEntry.seq)).all()
        assert [e.seq for e in entries] == [1, 2]
        assert entries[1].actor_id == officers[won[0]]
