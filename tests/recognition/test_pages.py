"""The request pages: prepare, submit, the approvals inbox, each step's form and its files."""

from __future__ import annotations

import io
import re

import sqlalchemy as sa

from casework.areas.services import area_of
from casework.recognition.models import RecognitionAttachment, RecognitionRequest
from tests.areas.conftest import day_ago

PDF = b"%PDF-1.4\n%%EOF\n"


def html(response) -> str:
    return response.get_data(as_text=True)


def _all_met_form(extra=None):
    """The police's self-assessment: the 8 criteria ticked."""
    data = {f"met_C{i}": "on" for i in range(1, 9)}
    data.update(extra or {})
    return data


def _verdicts_form(extra=None, **choices):
    """The inspectors' verdicts: each criterion chosen, met unless ``C3="not_met"``…"""
    data = {f"met_C{i}": choices.get(f"C{i}", "met") for i in range(1, 9)}
    data = {k: v for k, v in data.items() if v is not None}
    data.update(extra or {})
    return data


def _request_id(response) -> int:
    return int(re.search(r"/recognition/(\d+)", response.headers["Location"]).group(1))


def test_the_chain_through_the_pages(page_as, db, ready_area, tree):
    ready_area("G11")
    police = page_as("police", "W1")
    area_page = html(police.get("/areas/G11"))
    assert 'id="open-request"' in area_page
    created = police.post("/recognition/new", data={"area_code": "G11"})
    request_id = _request_id(created)
    page = html(police.get(f"/recognition/{request_id}"))
    assert 'data-event="submit"' in page and page.count('type="checkbox" name="met_C') == 8

    submitted = police.post(f"/recognition/{request_id}/events/submit",
                            data=_all_met_form({"version": "1"}))
    assert submitted.status_code == 302, html(submitted)
    assert 'id="snapshot-hash"' in html(police.get(f"/recognition/{request_id}"))

    inspector = page_as("inspector", "C")
    inbox = html(inspector.get("/recognition/inbox"))
    assert f'data-request="{request_id}"' in inbox
    evaluated = inspector.post(
        f"/recognition/{request_id}/events/evaluate",
        data=_verdicts_form({"version": "2", "inspection_date": day_ago(0).isoformat(),
                            "minutes_no": "BB-05", "files": (io.BytesIO(PDF), "bien-ban.pdf")}),
        content_type="multipart/form-data")
    assert evaluated.status_code == 302, html(evaluated)
    assert f'data-request="{request_id}"' not in html(inspector.get("/recognition/inbox"))
    attachment = db.session.scalar(sa.select(RecognitionAttachment))
    assert attachment.event == "evaluate" and attachment.filename == "bien-ban.pdf"

    steering = page_as("steering_committee", "C")
    assert steering.post(f"/recognition/{request_id}/events/endorse", data={
        "version": "3", "meeting_date": day_ago(0).isoformat()}).status_code == 302
    # A group approved today: the ward's chair (WORKFLOWS.md §11).
    city = page_as("commune_chair", "W1")
    assert f'data-request="{request_id}"' in html(city.get("/recognition/inbox"))
    approved = city.post(f"/recognition/{request_id}/events/approve", data={
        "version": "4", "decision_no": "88/QĐ-UBND", "decision_date": day_ago(0).isoformat()})
    assert approved.status_code == 302
    db.session.expire_all()
    assert area_of(tree["G11"]).state == "drug_free"
    final = html(city.get(f"/recognition/{request_id}"))
    assert "88/QĐ-UBND" in final and "bien-ban.pdf" in final
    download = city.get(f"/recognition/{request_id}/files/{attachment.sha256}")
    assert download.status_code == 200 and download.data == PDF
    download.close()


def test_a_refused_step_shows_why_and_changes_nothing(page_as, db, ready_area, fact):
    ready_area("G11")
    police = page_as("police", "W1")
    request_id = _request_id(police.post("/recognition/new", data={"area_code": "G11"}))
    fact("G11", "ring", description="Nhóm mua bán", found_date=day_ago(1))
    response = police.post(f"/recognition/{request_id}/events/submit",
                           data=_all_met_form({"version": "1"}))
    assert response.status_code == 422 and "C2" in html(response)
    db.session.expire_all()
    assert db.session.get(RecognitionRequest, request_id).state == "draft"


