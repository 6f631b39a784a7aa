"""Jobs: a workbook prepared, downloaded, failed and tried again; an import queued.

The first tests run inline (CASEWORK_JOBS=inline, as on SQLite: the job has run when the
request answers); those marked ``postgres`` queue the job on Procrastinate and run the worker
in this process until the queue is empty.
"""

from __future__ import annotations

import io
import logging
import threading

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from casework.audit.exports import ExportEntry
from casework.imports.models import ImportBatch
from casework.jobs import queue
from casework.jobs.models import Job
from casework.people.models import Person
from casework.plans import reports
from tests.clock import vn_today
from tests.conftest import is_postgres
from tests.imports.conftest import csv_bytes, person_row

SECRET = "Nguyễn Bí Mật"  # personal data a failure carries: never in a log or on a page


def html(response) -> str:
    return response.get_data(as_text=True)


def prepare(client, kind="annual", org_unit="C", period=None):
    period = period or str(vn_today().year)
    return client.post("/jobs/workbooks", data={"kind": kind, "org_unit": org_unit,
                                                "period": period})


def fail_once(monkeypatch):
    """The next workbook fails with personal data in its message; the one after succeeds."""
    real, calls = reports.workbook, []

    def workbook(report):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError(f"cannot write {SECRET}")
        return real(report)

    monkeypatch.setattr(reports, "workbook", workbook)
    return calls


def jobs(db):
    db.session.expire_all()
    return db.session.scalars(sa.select(Job).order_by(Job.id)).all()


# --- inline ------------------------------------------------------------------------------------


def test_a_workbook_is_prepared_then_downloaded_by_its_starter_only(db, page_as):
    police = page_as("police", "C")
    started = prepare(police)
    assert started.status_code == 302
    page = html(police.get(started.headers["Location"]))
    assert "hx-trigger" not in page and "job-download" in page  # inline: done at once
    (job,) = jobs(db)
    assert (job.kind, job.state, job.done, job.total, job.attempts) == (
        "report", "succeeded", 2, 2, 1)
    assert job.result_name == f"bao-cao-nam-{vn_today().year}-C.xlsx"
    download = police.get(f"/jobs/{job.id}/file")
    assert download.status_code == 200 and job.result_name in download.headers[
        "Content-Disposition"]
    assert load_workbook(io.BytesIO(download.data)).sheetnames[0]
    assert db.session.scalar(sa.select(ExportEntry.kind)) == "report:annual"
    # Nobody else sees the job: another officer of the same city, nor one of another city.
    for other in (page_as("police", "C"), page_as("police", "D")):
        assert other.get(f"/jobs/{job.id}").status_code == 404
        assert other.get(f"/jobs/{job.id}/file").status_code == 404
    assert f"/jobs/{job.id}" in html(police.get("/jobs/"))


def test_a_workbook_outside_the_scope_or_with_a_bad_period_is_refused(db, page_as):
    police = page_as("police", "W1")
    assert prepare(police, org_unit="D").status_code == 404
    assert prepare(police, org_unit="W1", period="next-year").status_code == 422
    assert prepare(police, kind="monthly", org_unit="W1").status_code == 400
    assert jobs(db) == []


def test_a_failed_workbook_says_so_logs_no_personal_data_and_is_tried_again(
        db, page_as, monkeypatch, caplog):
    calls = fail_once(monkeypatch)
    police = page_as("police", "C")
    with caplog.at_level(logging.ERROR):
        location = prepare(police).headers["Location"]
    page = html(police.get(location))
    assert "job-retry" in page and SECRET not in page
    (job,) = jobs(db)
    assert job.state == "failed" and job.error and SECRET not in job.error
    assert f"job {job.id} (report) failed: RuntimeError" in caplog.text
    assert SECRET not in caplog.text
    assert police.get(f"/jobs/{job.id}/file").status_code == 404

    assert police.post(f"/jobs/{job.id}/retry").status_code == 302
    (job,) = jobs(db)  # the same row
    assert (job.state, job.attempts, job.error) == ("succeeded", 2, None)
    assert len(calls) == 2
    assert "job-download" in html(police.get(location))


def test_the_jobs_api(db, api_as, monkeypatch):
    fail_once(monkeypatch)
    api = api_as(("police", "C"))
    year = vn_today().year
    answer = api.post("/api/v1/jobs", json={"kind": "annual", "org_unit": "C",
                                            "period": str(year)})
    assert answer.status_code == 202, answer.get_json()
    body = answer.get_json()
    assert (body["state"], body["file_url"], body["org_unit"]) == ("failed", None, "C")
    retried = api.post(f"/api/v1/jobs/{body['id']}/retry")
    assert retried.status_code == 202 and retried.get_json()["state"] == "succeeded"
    assert retried.get_json()["attempts"] == 2
    again = api.post(f"/api/v1/jobs/{body['id']}/retry")
    assert again.status_code == 422 and again.get_json()["code"] == "validation_error"
    got = api.get(f"/api/v1/jobs/{body['id']}").get_json()
    assert got["file_url"] == f"/api/v1/jobs/{body['id']}/file" and got["percent"] == 100
    download = api.get(got["file_url"])
    assert download.status_code == 200 and download.mimetype.endswith("spreadsheetml.sheet")

    other = api_as(("police", "C"))
    assert other.get(f"/api/v1/jobs/{body['id']}").status_code == 404
    assert other.post(f"/api/v1/jobs/{body['id']}/retry").status_code == 404
    assert api.post("/api/v1/jobs", json={"kind": "annual", "org_unit": "D",
                                          "period": str(year)}).status_code == 404
    bad = api.post("/api/v1/jobs", json={"kind": "annual", "org_unit": "C", "period": "x"})
    assert bad.status_code == 422 and "period" in bad.get_json()["errors"]
    bad = api.post("/api/v1/jobs", json={"kind": "monthly", "org_unit": "C", "period": "1"})
    assert bad.status_code == 422 and "kind" in bad.get_json()["errors"]


