"""Two city approvers approve the same request at once: exactly one wins.

Real commits on two connections, so this runs in a schema of its own (migrated from scratch
and dropped afterwards), outside the per-test rolled-back transaction.
"""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from casework.areas import services as areas
from casework.areas.models import AreaFact
from casework.audit.models import AuditEntry
from casework.auth import services as auth_services
from casework.extensions import db as _db
from casework.orgunits.services import create_orgunit
from casework.recognition import services as recognition
from casework.recognition.models import RecognitionRequest
from casework.workflow import engine
from casework.workflow.deadlines import local_date
from tests.areas.conftest import all_met
from tests.clock import vn_today
from tests.conftest import PASSWORD, TEST_DB_URL, get_token, is_postgres, make_test_app

pytestmark = pytest.mark.postgres


@pytest.fixture
def own_schema_app(tmp_path):
    if not is_postgres():
        pytest.skip("concurrent approvals are tested on PostgreSQL only (row locks)")
    from casework.migrating import upgrade_schema

    schema = f"cw_appr_{uuid.uuid4().hex[:8]}"
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
        yield app
    finally:
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def _endorsed_request(app) -> tuple[int, int]:
    """A request of group G endorsed and committed; returns (request id, version)."""
    with app.app_context():
        city = create_orgunit("AC", "Thành phố", "city", None)
        ward = create_orgunit("AW", "Phường", "ward", city)
        group = create_orgunit("AG", "Tổ 1", "residential_group", ward)
        users = {}
        for name, role, unit in (("police", "police", ward), ("inspector", "inspector", city),
                                 ("steering", "steering_committee", city),
                                 # The approvers of a group today (WORKFLOWS.md §11).
                                 ("city.a", "commune_chair", ward),
                                 ("city.b", "commune_chair", ward)):
            users[name] = auth_services.create_user(name, PASSWORD)
            auth_services.grant_role(users[name], role, unit)
        start = datetime.now(UTC) - timedelta(days=60)
        _db.session.add_all([
            AreaFact(kind="household_tally", org_unit=group, households_total=50,
                     households_signed=50, as_of=start.date()),
            AreaFact(kind="hotline_board", org_unit=group, present=True,
                     verified_on=start.date()),
            AreaFact(kind="prevention_model", org_unit=ward, name="Tổ tự quản",
                     started_on=start.date()),
        ])
        areas.fire_area_event(group, "classify", users["police"], version=0,
                              data={"level": "less_complex",
                                    "assessment_date": local_date(start).isoformat()},
                              effective_at=start)
        request = recognition.open_request(group, users["police"],
                                           effective_at=start + timedelta(days=1))
        # Each step on its own date: an event is not effective before its own date (§8).
        def day(n):
            return local_date(start + timedelta(days=n)).isoformat()

        for event, who, data, days in (
            ("submit", "police", {"self_assessment": all_met()}, 2),
            ("evaluate", "inspector", {"inspection_date": day(3), "minutes_no": "BB-1",
                                       "verdicts": all_met()}, 3),
            ("endorse", "steering", {"meeting_date": day(4)}, 4),
        ):
            engine.fire(request, event, users[who], data=data,
                        effective_at=start + timedelta(days=days))
        _db.session.commit()
        found = (request.id, request.version)
        _db.session.remove()
        return found


def test_two_approvers_at_once_exactly_one_wins(own_schema_app, monkeypatch):
    app = own_schema_app
    request_id, version = _endorsed_request(app)
    tokens = [get_token(app, name) for name in ("city.a", "city.b")]  # two ward chairs

    # Both requests have loaded the request (same version) before either writes.
    both_loaded = threading.Barrier(2, timeout=10)
    real_fire = recognition.fire_request_event

    def fire_after_both_loaded(*args, **kwargs):
        both_loaded.wait()
        return real_fire(*args, **kwargs)

    monkeypatch.setattr(recognition, "fire_request_event", fire_after_both_loaded)
    today = vn_today().isoformat()
    answers: dict[int, object] = {}

    def approve(index: int) -> None:
        try:
            response = app.test_client().post(
                f"/api/v1/recognition-requests/{request_id}/transitions",
                headers={"Authorization": f"Bearer {tokens[index]}"},
                json={"event": "approve", "version": version,
                      "data": {"decision_no": f"{index + 1}/QĐ-UBND", "decision_date": today}})
            answers[index] = (response.status_code, response.get_json())
        except BaseException as exc:  # reported below
            answers[index] = exc

    threads = [threading.Thread(target=approve, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    statuses = sorted(a[0] for a in answers.values() if isinstance(a, tuple))
    assert statuses == [200, 409], answers
    loser = next(a[1] for a in answers.values() if a[0] == 409)
    assert loser["code"] == "stale_version"
    winner = next(i for i, a in answers.items() if a[0] == 200)

    with app.app_context():
        request = _db.session.get(RecognitionRequest, request_id)
        assert request.state == "approved" and request.version == version + 1
        assert request.decision_no == f"{winner + 1}/QĐ-UBND"
        assert request.area.state == "drug_free"
        events = _db.session.scalars(
            sa.select(AuditEntry.event).where(AuditEntry.record_type == "area",
                                              AuditEntry.record_id == request.area_id)
            .order_by(AuditEntry.seq)).all()
        assert events == ["open", "classify", "recognize"]  # recognised once
        approvals = _db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
            AuditEntry.record_type == "recognition", AuditEntry.event == "approve"))
        assert approvals == 1
