"""Dates on the area, hotspot, fact, recognition and plan pages (issue 11).

Every date input of the app is the shared dd/mm/yyyy text input; the event forms show one
date for the fact with an optional time; the server reads dd/mm/yyyy (and ISO) in one place
and refuses anything else under the field, in Vietnamese.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from pathlib import Path

import pytest
import sqlalchemy as sa

from casework.areas.models import AreaFact
from casework.plans.models import Plan
from casework.recognition import services as recognition
from casework.workflow import engine
from casework.workflow.deadlines import LOCAL_TZ
from tests.areas.conftest import ago, all_met, day_ago

DATE_MESSAGE = "Nhập ngày theo dạng ngày/tháng/năm, ví dụ 05/03/2026."
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def html(response) -> str:
    return response.get_data(as_text=True)


def dmy(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def date_inputs(text: str) -> list[str]:
    """The names of the page's date inputs, in order."""
    return [re.search(r'name="([^"]+)"', tag).group(1)
            for tag in re.findall(r"<input[^>]*>", text) if 'class="date-input"' in tag]


def test_no_template_uses_the_browsers_date_inputs():
    """type="date" and datetime-local follow the browser's locale (mm/dd/yyyy in English)."""
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        if path.name == "_dates.html":
            text = re.sub(r"\{#.*?#\}", "", text, flags=re.S)
        assert not re.search(r'type="(date|datetime-local|time)"', text), path


# --- areas and hotspots -----------------------------------------------------------------------


def test_the_area_page_takes_every_date_as_dd_mm_yyyy(page_as, area_in):
    area_in("G11", "unassessed", since=100)
    text = html(page_as("police", "W1").get("/areas/G11"))
    names = date_inputs(text)
    # The as-of picker, the classification's one date, the facts' dates.
    assert "as_of" in names and names.count("assessment_date") == 1
    assert "effective_at" not in text
    assert {"found_date", "as_of", "verified_on", "started_on", "activity_date"} <= set(names)
    assert 'type="date"' not in text


def test_the_as_of_picker_reads_dd_mm_yyyy_and_shows_it_back(page_as, area_in):
    area_in("G11", "less_complex")
    page = page_as("police", "W1")
    day = day_ago(20)
    for typed in (dmy(day), day.isoformat()):
        text = html(page.get("/areas/G11", query_string={"as_of": typed}))
        assert f"— ngày {dmy(day)}" in text or dmy(day) in text
        assert re.search(rf'name="as_of" value="{re.escape(dmy(day))}"', text)


def test_classifying_on_the_page_takes_the_date_and_refuses_a_bad_one(page_as, db, area_in):
    area = area_in("G12", "unassessed", since=100)
    page = page_as("police", "W1")
    bad = page.post("/areas/G12/events/classify", data={
        "version": area.version, "level": "complex", "assessment_date": "2026-31-12"})
    assert bad.status_code == 422
    block = re.search(r'<div class="field event-date[^"]*">(.*?)</div>', html(bad), re.S)
    assert DATE_MESSAGE in block.group(1)
    early = day_ago(101)
    refused = page.post("/areas/G12/events/classify", data={
        "version": area.version, "level": "complex", "assessment_date": dmy(early)})
    assert refused.status_code == 422
    block = re.search(r'<div class="field event-date[^"]*">(.*?)</div>', html(refused), re.S)
    assert (f"Ngày xác định ({dmy(early)}) không được trước ngày mở hồ sơ "
            f"({dmy(day_ago(100))}") in block.group(1)
    ok = page.post("/areas/G12/events/classify", data={
        "version": area.version, "level": "complex", "assessment_date": dmy(day_ago(5)),
        "effective_time": "16:45"})
    assert ok.status_code == 302
    db.session.refresh(area)
    assert area.state_entered_at == datetime.combine(day_ago(5), time(16, 45),
                                                     tzinfo=LOCAL_TZ)


def test_a_fact_and_its_closing_take_dd_mm_yyyy(page_as, db, area_in):
    area_in("G11", "less_complex")
    page = page_as("police", "W1")
    found = day_ago(9)
    bad = page.post("/areas/G11/facts", data={"kind": "dealer", "description": "Quán nước",
                                              "found_date": "9 ngày trước"})
    assert bad.status_code == 422 and DATE_MESSAGE in html(bad)
    assert page.post("/areas/G11/facts", data={
        "kind": "dealer", "description": "Quán nước", "found_date": dmy(found)}
    ).status_code == 302
    fact = db.session.scalar(sa.select(AreaFact).where(AreaFact.kind == "dealer"))
    assert fact.found_date == found
    text = html(page.get(f"/areas/G11/facts/{fact.id}"))
    assert date_inputs(text) == ["resolved_date"] and dmy(found) in text
    refused = page.post(f"/areas/G11/facts/{fact.id}/close", data={"resolved_date": "1/13/2026"})
    assert refused.status_code == 422 and DATE_MESSAGE in html(refused)
    assert page.post(f"/areas/G11/facts/{fact.id}/close",
                     data={"resolved_date": dmy(day_ago(1))}).status_code == 302
    db.session.refresh(fact)
    assert fact.resolved_date == day_ago(1)


