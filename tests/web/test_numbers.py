"""Figures as people read them: the decimal comma in Vietnamese (81,8%), the point in
English (81.8%), on the pages and in the report workbook."""

from __future__ import annotations

import io
from datetime import date

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook

from casework.spreadsheets import attachment
from casework.web.numbers import figure, number, percent
from tests.clock import vn_today

# (function, value, Vietnamese, English)
CASES = [
    (percent, 81.8, "81,8%", "81.8%"),
    (percent, 81.81, "81,8%", "81.8%"),
    (percent, 100.0, "100%", "100%"),
    (percent, 0, "0%", "0%"),
    (percent, None, "—", "—"),
    (number, 1250, "1.250", "1,250"),
    (number, 2.25, "2,25", "2.25"),
    (number, 7, "7", "7"),
    (lambda v: figure(v, "percent"), 33.3, "33,3%", "33.3%"),
    (lambda v: figure(v, "count"), 45, "45", "45"),
]


@pytest.mark.parametrize(("func", "value", "vi", "en"), CASES)
def test_figures_in_each_language(app, func, value, vi, en):
    with app.test_request_context("/"):
        with force_locale("vi"):
            assert func(value) == vi
        with force_locale("en"):
            assert func(value) == en


def test_the_dashboard_writes_percentages_with_the_users_decimal_mark(page_as, area_in):
    area_in("G11", "less_complex")
    area_in("G12", "complex")  # 1 of the 3 groups: 33.3%
    viewer = page_as("viewer", "C")
    text = viewer.get("/dashboard").get_data(as_text=True)
    assert "33,3%" in text and "33.3%" not in text
    viewer.post("/lang", data={"lang": "en", "next": "/"})
    text = viewer.get("/dashboard").get_data(as_text=True)
    assert "33.3%" in text and "33,3%" not in text


@pytest.fixture
def plan(db, tree):
    from casework.plans.models import Phase, Plan, Target

    today = vn_today()
    plan = Plan(code="KH-SO", title="Kế hoạch số liệu", org_unit=tree["C"],
                start_date=date(today.year, 1, 1), end_date=date(today.year, 12, 31),
                six_month_report_due="06-10", annual_report_due="12-10")
    phase = Phase(seq=1, name="Giai đoạn 1", start_date=plan.start_date,
                  end_date=plan.end_date, report_due=plan.end_date)
    plan.phases.append(phase)
    plan.targets.append(Target(seq=1, label="45/55 tổ không có ma túy",
                               metric="groups_meeting_all_criteria", org_unit=tree["C"],
                               value=45, out_of=55, unit="count", phase=phase))
    plan.targets.append(Target(seq=2, label="95,5% người sử dụng có hồ sơ",
                               metric="users_managed_pct", org_unit=tree["C"], value=95.5,
                               unit="percent", phase=phase))
    db.session.add(plan)
    db.session.commit()
    return plan


def test_the_plan_page_writes_percentages_with_the_users_decimal_mark(page_as, plan):
    page = page_as("police", "C")
    text = page.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert "45/55" in text and "(81,8%" in text and "95,5%" in text
    assert "81.8%" not in text and "95.5%" not in text
    page.post("/lang", data={"lang": "en", "next": "/"})
    text = page.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert "(81.8%" in text and "95.5%" in text


def test_the_workbook_says_units_in_words_keeps_numbers_and_is_named_in_vietnamese(
        api_as, plan):
    year = vn_today().year
    response = api_as(("police", "C")).get(f"/api/v1/reports/six_month?org_unit=C"
                                           f"&period={year}-H1")
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="bao-cao-6-thang-{year}-H1-C.xlsx"')
    targets = load_workbook(io.BytesIO(response.data))["Chỉ tiêu"]
    rows = {r[1].value: r for r in targets.iter_rows(min_row=2)}
    share = rows["95,5% người sử dụng có hồ sơ"]
    assert share[3].value == 95.5 and share[3].number_format == '0.0"%"'
    assert share[6].value == "Tỷ lệ (%)"
    count = rows["45/55 tổ không có ma túy"]
    assert count[3].value == 45 and count[6].value == "Số lượng"
    words = {str(c.value) for row in targets.iter_rows() for c in row}
    assert not words & {"count", "percent", "six_month", "on_track", "at_risk", "met"}


@pytest.mark.parametrize(("kind", "period", "name"), [
    ("annual", "{year}", "bao-cao-nam-{year}-C.xlsx"),
    ("phase", "KH-SO:1", "bao-cao-giai-doan-KH-SO-1-C.xlsx"),
])
def test_report_files_are_named_in_vietnamese_words(api_as, plan, kind, period, name):
    year = vn_today().year
    response = api_as(("police", "C")).get(
        f"/api/v1/reports/{kind}?org_unit=C&period={period.format(year=year)}")
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="{name.format(year=year)}"')


def test_a_download_name_with_diacritics_has_an_ascii_name_and_the_exact_one():
    assert attachment("bao-cao.xlsx") == 'attachment; filename="bao-cao.xlsx"'
    assert attachment("Báo cáo Đoàn Kết.xlsx") == (
        'attachment; filename="Bao cao Doan Ket.xlsx"; '
        "filename*=UTF-8''B%C3%A1o%20c%C3%A1o%20%C4%90o%C3%A0n%20K%E1%BA%BFt.xlsx")


def test_history_values_leave_out_empty_parts(app):
    """Issue 17: no empty "Ghi chú: ;" in a history; a form's typing hint is not a label."""
    from casework.web.fields import field_value, history_label, is_empty

    with app.test_request_context():
        assert field_value({"note": "", "result": "positive"}) == "Kết quả: Dương tính"
        assert is_empty({"note": " ", "items": []}) and not is_empty({"note": "x"})
        assert history_label("substances") == "Chất ma túy"
