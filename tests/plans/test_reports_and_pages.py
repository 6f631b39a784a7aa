"""Plans over the API and the pages; report workbooks opened and their cells checked."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from casework.audit.exports import ExportEntry
from casework.plans.models import Phase, Plan, ReportSubmission, Target
from tests.clock import vn_today
from tests.people.conftest import drug_test


@pytest.fixture
def plan(db, tree):
    today = vn_today()
    plan = Plan(code="KH-THU", title="Kế hoạch thử nghiệm", org_unit=tree["C"],
                start_date=today - timedelta(days=200), end_date=today + timedelta(days=100),
                six_month_report_due="06-10", annual_report_due="12-10")
    phase = Phase(seq=1, name="Giai đoạn 1", start_date=plan.start_date,
                  end_date=today + timedelta(days=100), report_due=today - timedelta(days=1))
    plan.phases.append(phase)
    plan.targets.append(Target(seq=1, label="95% người sử dụng có hồ sơ quản lý",
                               metric="users_managed_pct", org_unit=tree["C"], value=95,
                               unit="percent", phase=phase))
    plan.targets.append(Target(seq=2, label="Khởi tố 01 vụ án", metric="drug_cases_prosecuted",
                               org_unit=tree["W1"], value=1, unit="count", phase=phase))
    db.session.add(plan)
    db.session.commit()
    return plan


@pytest.fixture
def overdue_person(open_case):
    case = open_case(days_ago=40)
    case.fire("health", "record_test", drug_test(30), days_ago=30)  # decision overdue
    return case


def test_plan_api_computes_each_target_now(api_as, plan, overdue_person):
    api = api_as(("viewer", "W1"))
    listed = api.get("/api/v1/plans").get_json()["items"]
    assert [p["code"] for p in listed] == ["KH-THU"]  # a city plan is read in its wards
    body = api.get(f"/api/v1/plans/{plan.id}").get_json()
    first, second = body["targets"]
    assert first["metric"] == "users_managed_pct" and first["target"] == 95
    assert first["current"] == 0.0 and first["unit"] == "percent"
    assert first["status"] == "at_risk"
    assert second["current"] == 0  # no drug case prosecuted yet (WORKFLOWS.md §10)
    assert body["phases"][0]["seq"] == 1
    assert api_as(("police", "D")).get(f"/api/v1/plans/{plan.id}").status_code == 404


def _workbook(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype.endswith("spreadsheetml.sheet")
    return load_workbook(io.BytesIO(response.data))


def test_annual_report_workbook(api_as, plan, overdue_person, db):
    api = api_as(("police", "C"))
    year = vn_today().year
    wb = _workbook(api.get(f"/api/v1/reports/annual?org_unit=C&period={year}"))
    assert wb.sheetnames == ["Tổng hợp", "Tiêu chí", "Hồ sơ quá hạn", "Chỉ tiêu"]
    summary = wb["Tổng hợp"]
    assert summary["A1"].value == f"Báo cáo năm {year}"
    header = [c.value for c in summary[6]]
    assert header[0] == "Đơn vị" and "Dương tính, chờ quyết định quản lý" in header
    rows = {r[0].value: r for r in summary.iter_rows(min_row=7)}
    assert set(rows) == {"Phường Một", "Phường Hai", "Tổng cộng"}
    late = wb["Hồ sơ quá hạn"]
    assert late["A1"].value == "Họ và tên" and late["A2"].value == "Nguyễn Văn Thử"
    targets = wb["Chỉ tiêu"]
    assert targets["B2"].value == "95% người sử dụng có hồ sơ quản lý"
    assert targets["I2"].value == "Có nguy cơ không đạt"
    criteria = wb["Tiêu chí"]
    assert criteria["A1"].value == "Mã" and criteria["C1"].value == "C1"
    entry = db.session.scalar(sa.select(ExportEntry).order_by(ExportEntry.id.desc()))
    assert entry.kind == "report:annual" and entry.format == "xlsx"
    assert entry.filters["period"] == str(year)


def test_six_month_report_counts_as_of_10_june(api_as, plan, overdue_person):
    """The person came to notice after 10 June of last year: counted in this year's."""
    year = vn_today().year
    api = api_as(("police", "C"))
    last = _workbook(api.get(f"/api/v1/reports/six_month?org_unit=C&period={year - 1}-H1"))
    assert last["Tổng hợp"]["A1"].value == f"Báo cáo 6 tháng {year - 1}"
    totals = [c.value for c in list(last["Tổng hợp"].iter_rows())[-1]]
    assert totals[0] == "Tổng cộng" and totals[-1] == 0