def test_the_hotspot_page_has_one_date_per_event(page_as, hotspot):
    spot, _police = hotspot("G11", found=30)
    page = page_as("police", "W1")
    text = html(page.get(f"/hotspots/{spot.id}"))
    # `watch` has no date of its own: one optional day (and time) it happened.
    assert date_inputs(text) == ["effective_date"] and "effective_at" not in text
    assert page.post(f"/hotspots/{spot.id}/events/watch", data={
        "version": spot.version, "effective_date": dmy(day_ago(20))}).status_code == 302
    text = html(page.get(f"/hotspots/{spot.id}"))
    assert date_inputs(text) == ["eliminated_date"]  # eliminate: its own date, no other


# --- recognition ------------------------------------------------------------------------------


@pytest.fixture
def submitted(db, ready_area, user):
    area = ready_area("G11")
    police = user("police", "G11")
    request = recognition.open_request(area.org_unit, police, effective_at=ago(30))
    engine.fire(request, "submit", police, data={"self_assessment": all_met()},
                effective_at=ago(20))
    db.session.commit()
    return request


def _all_met_form(extra):
    form = {f"met_C{i}": "met" for i in range(1, 9)}  # each verdict chosen explicitly
    form.update(extra)
    return form


def test_the_inspection_form_has_one_date_and_refuses_one_before_submission(
        page_as, db, submitted):
    page = page_as("inspector", "C")
    text = html(page.get(f"/recognition/{submitted.id}"))
    evaluate = re.search(r'data-event="evaluate".*?</details>', text, re.S).group(0)
    assert date_inputs(evaluate) == ["inspection_date"] and 'type="date"' not in text
    early = day_ago(21)
    refused = page.post(f"/recognition/{submitted.id}/events/evaluate", data=_all_met_form({
        "version": submitted.version, "inspection_date": dmy(early), "minutes_no": "BB-1"}))
    assert refused.status_code == 422
    block = re.search(r'<div class="field event-date[^"]*">(.*?)</div>', html(refused), re.S)
    assert (f"Ngày kiểm tra ({dmy(early)}) không được trước ngày của sự kiện “Gửi hồ sơ” "
            f"({dmy(day_ago(20))})") in block.group(1)
    ok = page.post(f"/recognition/{submitted.id}/events/evaluate", data=_all_met_form({
        "version": submitted.version, "inspection_date": dmy(day_ago(20)),
        "minutes_no": "BB-1"}))
    assert ok.status_code == 302
    db.session.refresh(submitted)
    assert submitted.inspection_date == day_ago(20)
    shown = html(page.get(f"/recognition/{submitted.id}"))
    assert dmy(day_ago(20)) in shown


# --- plans ------------------------------------------------------------------------------------


def test_a_plan_is_created_and_edited_with_dd_mm_yyyy_dates(page_as, db):
    page = page_as("commune_chair", "W1")
    assert date_inputs(html(page.get("/plans/new"))) == ["issued_on", "start_date", "end_date"]
    bad = page.post("/plans/new", data={"code": "KH-9", "title": "Kế hoạch", "org_unit": "W1",
                                         "start_date": "2026-13-01", "end_date": "31/12/2026"})
    assert bad.status_code == 422 and DATE_MESSAGE in html(bad)
    created = page.post("/plans/new", data={
        "code": "KH-9", "title": "Kế hoạch", "org_unit": "W1", "issued_on": "20/12/2025",
        "start_date": "01/01/2026", "end_date": "31/12/2026"})
    assert created.status_code == 302, html(created)
    plan = db.session.scalar(sa.select(Plan).where(Plan.code == "KH-9"))
    assert (plan.issued_on, plan.start_date, plan.end_date) == (
        date(2025, 12, 20), date(2026, 1, 1), date(2026, 12, 31))
    text = html(page.get(f"/plans/{plan.id}"))
    assert {"deadline", "start_date", "end_date", "report_due"} <= set(date_inputs(text))
    assert page.post(f"/plans/{plan.id}/phases", data={
        "name": "Giai đoạn 1", "start_date": "01/01/2026", "end_date": "30/06/2026",
        "report_due": "05/07/2026"}).status_code == 302
    db.session.refresh(plan)
    assert [(p.start_date, p.end_date, p.report_due) for p in plan.phases] == [
        (date(2026, 1, 1), date(2026, 6, 30), date(2026, 7, 5))]
    refused = page.post(f"/plans/{plan.id}/phases", data={
        "name": "Giai đoạn 2", "start_date": "1 tháng 7", "end_date": "31/12/2026"},
        follow_redirects=True)
    assert DATE_MESSAGE in html(refused)
    db.session.refresh(plan)
    assert len(plan.phases) == 1
