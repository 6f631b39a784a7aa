"""Every change to a plan leaves one entry in the plan's hash chain of the audit log
(audit.changes), verified by `casework audit verify` and shown on the plan page."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from casework.audit import services as audit
from casework.audit.models import AuditEntry
from casework.plans.models import Plan
from tests.audit.test_chain import _tamper
from tests.plans.test_editing import PLAN


def entries(db, plan_id: int) -> list[AuditEntry]:
    db.session.expire_all()
    return audit.history("plan", plan_id)


@pytest.fixture
def chair(api_as):
    return api_as(("commune_chair", "W1"))


@pytest.fixture
def plan_id(chair):
    created = chair.post("/api/v1/plans", json=PLAN)
    assert created.status_code == 201, created.get_json()
    return created.get_json()["id"]


def test_creating_a_plan_is_its_first_entry(db, plan_id, tree):
    (entry,) = entries(db, plan_id)
    assert (entry.seq, entry.event, entry.prev_hash) == (1, "create", None)
    assert entry.workflow is None and entry.from_state is None and entry.to_state is None
    assert entry.actor_name.startswith("api") and entry.role == "commune_chair"
    assert entry.org_unit_id == tree["W1"].id
    changes = entry.data["changes"]
    assert changes["title"] == {"after": PLAN["title"]}
    assert changes["start_date"] == {"after": "2026-01-01"}
    assert [p["name"] for p in changes["phases"]["after"]] == ["Giai đoạn 1", "Giai đoạn 2"]
    assert "number" not in changes  # empty fields are left out


def test_an_update_logs_only_what_changed(db, chair, plan_id):
    edited = chair.put(f"/api/v1/plans/{plan_id}", json={
        **PLAN, "title": "Kế hoạch đã sửa", "targets": PLAN["targets"][:1]})
    assert edited.status_code == 200
    create, update = entries(db, plan_id)
    assert update.seq == 2 and update.event == "update" and update.prev_hash == create.hash
    changes = update.data["changes"]
    assert set(changes) == {"title", "targets"}
    assert changes["title"] == {"before": PLAN["title"], "after": "Kế hoạch đã sửa"}
    assert len(changes["targets"]["before"]) == 2 and len(changes["targets"]["after"]) == 1


def test_a_refused_edit_leaves_no_entry(db, chair, plan_id):
    bad = chair.put(f"/api/v1/plans/{plan_id}", json={**PLAN, "end_date": "2025-01-01"})
    assert bad.status_code == 422
    outsider = chair.put(f"/api/v1/plans/{plan_id}",
                         json={**PLAN, "targets": [{**PLAN["targets"][0], "org_unit": "G21"}]})
    assert outsider.status_code == 422
    assert [e.event for e in entries(db, plan_id)] == ["create"]


def test_each_page_edit_leaves_one_entry(db, page_as, plan_id):
    page = page_as("commune_chair", "W1")
    plan = db.session.get(Plan, plan_id)
    assert page.post(f"/plans/{plan_id}/phases", data={
        "name": "Giai đoạn 3", "start_date": "2026-12-01", "end_date": "2026-12-31"},
    ).status_code == 302
    assert page.post(f"/plans/{plan_id}/targets", data={
        "label": "5 buổi", "metric": "awareness_sessions", "org_unit": "W1", "value": "5",
        "unit": "count", "deadline": "2026-12-31"}).status_code == 302
    db.session.refresh(plan)
    target_id, target_label = plan.targets[0].id, plan.targets[0].label
    assert page.post(f"/plans/{plan_id}/targets/{target_id}/delete").status_code == 302
    sent = page.post(f"/plans/{plan_id}/reports/phase/1/submitted")
    assert sent.status_code == 302
    page.post(f"/plans/{plan_id}/reports/phase/1/submitted")  # again: nothing changes
    log = entries(db, plan_id)
    assert [e.event for e in log] == ["create", "add_phase", "add_target", "remove_target",
                                      "mark_report_sent"]
    assert [e.seq for e in log] == [1, 2, 3, 4, 5]
    add_phase, add_target, remove, report = log[1:]
    assert add_phase.data["changes"]["phase"]["after"]["name"] == "Giai đoạn 3"
    assert add_target.data["changes"]["target"]["after"]["label"] == "5 buổi"
    assert set(remove.data["changes"]["target"]) == {"before"}  # removed: no "after"
    assert remove.data["changes"]["target"]["before"]["label"] == target_label
    assert report.data["changes"] == {"report_sent": {"after": {"kind": "phase",
                                                                "period": "1"}}}
    assert all(e.role == "commune_chair" and e.actor_name.startswith("commune_chair")
               for e in log[1:])


def test_creating_from_the_page_is_logged_too(db, page_as):
    page = page_as("police", "W1")
    response = page.post("/plans/new", data={
        "code": "KH-WEB", "title": "Kế hoạch lập trên web", "org_unit": "W1",
        "start_date": "2026-01-01", "end_date": "2026-12-31"})
    assert response.status_code == 302
    plan = db.session.scalar(sa.select(Plan).where(Plan.code == "KH-WEB"))
    (entry,) = entries(db, plan.id)
    assert entry.event == "create" and entry.role == "police"


def test_a_reader_of_the_plan_sees_its_history_without_the_edit_form(db, chair, plan_id,
                                                                      page_as):
    chair.put(f"/api/v1/plans/{plan_id}", json={**PLAN, "title": "Kế hoạch đã sửa"})
    text = page_as("viewer", "W1").get(f"/plans/{plan_id}").get_data(as_text=True)
    history = text.split('id="history"', 1)[1].split("</section>", 1)[0]
    assert "Lịch sử thay đổi" in history
    assert "Lập kế hoạch" in history and "Sửa kế hoạch" in history
    assert "<del>" + PLAN["title"] + "</del> → Kế hoạch đã sửa" in history
    assert "Chủ tịch UBND" in history  # the role it was done in
    assert 'id="edit"' not in text


def test_verify_stays_green_and_finds_tampering_with_a_plan_entry(app, db, chair, plan_id):
    chair.put(f"/api/v1/plans/{plan_id}", json={**PLAN, "title": "Kế hoạch đã sửa"})
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    _tamper(db, "UPDATE audit_entries SET data = :d WHERE record_type = 'plan' "
                "AND record_id = :id AND seq = 2",
            d='{"changes": {}}', id=plan_id)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"plan #{plan_id} entry 2" in result.output and "was altered" in result.output


def test_the_log_refuses_half_workflow_entries(db, tree):
    """A workflow event names its workflow, version and state; a change names none."""
    from casework.db import utcnow

    savepoint = db.session.begin_nested()
    with pytest.raises(IntegrityError):
        audit.append_entry(workflow="person", workflow_version=1, record_type="plan",
                           record_id=999, seq=1, event="update", to_state=None,
                           org_unit_id=tree["W1"].id, data={}, effective_at=utcnow())
    savepoint.rollback()
