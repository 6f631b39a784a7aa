"""Papers of a person's file (INTERFACES.md, "Documents": person attachments) and the
compulsory-rehab dossier's checklist (Decree 116/2021 Art 41; Art 51 under Law Art 34)."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from casework import storage
from casework.db import today_local
from casework.demo.persons import PATHS, _walk
from casework.people.models import Person, PersonAttachment
from casework.workflow import open_record
from tests.people.law import born_years_before

PDF = b"%PDF-1.4\n% a statement\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _upload(client, person_id, content=PDF, name="tuong-trinh.pdf", kind="statement",
            note=None, expect=201):
    data = {"file": (io.BytesIO(content), name)} if content is not None else {}
    if kind is not None:
        data["kind"] = kind
    if note is not None:
        data["note"] = note
    response = client.post(f"/api/v1/persons/{person_id}/attachments", data=data,
                           content_type="multipart/form-data")
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def test_attach_list_and_download(app, db, api_as, resident):
    person = resident("addict", "G11", since=300)
    police = api_as(("police", "W1"))
    body = _upload(police, person.id, note="Bản tường trình ngày 01/12")
    assert (body["kind"], body["content_type"], body["size"]) == (
        "statement", "application/pdf", len(PDF))
    assert body["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert body["kind_label"] == "Bản tường trình (Mẫu số 31)"
    listed = police.get(f"/api/v1/persons/{person.id}/attachments").get_json()
    assert [a["id"] for a in listed["items"]] == [body["id"]]
    assert listed["checklist"] is None  # no dossier yet
    download = police.get(body["url"])
    assert download.status_code == 200 and download.data == PDF
    download.close()
    # The same folder as recognition's files, named by checksum.
    with app.app_context():
        assert storage.attachment_path(body["sha256"]).read_bytes() == PDF


@pytest.mark.parametrize(("content", "name", "kind", "field"), [
    (None, None, "statement", "file"),                 # no file
    (b"", "rong.pdf", "statement", "file"),            # empty
    (b"GIF89a....", "anh.gif", "statement", "file"),   # not an allowed type
    (PDF, "tuong-trinh.png", "statement", "file"),     # name and content disagree
    (PDF, "tuong-trinh.pdf", None, "kind"),            # no kind
    (PDF, "tuong-trinh.pdf", "passport", "kind"),      # not a listed kind
])
def test_upload_errors_are_422(db, api_as, resident, content, name, kind, field):
    person = resident("addict", "G11", since=300)
    body = _upload(api_as(("police", "W1")), person.id, content, name, kind, expect=422)
    assert field in body["errors"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PersonAttachment)) == 0


def test_too_large_and_twice_are_422(app, db, api_as, resident, monkeypatch):
    person = resident("addict", "G11", since=300)
    police = api_as(("police", "W1"))
    monkeypatch.setitem(app.config, "ATTACHMENT_MAX_BYTES", len(PDF))
    assert "file" in _upload(police, person.id, PDF + b"0", "lon.pdf", expect=422)["errors"]
    _upload(police, person.id)
    again = _upload(police, person.id, kind="other", expect=422)
    assert again["errors"]["file"]


@pytest.mark.parametrize(("role", "unit", "status"), [
    ("police", "W1", 201), ("health", "W1", 201), ("social_affairs", "W1", 201),
    ("commune_chair", "W1", 201),
    ("police", "W2", 404),        # another ward
    ("inspector", "C", 403),      # reads, does not work the case
    ("viewer", "C", 403),
    ("admin", "C", 403),
])
def test_who_may_attach(db, api_as, resident, role, unit, status):
    person = resident("addict", "G11", since=300)
    _upload(api_as((role, unit)), person.id, expect=status)


def test_viewer_and_admin_never_list_papers(db, api_as, resident):
    person = resident("addict", "G11", since=300)
    _upload(api_as(("police", "W1")), person.id)
    for grant in (("viewer", "C"), ("admin", "C")):
        response = api_as(grant).get(f"/api/v1/persons/{person.id}/attachments")
        assert response.status_code == 404


def _checklist(client, person_id):
    return client.get(f"/api/v1/persons/{person_id}/attachments").get_json()["checklist"]


ADULT = ["summary_cv", "violation_record", "addiction_assessment", "statement", "proposal"]


def test_an_adults_dossier_lists_decree_116_article_41(db, api_as, resident):
    person = resident("compulsory_dossier", "G11", since=300)
    police = api_as(("police", "W1"))
    checklist = _checklist(police, person.id)
    assert checklist["basis"] == "Nghị định 116/2021/NĐ-CP Điều 41"
    assert [i["kind"] for i in checklist["items"]] == ADULT
    assert checklist["missing"] == ADULT
    _upload(police, person.id, kind="statement")
    _upload(police, person.id, PNG, "bien-ban.png", kind="violation_record")
    checklist = _checklist(police, person.id)
    assert checklist["missing"] == ["summary_cv", "addiction_assessment", "proposal"]


def test_without_fixed_residence_the_police_finding_is_listed(db, api_as, resident):
    person = resident("compulsory_dossier", "G11", since=300)
    person.residence_type = None
    db.session.commit()
    kinds = [i["kind"] for i in _checklist(api_as(("police", "W1")), person.id)["items"]]
    assert kinds == [*ADULT, "residence_determination"]


def test_a_minors_dossier_lists_article_51_with_the_guardians_opinion(db, api_as, tree,
                                                                        make_user):
    """A person aged 15 when the dossier was opened: Law Art 33, 34 and Decree 116 Art 51."""
    start = datetime.now(UTC) - timedelta(days=300)
    minor = Person(full_name="Lò Văn Nhỏ", name_folded="lo van nho",
                   birth_date=born_years_before(today_local(), 16), gender="male",
                   org_unit=tree["G11"], residence_type="permanent")
    actor = make_user("case.minor", *[(r, "G11") for r in
                                      ("police", "health", "social_affairs", "commune_chair")])
    open_record(minor, actor, effective_at=start)
    _walk(minor, actor, PATHS["compulsory_dossier"], start)
    db.session.commit()
    checklist = _checklist(api_as(("police", "W1")), minor.id)
    assert checklist["basis"] == "Luật 73/2021/QH14 Điều 34; Nghị định 116/2021/NĐ-CP Điều 51"
    assert [i["kind"] for i in checklist["items"]] == [
        "violation_record", "summary_cv", "addiction_assessment", "statement",
        "guardian_opinion", "proposal"]


def test_the_court_decision_form_warns_of_missing_papers(db, api_as, page_as, resident):
    person = resident("compulsory_dossier", "G11", since=300)
    page = page_as("police", "W1")
    form = page.get(f"/persons/{person.id}/events/record_court_decision",
                    headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'id="missing-papers"' in form
    assert "Bản tóm tắt lý lịch (Mẫu số 30)" in form and "Điều 41.1.a" in form
    police = api_as(("police", "W1"))
    for kind in ADULT[:-1]:
        _upload(police, person.id, PDF + kind.encode(), f"{kind}.pdf", kind=kind)
    form = page.get(f"/persons/{person.id}/events/record_court_decision",
                    headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Văn bản đề nghị (Mẫu số 29)" in form and "Bản tường trình" not in form
    # A warning, not a refusal: the step is recorded with a paper missing.
    body = police.get(f"/api/v1/persons/{person.id}").get_json()
    response = police.post(f"/api/v1/persons/{person.id}/transitions", json={
        "event": "record_court_decision", "version": body["version"],
        "data": {"court": "TAND thành phố", "decision_no": "08/QĐ-TA",
                 "decision_date": today_local().isoformat(), "ordered": True, "months": 18}})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["state"] == "compulsory_rehab"
    # Other events' forms carry no warning.
    assert 'id="missing-papers"' not in page.get(
        f"/persons/{person.id}/events/release", headers={"HX-Request": "true"}
    ).get_data(as_text=True)


def test_the_person_page_attaches_and_lists_papers(db, page_as, resident):
    person = resident("compulsory_dossier", "G11", since=300)
    page = page_as("police", "W1")
    html = page.get(f"/persons/{person.id}").get_data(as_text=True)
    assert 'id="checklist"' in html and html.count('class="missing"') == 5
    assert 'id="attach-paper"' in html
    response = page.post(f"/persons/{person.id}/attachments",
                         data={"kind": "summary_cv", "note": "Bản gốc",
                               "file": (io.BytesIO(PDF), "ly-lich.pdf")},
                         content_type="multipart/form-data")
    assert response.status_code == 302
    html = page.get(f"/persons/{person.id}").get_data(as_text=True)
    assert "ly-lich.pdf" in html and "Đã đính kèm" in html
    assert html.count('class="missing"') == 4
    refused = page.post(f"/persons/{person.id}/attachments",
                        data={"kind": "summary_cv", "file": (io.BytesIO(b"x"), "a.txt")},
                        content_type="multipart/form-data", follow_redirects=True)
    assert "PDF, JPEG" in refused.get_data(as_text=True)
    # A reader who does not work the case sees the papers, not the form.
    html = page_as("inspector", "C").get(f"/persons/{person.id}").get_data(as_text=True)
    assert "ly-lich.pdf" in html and 'id="attach-paper"' not in html
