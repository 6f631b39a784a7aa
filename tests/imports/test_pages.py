"""The import page: upload, the dry-run report row by row, the import as a job (inline here:
CASEWORK_JOBS=inline, its page shows the outcome at once), the refusals."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from casework.imports.models import ImportBatch
from casework.jobs.models import Job
from casework.people.models import Person
from tests.imports.conftest import ago, csv_bytes, ddmmyyyy, person_row


@pytest.fixture
def page_en(page_as):
    """page_as, with the interface in English."""

    def make(role, unit="W1"):
        client = page_as(role, unit)
        client.post("/lang", data={"lang": "en", "next": "/"})
        return client

    return make


def upload(client, content: bytes, name="list.csv", kind="persons", mimetype="text/csv"):
    return client.post("/imports/", data={"kind": kind,
                                          "file": (io.BytesIO(content), name, mimetype)},
                       content_type="multipart/form-data")


def count(db, model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def html(response) -> str:
    return response.get_data(as_text=True)


def test_upload_check_then_import_with_progress(db, tree, page_en):
    police = page_en("police", "W1")
    assert police.get("/imports/").status_code == 200
    rows = [person_row(f"P{i}", state_since=ddmmyyyy(ago(2))) for i in range(150)]
    response = upload(police, csv_bytes(rows))
    assert response.status_code == 302
    report_page = police.get(response.headers["Location"])
    assert report_page.status_code == 200
    batch = db.session.scalar(sa.select(ImportBatch))
    assert batch.status == "checked" and batch.report["new"] == 150
    assert count(db, Person) == 0

    run = police.post(f"/imports/{batch.id}/run")
    assert run.status_code == 302 and "/jobs/" in run.headers["Location"]
    page = html(police.get(run.headers["Location"]))
    assert "Done: 150 records imported." in page
    assert "hx-trigger" not in page  # a finished job's page polls no more
    db.session.expire_all()
    job = db.session.scalar(sa.select(Job))
    assert (job.kind, job.state, job.done, job.total) == ("import", "succeeded", 150, 150)
    assert count(db, Person) == 150
    batch = db.session.get(ImportBatch, batch.id)
    assert batch.status == "imported" and batch.imported_count == 150
    assert batch.content is None  # the file is not kept once imported

    # A second run of the same batch does nothing; a second upload finds nothing new.
    assert police.post(f"/imports/{batch.id}/run").status_code == 302
    again = upload(police, csv_bytes(rows))
    second = db.session.get(ImportBatch, int(again.headers["Location"].rsplit("/", 1)[1]))
    assert second.report["existing"] == 150 and second.report["new"] == 0
    assert count(db, Person) == 150


def test_the_report_lists_each_problem_with_its_row(db, tree, page_en):
    police = page_en("police", "W1")
    rows = [person_row("A1"), person_row("A2", area_code="ZZZ"),
            person_row("A3", "managed_user", decision_no="")]
    response = upload(police, csv_bytes(rows))
    page = html(police.get(response.headers["Location"]))
    assert "ZZZ" in page and "Decision number" in page  # the column's label, not its code
    assert "<td>3</td>" in page and "<td>4</td>" in page
    assert f'/imports/{db.session.scalar(sa.select(ImportBatch.id))}/run' not in page
    batch = db.session.scalar(sa.select(ImportBatch))
    assert batch.status == "rejected" and batch.content is None  # only the report is kept
    assert police.post(f"/imports/{batch.id}/run").status_code == 302
    assert count(db, Person) == 0


def test_a_file_that_is_not_csv_or_xlsx_is_refused(db, tree, page_en):
    police = page_en("police", "W1")
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
    for name, mimetype in (("photo.png", "image/png"), ("photo.csv", "image/png"),
                           ("list.pdf", "application/pdf")):
        response = upload(police, png, name=name, mimetype=mimetype)
        assert response.status_code == 422
        assert "Only CSV (UTF-8) and XLSX files can be imported." in html(response)
    # Named .csv and sent as CSV, but not text: the dry run says so on row 1.
    response = upload(police, png, name="photo.csv")
    page = html(police.get(response.headers["Location"]))
    assert "not a spreadsheet" in page
    assert count(db, ImportBatch) == 1 and count(db, Person) == 0


def test_the_size_limit(db, tree, page_en, monkeypatch):
    from casework.imports import views

    monkeypatch.setattr(views, "MAX_UPLOAD", 1000)
    police = page_en("police", "W1")
    response = upload(police, csv_bytes([person_row(f"P{i}") for i in range(50)]))
    assert response.status_code == 413 and "larger than" in html(response)
    assert count(db, ImportBatch) == 0


def test_who_may_import_and_see_a_batch(db, tree, page_en):
    police = page_en("police", "W1")
    response = upload(police, csv_bytes([person_row("A1")]))
    location = response.headers["Location"]
    other = page_en("police", "W1")
    assert other.get(location).status_code == 404  # only the uploader sees a file
    viewer = page_en("viewer", "W1")
    assert upload(viewer, csv_bytes([person_row("A1")])).status_code == 403
    page = html(viewer.get("/imports/"))
    assert 'name="file"' not in page and "/exports/areas.xlsx" in page
    assert "/exports/persons" not in page
    chair = page_en("commune_chair", "W1")
    assert upload(chair, csv_bytes([person_row("A1")])).status_code == 403
    police_only = page_en("police", "W1")
    assert upload(police_only, b"x", kind="tests").status_code == 403


def test_the_templates_and_the_navigation(db, tree, page_en):
    police = page_en("police", "W1")
    template = police.get("/imports/templates/persons.csv")
    assert template.status_code == 200
    assert template.data.decode("utf-8-sig").startswith("External ID,Full name,Birth date")
    assert 'filename="mau-nhap-danh-sach-nguoi.csv"' in template.headers["Content-Disposition"]
    assert police.get("/imports/templates/other.csv").status_code == 404
    assert 'href="/imports/"' in html(police.get("/"))


def test_a_change_since_the_check_imports_nothing(db, tree, page_en, make_user, scope_of):
    from casework.imports.services import import_persons

    police = page_en("police", "W1")
    columns = ("external_id", "full_name", "birth_date", "gender", "area_code", "state",
               "state_since", "national_id")
    rows = [person_row("A1", national_id="001090012345"), person_row("A2")]
    location = upload(police, csv_bytes(rows, columns)).headers["Location"]
    batch_id = int(location.rsplit("/", 1)[1])
    # Meanwhile someone else imports the same person under another external ID.
    other = make_user("other", ("police", "W1"))
    assert import_persons(csv_bytes([person_row("Z9", national_id="001090012345",
                                                full_name="Tên Khác")], columns),
                          other, scope_of(other)).ok
    db.session.commit()
    run = police.post(f"/imports/{batch_id}/run")
    page = html(police.get(run.headers["Location"]))
    assert "nothing was imported" in page and "national ID" in page
    db.session.expire_all()
    assert count(db, Person) == 1
    assert db.session.get(ImportBatch, batch_id).status == "rejected"


def test_the_template_is_headed_in_vietnamese_and_reads_back(db, tree, page_as):
    police = page_as("health", "W1")
    template = police.get("/imports/templates/tests.csv")
    assert 'filename="mau-nhap-ket-qua-xet-nghiem.csv"' in template.headers[
        "Content-Disposition"]
    header = template.data.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("Mã ngoài,Mã ngoài của người được xét nghiệm,Ngày xét nghiệm,")
    assert "_" not in header  # no column code
    page = police.get("/imports/").get_data(as_text=True)
    assert "person_external_id" not in page and "Mã ngoài của người được xét nghiệm" in page
    # Its columns are all known to the import: only the missing rows are a problem.
    from flask_babel import force_locale

    from casework.imports.services import ImportReport, read

    report = ImportReport("tests")
    with force_locale("vi"):
        assert read(template.data, "tests", report) is None
    assert [p.message for p in report.problems] == [
        "Tệp không có dòng dữ liệu nào dưới dòng tiêu đề."]
