"""Plans are data users create and edit, validated, within their scope."""

from __future__ import annotations

PLAN = {
    "code": "KH-01", "title": "Kế hoạch xây dựng phường Một không có ma túy",
    "org_unit": "W1", "start_date": "2026-01-01", "end_date": "2026-12-31",
    "six_month_report_due": "06-10", "annual_report_due": "12-10",
    "phases": [{"name": "Giai đoạn 1", "start_date": "2026-01-01", "end_date": "2026-06-30",
                "report_due": "2026-07-05"},
               {"name": "Giai đoạn 2", "start_date": "2026-07-01", "end_date": "2026-12-31"}],
    "targets": [{"label": "10 buổi tuyên truyền", "metric": "awareness_sessions",
                 "org_unit": "W1", "value": 10, "unit": "count", "phase": 2},
                {"label": "100% người nghiện được quản lý", "metric": "addicts_managed_pct",
                 "org_unit": "G11", "value": 100, "unit": "percent",
                 "deadline": "2026-12-31"}],
}


def test_create_then_edit_a_plan(api_as):
    api = api_as(("commune_chair", "W1"))
    created = api.post("/api/v1/plans", json=PLAN)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert [p["name"] for p in body["phases"]] == ["Giai đoạn 1", "Giai đoạn 2"]
    assert [t["metric"] for t in body["targets"]] == ["awareness_sessions",
                                                      "addicts_managed_pct"]
    assert body["targets"][0]["phase"] == 2 and body["targets"][0]["due"] == "2026-12-31"
    edited = api.put(f"/api/v1/plans/{body['id']}", json={
        **PLAN, "title": "Kế hoạch đã sửa", "targets": PLAN["targets"][:1]})
    assert edited.status_code == 200, edited.get_json()
    assert edited.get_json()["title"] == "Kế hoạch đã sửa"
    assert len(edited.get_json()["targets"]) == 1


def test_bad_plans_are_refused_with_field_errors(api_as):
    api = api_as(("commune_chair", "W1"))
    cases = {
        "metric": {**PLAN, "targets": [{**PLAN["targets"][0], "metric": "happiness"}]},
        "unit": {**PLAN, "targets": [{**PLAN["targets"][0], "unit": "percent"}]},
        "deadline": {**PLAN, "targets": [{**PLAN["targets"][1], "deadline": None}]},
        "end_date": {**PLAN, "end_date": "2025-01-01"},
        "phase": {**PLAN, "targets": [{**PLAN["targets"][0], "phase": 5}]},
        "org_unit": {**PLAN, "targets": [{**PLAN["targets"][0], "org_unit": "G21"}]},
        "six_month_report_due": {**PLAN, "six_month_report_due": "10/6"},
    }
    for field, body in cases.items():
        response = api.post("/api/v1/plans", json=body)
        assert response.status_code == 422, (field, response.get_json())
        assert field in str(response.get_json()["errors"]), (field, response.get_json())
    assert api.get("/api/v1/plans").get_json()["items"] == []


def test_only_planning_roles_over_the_unit_may_write(api_as):
    assert api_as(("viewer", "W1")).post("/api/v1/plans", json=PLAN).status_code == 403
    assert api_as(("health", "W1")).post("/api/v1/plans", json=PLAN).status_code == 403
    outside = api_as(("commune_chair", "W2")).post("/api/v1/plans", json=PLAN)
    assert outside.status_code == 422  # W1 is not even visible to them
    api = api_as(("commune_chair", "W1"))
    assert api.post("/api/v1/plans", json=PLAN).status_code == 201
    duplicate = api.post("/api/v1/plans", json=PLAN)
    assert duplicate.status_code == 422 and "code" in duplicate.get_json()["errors"]


def test_create_a_plan_and_add_a_phase_and_a_target_from_the_pages(page_as, db):
    import sqlalchemy as sa

    from casework.plans.models import Plan

    page = page_as("commune_chair", "W1")
    form = {"code": "KH-WEB", "title": "Kế hoạch lập trên web", "org_unit": "W1",
            "start_date": "2026-01-01", "end_date": "2026-12-31"}
    bad = page.post("/plans/new", data={**form, "end_date": "2025-01-01"})
    assert bad.status_code == 422
    assert "Ngày kết thúc không được trước ngày bắt đầu." in bad.get_data(as_text=True)
    created = page.post("/plans/new", data=form)
    assert created.status_code == 302
    plan = db.session.scalar(sa.select(Plan).where(Plan.code == "KH-WEB"))
    page.post(f"/plans/{plan.id}/phases", data={"name": "Giai đoạn 1", "start_date": "2026-01-01",
                                                "end_date": "2026-06-30"})
    page.post(f"/plans/{plan.id}/targets", data={
        "label": "10 buổi tuyên truyền", "metric": "awareness_sessions", "org_unit": "W1",
        "value": "10", "unit": "count", "phase": "1"})
    refused = page.post(f"/plans/{plan.id}/targets", data={
        "label": "x", "metric": "awareness_sessions", "org_unit": "W1", "value": "10",
        "unit": "percent", "phase": "1"}, follow_redirects=True)
    assert "flash-error" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert [p.name for p in plan.phases] == ["Giai đoạn 1"]
    assert [t.label for t in plan.targets] == ["10 buổi tuyên truyền"]
    html = page.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert "10 buổi tuyên truyền" in html and 'id="edit"' in html
    assert 'id="edit"' not in page_as("viewer", "W1").get(f"/plans/{plan.id}").get_data(
        as_text=True)
