"""The province workbook read back, the dashboard's countdown to 20/12, and the drug cases the
Bắc Cường target counts."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from casework.areas import qd28_board
from casework.areas.models import AreaFact
from casework.plans.metrics import compute
from tests.clock import frozen_at, vn_today


def _workbook(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype.endswith("spreadsheetml.sheet")
    return load_workbook(io.BytesIO(response.data))


def _rows(sheet) -> dict:
    header = next(i for i, row in enumerate(sheet.iter_rows(values_only=True), 1)
                  if row[0] == "Mã")
    head = [c.value for c in sheet[header]]
    return header, head, {r[0]: dict(zip(head, r, strict=False))
                          for r in sheet.iter_rows(min_row=header + 1, values_only=True)}


def test_the_province_workbook_draft_then_final(steps, review_in, province, fact, year):
    fact("PW1", "population", residents=8000, as_of=date(year, 1, 10))
    review_in("approved")
    province_api = steps["province_authority"]
    response = province_api.get(f"/api/v1/reports/province_review?org_unit=P&period={year}")
    assert "du-thao" in response.headers["Content-Disposition"]
    wb = _workbook(response)
    assert wb.sheetnames == ["Xã, phường", "Tổng hợp, Điều 5"]
    sheet = wb["Xã, phường"]
    assert sheet["A1"].value.startswith("Rà soát, phân loại xã, phường theo QĐ 28/2025")
    assert sheet["B5"].value.startswith("DỰ THẢO: 1/2")
    header, head, rows = _rows(sheet)
    for column in ("Xã, phường, đặc khu", "Dân số", "Tiêu chí a", "Mức a", "Tiêu chí đ",
                   "Loại theo Điều 4", "Không ma túy (Điều 6)", "Phân loại tính từ dữ liệu",
                   "Kết quả phân loại đã phê duyệt", "Trạng thái rà soát"):
        assert column in head, column
    assert set(rows) == {"PW1", "PW2"}
    first = rows["PW1"]
    assert first["Xã, phường, đặc khu"] == "Phường Tân Phong Thử" and first["Dân số"] == 8000
    assert first["Trạng thái rà soát"] == "UBND tỉnh đã phê duyệt"
    assert first["Kết quả phân loại đã phê duyệt"] == first["Phân loại tính từ dữ liệu"]
    assert rows["PW2"]["Trạng thái rà soát"] == "Chưa lập bản rà soát"
    assert rows["PW2"]["Dân số"] == "thiếu số dân"
    # Print set-up: landscape, one page wide, the header row on every page.
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.fitToWidth == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == f"${header}:${header}"
    summary = wb["Tổng hợp, Điều 5"]
    labels = [r[0] for r in summary.iter_rows(values_only=True)]
    assert "Điều 5: tỉnh trọng điểm, phức tạp" in labels

    review_in("approved", "PW2")
    response = province_api.get(f"/api/v1/reports/province_review?org_unit=P&period={year}")
    assert "du-thao" not in response.headers["Content-Disposition"]
    final = _workbook(response)["Xã, phường"]
    assert final["B5"].value.startswith("CHÍNH THỨC")


def test_the_workbook_classifies_each_commune_once(steps, province, year, monkeypatch):
    """The province's Art 5 already classifies its communes, all at once: the rows reuse
    them, and no commune is classified alone (about 15 statements each: bench/qd28.py)."""
    from casework.areas import qd28

    calls, alone = [], []
    real, real_one = qd28.classify_communes, qd28.classify_commune
    monkeypatch.setattr(qd28, "classify_communes", lambda root, y, day=None, **kw: calls.append(
        root.code) or real(root, y, day, **kw))
    monkeypatch.setattr(qd28, "classify_commune",
                        lambda unit, y: alone.append(unit.code) or real_one(unit, y))
    response = steps["province_authority"].get(
        f"/api/v1/reports/province_review?org_unit=P&period={year}")
    assert response.status_code == 200
    assert calls == ["P"] and alone == []


def test_the_workbook_refuses_bad_input(steps, api_as, year):
    api = steps["province_authority"]
    for query in ("org_unit=P", f"period={year}", "org_unit=P&period=abc",
                  f"org_unit=P&period={year + 1}", "org_unit=PV1&period=2020"):
        answer = api.get(f"/api/v1/reports/province_review?{query}")
        assert answer.status_code in (400, 422), query
        assert answer.get_json()["code"] == "validation_error"
    assert api_as(("police", "W1")).get(
        f"/api/v1/reports/province_review?org_unit=P&period={year}").status_code == 404
    # The other reports are still the plans'.
    assert api.get(f"/api/v1/reports/annual?org_unit=P&period={year}").status_code != 500


@pytest.mark.parametrize(("moment", "year", "days"), [
    ("2026-12-18T12:00:00+07:00", 2026, 2),
    ("2026-12-19T12:00:00+07:00", 2026, 1),   # the last day
    ("2026-12-19T23:59:00+07:00", 2026, 1),
    ("2026-12-20T00:01:00+07:00", 2026, 0),   # due before today: late
    ("2026-12-21T12:00:00+07:00", 2027, 364),  # the next period's report
])
def test_the_countdown_to_20_december(moment, year, days):
    with frozen_at(moment):
        found = qd28_board.countdown()
    assert found["year"] == year and found["days"] == days
    assert found["deadline"] == date(year, 12, 20) and found["last_day"] == date(year, 12, 19)


def test_the_dashboard_counts_down(page_as, province):
    with frozen_at("2026-12-19T09:00:00+07:00"):
        page = page_as("province_authority", "P")
        html = page.get("/dashboard?org_unit=P").get_data(as_text=True)
        assert 'id="qd28-board"' in html
        assert "Còn 1 ngày đến hạn báo cáo 20/12" in html
        assert 'id="qd28-drug-free"' in html and "/2</td>" in html
    with frozen_at("2026-12-20T09:00:00+07:00"):
        page = page_as("province_authority", "P")
        html = page.get("/dashboard?org_unit=P").get_data(as_text=True)
        assert "Đã đến hạn báo cáo 20/12/2026" in html


def test_drug_cases_prosecuted_counts_inside_the_period_and_territory(db, province, tree):
    def case(code, found, prosecuted):
        db.session.add(AreaFact(kind="drug_case", org_unit=tree[code], found_date=found,
                                case_kind="trafficking", suspects=1, prosecuted_on=prosecuted))

    case("PW1", date(2026, 1, 5), date(2026, 2, 1))      # inside
    case("PV1", date(2026, 3, 1), date(2026, 3, 20))     # inside, in a group of the ward
    case("PW1", date(2026, 3, 1), None)                  # not prosecuted
    case("PW1", date(2025, 11, 1), date(2025, 12, 1))    # before the period
    case("PW1", date(2026, 4, 1), date(2026, 7, 1))      # after the day counted
    case("PW2", date(2026, 1, 5), date(2026, 2, 1))      # another ward
    db.session.flush()
    value = compute("drug_cases_prosecuted", tree["PW1"], date(2026, 6, 30),
                    since=date(2026, 1, 1))
    assert value.value == 2
    assert compute("drug_cases_prosecuted", tree["P"], date(2026, 6, 30),
                   since=date(2026, 1, 1)).value == 3
    assert compute("drug_cases_prosecuted", tree["PW1"], date(2026, 12, 14),
                   since=date(2025, 12, 15)).value == 3


def test_the_pages_of_a_review(page_as, review_in, province, year):
    review = review_in("approved_by_commune")
    page = page_as("province_authority", "P")
    html = page.get(f"/reviews/{review['id']}").get_data(as_text=True)
    assert "Bản rà soát số" in html and 'id="snapshot-hash"' in html
    assert 'data-event="approve"' in html and 'data-event="return"' in html
    listed = page.get(f"/reviews/?area_code=P&period={year}").get_data(as_text=True)
    assert "Phường Tân Phong Thử" in listed and 'id="province-report"' in listed
    inbox = page.get("/reviews/inbox").get_data(as_text=True)
    assert f'data-review="{review["id"]}"' in inbox
    answer = page.post(f"/reviews/{review['id']}/events/approve", data={
        "version": review["version"], "decision_no": "45/QĐ-UBND",
        "decision_date": vn_today().strftime("%d/%m/%Y"), "classification": "type_1"})
    assert answer.status_code == 422
    assert "phải ghi lý do" in answer.get_data(as_text=True)
    assert page.get("/reviews/?period=abc").status_code == 422
    assert page.get("/reviews/999999").status_code == 404


def test_police_open_a_review_from_the_list(page_as, province, year):
    page = page_as("police", "P")
    listed = page.get(f"/reviews/?area_code=P&period={year}").get_data(as_text=True)
    assert "Lập bản rà soát" in listed
    answer = page.post("/reviews/new", data={"area_code": "PW1", "period": year})
    assert answer.status_code == 302
    again = page.post("/reviews/new", data={"area_code": "PW1", "period": year,
                                            "return_to": "P"})
    assert again.status_code == 409 and "đã có bản rà soát" in again.get_data(as_text=True)
    area = page.get("/areas/PW1").get_data(as_text=True)
    assert 'id="qd28-reviews"' in area


def test_a_step_from_its_form(page_as, review_in):
    review = review_in("submitted")
    chair = page_as("commune_chair", "P")
    answer = chair.post(f"/reviews/{review['id']}/events/approve_commune", data={
        "version": review["version"], "meeting_date": vn_today().strftime("%d/%m/%Y")})
    assert answer.status_code == 302



def test_my_work_lists_the_review_waiting_for_the_province(page_as, review_in):
    review = review_in("approved_by_commune")
    page = page_as("province_authority", "P")
    html = page.get("/my-work").get_data(as_text=True)
    assert f"/reviews/{review['id']}" in html and "Phê duyệt phân loại xã" in html
    police = page_as("police", "P").get("/my-work").get_data(as_text=True)
    assert f"/reviews/{review['id']}" not in police


def test_the_workbook_is_prepared_as_a_job(steps, province, year, page_as):
    """The pages prepare the workbook as a job (inline here: done when the answer comes);
    the file is the API's, and only its starter fetches it."""
    api = steps["province_authority"]
    body = api.post("/api/v1/jobs", json={"kind": "province_review", "org_unit": "P",
                                          "period": str(year)}).get_json()
    assert (body["kind"], body["state"], body["params"]) == (
        "province_review", "succeeded", {"period": year})
    download = api.get(body["file_url"])
    assert f"ra-soat-qd28-{year}-P-du-thao.xlsx" in download.headers["Content-Disposition"]
    assert _workbook(download).sheetnames == ["Xã, phường", "Tổng hợp, Điều 5"]
    assert steps["police"].get(body["file_url"]).status_code == 404
    # A period QĐ 28 does not cover fails, and the job says why.
    failed = api.post("/api/v1/jobs", json={"kind": "province_review", "org_unit": "P",
                                            "period": "2020"}).get_json()
    assert failed["state"] == "failed" and "2020" in failed["error"]
    # The review page's button posts to the job.
    page = page_as("province_authority", "P").get(f"/reviews/?area_code=P&period={year}")
    assert 'action="/jobs/workbooks"' in page.get_data(as_text=True)
