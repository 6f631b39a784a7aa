"""Impossible dates are refused everywhere with a 422 that names the field, never a 500:
plans, report periods, criteria ``as_of``, facts. The limits are 1900-01-01..2100-12-31."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from casework.areas.models import AreaFact
from casework.plans.models import Plan
from casework.workflow.deadlines import today_local
from tests.plans.test_editing import PLAN


def count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def plan(**fields) -> dict:
    return {**PLAN, "phases": [], "targets": [], **fields}


@pytest.mark.parametrize(("fields", "field"), [
    ({"start_date": "0001-01-01", "end_date": "9999-12-31"}, "start_date"),
    ({"start_date": "1899-12-31"}, "start_date"),
    ({"end_date": "2101-01-01"}, "end_date"),
    ({"start_date": "2000-01-01", "end_date": "2021-01-01"}, "end_date"),  # 21 years
    ({"issued_on": "0001-01-01"}, "issued_on"),
    ({"six_month_report_due": "02-30"}, "six_month_report_due"),
    ({"annual_report_due": "02-29"}, "annual_report_due"),
    ({"annual_report_due": "06-10\n"}, "annual_report_due"),
    ({"code": "KH-01\n"}, "code"),
    ({"phases": [{"name": "GĐ", "start_date": "0001-01-01", "end_date": "2026-01-01"}]},
     "phases"),
    ({"targets": [{**PLAN["targets"][1], "deadline": "9999-12-31"}]}, "targets"),
    ({"targets": [{**PLAN["targets"][0], "phase": None, "deadline": "2026-12-31",
                   "out_of": 2**31}]}, "targets"),
])
def test_impossible_plans_are_refused(api_as, db, fields, field):
    api = api_as(("commune_chair", "W1"))
    response = api.post("/api/v1/plans", json=plan(**fields))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"], response.get_json()
    assert count(db, Plan) == 0


@pytest.mark.parametrize(("start", "end"), [("1900-01-01", "1919-12-31"),
                                            ("2081-01-01", "2100-12-31")])
def test_plans_at_the_edges_of_the_range_are_accepted(api_as, start, end):
    api = api_as(("commune_chair", "W1"))
    response = api.post("/api/v1/plans", json=plan(start_date=start, end_date=end,
                                                   six_month_report_due=None,
                                                   annual_report_due="12-10"))
    assert response.status_code == 201, response.get_json()


def test_the_plan_form_refuses_year_one(page_as, db):
    page = page_as("commune_chair", "W1")
    response = page.post("/plans/new", data={"code": "KH-9", "title": "x", "org_unit": "W1",
                                             "start_date": "0001-01-01",
                                             "end_date": "9999-12-31"})
    assert response.status_code == 422
    assert "01/01/1900" in response.get_data(as_text=True)
    assert count(db, Plan) == 0


@pytest.mark.parametrize(("kind", "period", "status"), [
    ("annual", "1899", 422), ("annual", "1900", 200), ("annual", "2100", 200),
    ("annual", "2101", 422), ("annual", "0000", 422), ("annual", "9999", 422),
    ("six_month", "0000-H1", 422), ("six_month", "2101-H1", 422), ("six_month", "2025-H1", 200),
    ("annual", "2025\n", 422), ("annual", "２０２５", 422),
    ("phase", "NOPLAN:99999999999999999999", 422), ("phase", "KH:1\n", 422),
])
def test_report_periods_are_bounded(api_as, kind, period, status):
    api = api_as(("commune_chair", "W1"))
    response = api.get(f"/api/v1/reports/{kind}", query_string={"org_unit": "W1",
                                                                "period": period})
    assert response.status_code == status, response.get_data()[:300]
    if status == 422:
        assert "period" in response.get_json()["errors"]


def test_the_report_page_refuses_a_bad_period_with_a_page(page_as):
    page = page_as("commune_chair", "W1")
    response = page.get("/reports/annual?org_unit=W1&period=0000")
    assert response.status_code == 422 and "<html" in response.get_data(as_text=True)


@pytest.mark.parametrize(("as_of", "status"), [
    ("0001-01-01", 422), ("1899-12-31", 422), ("1900-01-01", 200), ("2100-12-31", 200),
    ("2101-01-01", 422), ("9999-12-31", 422),
])
def test_criteria_as_of_is_bounded(api_as, as_of, status):
    api = api_as(("police", "W1"))
    response = api.get(f"/api/v1/areas/W1/criteria?as_of={as_of}")
    assert response.status_code == status, response.get_data()[:300]


@pytest.mark.parametrize("as_of", ["0001-01-01", "9999-12-31", "2025-13-01"])
def test_the_area_page_ignores_an_impossible_as_of(page_as, as_of):
    page = page_as("police", "W1")
    assert page.get(f"/areas/W1?as_of={as_of}").status_code == 200


@pytest.mark.parametrize(("found", "status"), [
    ("0001-01-01", 422), ("1899-12-31", 422), ("1900-01-01", 201),
    ("tomorrow", 422), ("today", 201),
])
def test_a_fact_is_found_between_1900_and_today(api_as, db, found, status):
    api = api_as(("police", "W1"))
    day = {"today": today_local(), "tomorrow": today_local() + timedelta(days=1)}.get(found)
    body = {"kind": "dealer", "description": "Điểm bán lẻ",
            "found_date": (day or date.fromisoformat(found)).isoformat()}
    response = api.post("/api/v1/areas/G11/facts", json=body)
    assert response.status_code == status, response.get_json()
    if status == 422:
        assert "found_date" in response.get_json()["errors"]
        assert count(db, AreaFact) == 0


def test_a_fact_is_not_closed_in_year_one(api_as):
    api = api_as(("police", "W1"))
    fact = api.post("/api/v1/areas/G11/facts", json={
        "kind": "dealer", "description": "x", "found_date": "2024-01-01"}).get_json()
    response = api.patch(f"/api/v1/areas/G11/facts/{fact['id']}",
                         json={"resolved_date": "0001-01-01"})
    assert response.status_code == 422 and "resolved_date" in response.get_json()["errors"]