def test_a_wrong_file_on_the_page_is_refused(page_as, db, ready_area):
    ready_area("G11")
    police = page_as("police", "W1")
    request_id = _request_id(police.post("/recognition/new", data={"area_code": "G11"}))
    response = police.post(f"/recognition/{request_id}/files",
                           data={"file": (io.BytesIO(b"<html>"), "trang.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and 'role="alert"' in html(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecognitionAttachment)) == 0


def test_a_second_request_from_the_area_page_is_refused(page_as, db, ready_area):
    ready_area("G11")
    police = page_as("police", "W1")
    police.post("/recognition/new", data={"area_code": "G11"})
    response = police.post("/recognition/new", data={"area_code": "G11"})
    assert response.status_code == 422 and 'role="alert"' in html(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecognitionRequest)) == 1


def test_viewers_have_no_request_pages(page_as, ready_area):
    ready_area("G11")
    police = page_as("police", "W1")
    request_id = _request_id(police.post("/recognition/new", data={"area_code": "G11"}))
    assert page_as("viewer", "C").get(f"/recognition/{request_id}").status_code == 404


def _submitted(page_as, ready_area) -> int:
    ready_area("G11")
    police = page_as("police", "W1")
    request_id = _request_id(police.post("/recognition/new", data={"area_code": "G11"}))
    assert police.post(f"/recognition/{request_id}/events/submit",
                       data=_all_met_form({"version": "1"})).status_code == 302
    return request_id


def _row(page: str, code: str) -> str:
    return re.search(rf'<tr data-code="{code}"[^>]*>.*?</tr>', page, re.S).group(0)


def test_the_inspectors_verdicts_start_unticked(page_as, ready_area):
    request_id = _submitted(page_as, ready_area)
    page = html(page_as("inspector", "C").get(f"/recognition/{request_id}"))
    form = re.search(r'<details class="event-box" data-event="evaluate".*?</details>', page,
                     re.S).group(0)
    # Two choices per criterion, met and not met, and none of the 16 chosen beforehand.
    assert form.count('type="radio" name="met_C') == 16
    assert "checked" not in form and 'type="checkbox"' not in form
    for i in range(1, 9):
        row = _row(form, f"C{i}")
        assert 'value="met"' in row and 'value="not_met"' in row


def test_a_verdict_left_out_is_asked_for_under_its_criterion(page_as, ready_area, db):
    request_id = _submitted(page_as, ready_area)
    inspector = page_as("inspector", "C")
    response = inspector.post(
        f"/recognition/{request_id}/events/evaluate",
        data=_verdicts_form({"version": "2", "inspection_date": day_ago(0).isoformat(),
                             "minutes_no": "BB-05"}, C3=None, C7=None))
    assert response.status_code == 422
    page = html(response)
    for code in ("C3", "C7"):
        row = _row(page, code)
        assert 'class="has-error"' in row and "Chọn “Đạt” hoặc “Chưa đạt”." in row
        assert "checked" not in row  # still nothing chosen for it
    assert "Chọn “Đạt”" not in _row(page, "C4") and 'value="met" checked' in _row(page, "C4")
    assert "Missing data" not in page and "Chưa nhập trường bắt buộc" not in page
    db.session.expire_all()
    assert db.session.get(RecognitionRequest, request_id).state == "submitted"


def test_a_verdict_not_met_is_refused_once_and_without_the_rules_code(page_as, ready_area, db):
    request_id = _submitted(page_as, ready_area)
    response = page_as("inspector", "C").post(
        f"/recognition/{request_id}/events/evaluate",
        data=_verdicts_form({"version": "2", "inspection_date": day_ago(0).isoformat(),
                             "minutes_no": "BB-05"}, C3="not_met"))
    assert response.status_code == 422
    page = html(response)
    alert = re.search(r'<div class="alert alert-error" role="alert">(.*?)</div>', page,
                      re.S).group(1)
    assert "C3" in alert and alert.count("C3") == 1  # said once: no repeat under a code
    assert "verdicts_all_met" not in page and "verdicts all met" not in page
    assert "<br>" not in alert
    assert 'value="not_met" checked' in _row(page, "C3")
    db.session.expire_all()
    assert db.session.get(RecognitionRequest, request_id).state == "submitted"


def test_the_request_page_is_a_fragment_for_htmx_and_a_page_otherwise(page_as, ready_area):
    hx = {"HX-Request": "true"}
    ready_area("G11")
    police = page_as("police", "W1")
    request_id = _request_id(police.post("/recognition/new", data={"area_code": "G11"}))
    full = police.get(f"/recognition/{request_id}")
    assert full.status_code == 200 and "HX-Request" in full.headers["Vary"]
    assert html(full).lstrip().lower().startswith("<!doctype html>")
    assert '<div id="record-panels">' in html(full)
    fragment = police.get(f"/recognition/{request_id}", headers=hx)
    assert fragment.status_code == 200 and "HX-Request" in fragment.headers["Vary"]
    text = html(fragment)
    assert "<html" not in text and 'id="record-panels"' not in text
    assert (f'hx-post="/recognition/{request_id}/events/submit" hx-target="#record-panels"'
            in text)
    # Refused (a criterion left unticked): 422, the form open with its message.
    refused = police.post(f"/recognition/{request_id}/events/submit", headers=hx,
                          data={"version": "1"})
    assert refused.status_code == 422
    text = html(refused)
    assert "<html" not in text and 'class="alert alert-error"' in text
    assert '<details class="event-box" data-event="submit" open>' in text
    # Fired: the panels again, in the new state; no redirect.
    submitted = police.post(f"/recognition/{request_id}/events/submit", headers=hx,
                            data=_all_met_form({"version": "1"}))
    assert submitted.status_code == 200
    assert 'data-state="submitted"' in html(submitted) and "<html" not in html(submitted)