def test_viewers_get_figures_without_names(api_as, plan, overdue_person):
    year = vn_today().year
    wb = _workbook(api_as(("viewer", "C")).get(
        f"/api/v1/reports/annual?org_unit=C&period={year}"))
    late = wb["Hồ sơ quá hạn"]
    assert late["A1"].value == "Địa bàn"
    values = [c.value for row in late.iter_rows() for c in row]
    assert "Nguyễn Văn Thử" not in values


def test_phase_report_and_bad_periods(api_as, plan):
    api = api_as(("police", "C"))
    _workbook(api.get("/api/v1/reports/phase?org_unit=C&period=KH-THU:1"))
    for url in ("/api/v1/reports/phase?org_unit=C&period=KH-THU:9",
                "/api/v1/reports/annual?org_unit=C&period=next-year",
                "/api/v1/reports/monthly?org_unit=C&period=2025"):
        response = api.get(url)
        assert response.status_code == 422 and response.get_json()["code"] == "validation_error"
    assert api.get("/api/v1/reports/annual?org_unit=D&period=2025").status_code == 404


def test_plan_page_shows_progress_reports_and_chart(page_as, plan, overdue_person):
    page = page_as("police", "C")
    html = page.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert "Kế hoạch thử nghiệm" in html and 'role="progressbar"' in html
    title = html.split("<title>", 1)[1].split("</title>", 1)[0]
    assert title.strip() == "Kế hoạch thử nghiệm · casework"
    # The drug-case target now has its data (WORKFLOWS.md §10): no "no data source" left.
    assert "Có nguy cơ không đạt" in html and "Khởi tố 01 vụ án" in html
    assert "Chưa có nguồn số liệu" not in html
    assert "<svg" in html and "https://" not in html.split("<svg", 1)[1].split("</svg>")[0] \
        .replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert 'class="overdue"' in html  # the phase report was due yesterday
    printable = page.get("/reports/phase?org_unit=C&period=KH-THU:1")
    assert printable.status_code == 200 and "data-print" in printable.get_data(as_text=True)


def test_marking_a_report_sent(page_as, plan, db):
    page = page_as("police", "C")
    response = page.post(f"/plans/{plan.id}/reports/phase/1/submitted")
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportSubmission)) == 1
    assert page_as("viewer", "C").post(
        f"/plans/{plan.id}/reports/phase/1/submitted").status_code == 403
    assert page.post(f"/plans/{plan.id}/reports/phase/7/submitted").status_code == 404


FORMULA_NAME = '=HYPERLINK("http://x","y")'


def test_report_workbooks_never_write_text_as_a_formula(api_as, plan, overdue_person, db):
    """A person named like a formula, in the overdue sheet, stays text (and so does a plan
    title like one)."""
    from casework.people.models import Person

    person = db.session.get(Person, overdue_person.id)
    person.full_name = FORMULA_NAME
    plan.title = "+SUM(1,2)"
    db.session.commit()
    wb = _workbook(api_as(("police", "C")).get(
        f"/api/v1/reports/annual?org_unit=C&period={vn_today().year}"))
    name = wb["Hồ sơ quá hạn"]["A2"]
    assert name.value == FORMULA_NAME and name.data_type == "s" and name.quotePrefix
    title = wb["Chỉ tiêu"]["A2"]
    assert title.value == "+SUM(1,2)" and title.data_type == "s" and title.quotePrefix
    for sheet in wb.worksheets:
        assert not [c.coordinate for row in sheet.iter_rows() for c in row
                    if c.data_type == "f"], sheet.title