# --- queued, on PostgreSQL ---------------------------------------------------------------------

needs_postgres = pytest.mark.skipif(
    not is_postgres(), reason="Procrastinate's queue needs PostgreSQL (CASEWORK_TEST_DATABASE_URL)")


@pytest.fixture
def queued(app, monkeypatch):
    """CASEWORK_JOBS=queue for this test; afterwards Procrastinate's rows are removed (they
    were committed on its own connection, outside the test's transaction)."""
    monkeypatch.setitem(app.config, "JOBS", "queue")
    yield
    procrastinate_app = queue.procrastinate_app(app)
    procrastinate_app.open()
    connector = procrastinate_app.connector.get_sync_connector()
    connector.execute_query("DELETE FROM procrastinate_periodic_defers")
    connector.execute_query("DELETE FROM procrastinate_jobs")
    procrastinate_app.close()


def run_worker(app):
    """The worker, in this process until the queue is empty (60 s at most), in a thread of its
    own: its event loop may not be this thread's, which Playwright's (the browser tests') may
    hold."""
    failures: list[BaseException] = []

    def work():
        try:
            queue.run_worker(app, wait=False, install_signal_handlers=False,
                             listen_notify=False)
        except BaseException as failed:  # re-raised in the test's thread
            failures.append(failed)

    thread = threading.Thread(target=work, name="test-worker")
    thread.start()
    thread.join(60)
    assert not thread.is_alive(), "the worker did not stop within 60 s"
    if failures:
        raise failures[0]


def procrastinate_states(app) -> list[str]:
    procrastinate_app = queue.procrastinate_app(app)
    procrastinate_app.open()
    rows = procrastinate_app.connector.get_sync_connector().execute_query_all(
        "SELECT status::text AS status FROM procrastinate_jobs WHERE task_name = %(name)s "
        "ORDER BY id", name=queue.RUN_JOB)
    return [row["status"] for row in rows]


@needs_postgres
@pytest.mark.postgres
def test_a_queued_workbook_is_run_by_the_worker(app, db, page_as, queued):
    police = page_as("police", "C")
    location = prepare(police).headers["Location"]
    page = html(police.get(location))
    assert 'hx-trigger="every 2s"' in page  # the page polls until the job ends
    (job,) = jobs(db)
    assert job.state == "queued" and job.attempts == 0
    assert procrastinate_states(app) == ["todo"]

    run_worker(app)
    (job,) = jobs(db)
    assert (job.state, job.attempts) == ("succeeded", 1)
    assert procrastinate_states(app) == ["succeeded"]
    fragment = html(police.get(location, headers={"HX-Request": "true"}))
    assert 'id="job-status"' in fragment and "<html" not in fragment
    assert "hx-trigger" not in fragment and "job-download" in fragment
    assert police.get(f"/jobs/{job.id}/file").status_code == 200


@needs_postgres
@pytest.mark.postgres
def test_a_queued_job_fails_is_retried_and_succeeds(app, db, api_as, queued, monkeypatch,
                                                    caplog):
    calls = fail_once(monkeypatch)
    api = api_as(("police", "C"))
    body = api.post("/api/v1/jobs", json={"kind": "annual", "org_unit": "C",
                                          "period": str(vn_today().year)}).get_json()
    assert body["state"] == "queued"
    with caplog.at_level(logging.INFO):
        run_worker(app)
    assert api.get(f"/api/v1/jobs/{body['id']}").get_json()["state"] == "failed"
    assert procrastinate_states(app) == ["failed"]  # Procrastinate knows it failed too
    assert SECRET not in caplog.text

    assert api.post(f"/api/v1/jobs/{body['id']}/retry").get_json()["state"] == "queued"
    run_worker(app)
    got = api.get(f"/api/v1/jobs/{body['id']}").get_json()
    assert (got["state"], got["attempts"], got["error"]) == ("succeeded", 2, None)
    assert procrastinate_states(app) == ["failed", "succeeded"]
    assert len(calls) == 2 and len(jobs(db)) == 1


@needs_postgres
@pytest.mark.postgres
def test_a_queued_import_shows_its_progress_then_its_outcome(app, db, tree, page_as, queued):
    police = page_as("police", "W1")
    rows = [person_row(f"Q{i}") for i in range(5)]
    uploaded = police.post("/imports/", data={
        "kind": "persons", "file": (io.BytesIO(csv_bytes(rows)), "list.csv", "text/csv")},
        content_type="multipart/form-data")
    batch_id = int(uploaded.headers["Location"].rsplit("/", 1)[1])
    location = police.post(f"/imports/{batch_id}/run").headers["Location"]
    assert 'hx-trigger="every 2s"' in html(police.get(location))
    # A second click while it waits goes to the same job.
    assert police.post(f"/imports/{batch_id}/run").headers["Location"] == location
    run_worker(app)
    page = html(police.get(location))
    assert "hx-trigger" not in page and f"/imports/{batch_id}" in page
    (job,) = jobs(db)
    assert (job.kind, job.state, job.done, job.total) == ("import", "succeeded", 5, 5)
    assert db.session.get(ImportBatch, batch_id).imported_count == 5
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 5
