"""Jobs whose process died under them are marked failed, and may then be tried again.

Inline (both databases): a job a request took more than an hour ago, one second either side.
Queued (PostgreSQL): a job left ``doing`` by a worker whose heartbeat stopped, beside one on
a live worker; Procrastinate is told too, and the job is then retried by a real worker.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from casework.db import utcnow
from casework.jobs import queue, sweep
from casework.jobs.files import result_path
from casework.jobs.models import Job
from tests.clock import vn_today
from tests.conftest import is_postgres
from tests.jobs.test_jobs import html, jobs, procrastinate_states, queued, run_worker

__all__ = ["queued"]  # the fixture, used below by name

STOPPED_VI = "Công việc đã dừng trước khi xong"


def annual(api) -> dict:
    return api.post("/api/v1/jobs", json={"kind": "annual", "org_unit": "C",
                                          "period": str(vn_today().year)}).get_json()


def set_row(db, job_id: int, **values) -> None:
    db.session.execute(sa.update(Job).where(Job.id == job_id).values(**values))
    db.session.commit()


# --- inline ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("state", "age", "stopped"), [
    ("running", sweep.INLINE_LIMIT + timedelta(seconds=1), True),
    ("running", sweep.INLINE_LIMIT, False),
    ("running", sweep.INLINE_LIMIT - timedelta(seconds=1), False),
    ("queued", sweep.INLINE_LIMIT + timedelta(seconds=1), True),
    ("queued", sweep.INLINE_LIMIT - timedelta(seconds=1), False),
    ("succeeded", timedelta(days=3), False),
    ("failed", timedelta(days=3), False),
])
def test_an_inline_job_taken_over_an_hour_ago_is_marked_failed(app, db, tree, api_as, state,
                                                               age, stopped):
    api = api_as(("police", "C"))
    job_id = annual(api)["id"]
    now = utcnow()
    with time_machine.travel(now, tick=False):
        since = now - age
        set_row(db, job_id, state=state, started_at=since, created_at=since, error=None,
                finished_at=None if state in sweep.UNDER_WAY else since)
        assert sweep.sweep(app).stopped == ([job_id] if stopped else [])
    (job,) = jobs(db)
    if stopped:
        assert (job.state, job.finished_at is not None) == ("failed", True)
        assert job.error.startswith(STOPPED_VI)
    else:
        assert (job.state, job.error) == (state, None)


def test_a_stopped_job_says_why_in_its_starters_language_and_may_be_tried_again(
        app, db, tree, api_as, page_as):
    police = page_as("police", "C")
    location = police.post("/jobs/workbooks", data={
        "kind": "annual", "org_unit": "C", "period": str(vn_today().year)}).headers["Location"]
    (job,) = jobs(db)
    long_ago = utcnow() - timedelta(hours=2)
    set_row(db, job.id, state="running", started_at=long_ago, finished_at=None,
            result_name=None, locale="en")
    assert 'hx-trigger="every 2s"' in html(police.get(location))  # still waiting for it
    assert sweep.sweep(app).stopped == [job.id]
    (job,) = jobs(db)
    assert job.error.startswith("The job stopped before it finished")
    page = html(police.get(location))
    assert "hx-trigger" not in page and "Chạy lại" in page
    retried = police.post(f"/jobs/{job.id}/retry")
    assert retried.status_code == 302
    (job,) = jobs(db)
    assert (job.state, job.attempts, job.error) == ("succeeded", 2, None)


def test_the_command_says_what_it_swept(app, db, tree, api_as):
    api = api_as(("police", "C"))
    runner = app.test_cli_runner()
    output = runner.invoke(args=["jobs", "sweep"]).output
    assert "No job stopped unfinished." in output and "removed after 7 days: 0" in output
    job_id = annual(api)["id"]
    set_row(db, job_id, state="running", started_at=utcnow() - timedelta(hours=3))
    result = runner.invoke(args=["jobs", "sweep"])
    assert result.exit_code == 0, result.output
    assert f"1 job(s) stopped unfinished, now failed: {job_id}" in result.output


def test_a_stopped_job_is_logged_without_its_parameters(app, db, tree, api_as, caplog):
    api = api_as(("police", "C"))
    job_id = annual(api)["id"]
    set_row(db, job_id, state="running", started_at=utcnow() - timedelta(hours=3))
    with caplog.at_level("WARNING"):
        sweep.sweep(app)
    assert f"job {job_id} (report) stopped unfinished" in caplog.text
    assert "period" not in caplog.text and "annual" not in caplog.text


# --- queued, on PostgreSQL ---------------------------------------------------------------------


needs_postgres = pytest.mark.skipif(
    not is_postgres(), reason="Procrastinate's queue needs PostgreSQL (CASEWORK_TEST_DATABASE_URL)")


def swept(app) -> list[int]:
    """``sweep.sweep`` as the command runs it, in an app context on a thread of its own: its
    asyncio loop may not be this thread's, which Playwright's (the browser tests') may hold."""
    out: list = []

    def run():
        with app.app_context():
            out.append(sweep.sweep(app).stopped)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    assert out, "the sweep did not finish"
    return out[0]


@needs_postgres
@pytest.mark.postgres
@pytest.mark.parametrize("by", ["command", "worker"])
def test_a_job_whose_worker_died_is_failed_then_run_again(app, db, tree, api_as, queued, by):
    api = api_as(("police", "C"))
    dead, alive = annual(api)["id"], annual(api)["id"]
    procrastinate_app = queue.procrastinate_app(app)
    procrastinate_app.open()
    connector = procrastinate_app.connector.get_sync_connector()
    # Two workers took the two jobs: one was killed 5 minutes ago (no heartbeat since), the
    # other beats now, its job running for hours.
    workers = {}
    for job_id, silent in ((dead, "5 minutes"), (alive, "0 seconds")):
        workers[job_id] = connector.execute_query_one(
            "INSERT INTO procrastinate_workers (last_heartbeat) "
            "VALUES (now() - %(silent)s::interval) RETURNING id", silent=silent)["id"]
        connector.execute_query(
            "UPDATE procrastinate_jobs SET status = 'doing', worker_id = %(worker)s "
            "WHERE args->>'job_id' = %(job)s", worker=workers[job_id], job=str(job_id))
        set_row(db, job_id, state="running", started_at=utcnow() - timedelta(hours=2))
    if by == "worker":  # the periodic task, deferred now rather than at its time
        procrastinate_app.tasks[f"casework.periodic.{queue.SWEEP}"].defer(timestamp=0)
    procrastinate_app.close()
    try:
        if by == "command":
            assert swept(app) == [dead]
        else:
            run_worker(app)
        assert [j.state for j in jobs(db)] == ["failed", "running"]
        assert procrastinate_states(app) == ["failed", "doing"]  # of casework.run_job
        assert jobs(db)[0].error.startswith(STOPPED_VI)
        assert swept(app) == []  # a second sweep finds nothing more

        assert api.post(f"/api/v1/jobs/{dead}/retry").get_json()["state"] == "queued"
        run_worker(app)
        got = api.get(f"/api/v1/jobs/{dead}").get_json()
        assert (got["state"], got["attempts"], got["error"]) == ("succeeded", 1, None)
    finally:
        procrastinate_app.open()
        connector = procrastinate_app.connector.get_sync_connector()
        connector.execute_query("UPDATE procrastinate_jobs SET worker_id = NULL")
        connector.execute_query("DELETE FROM procrastinate_workers")
        procrastinate_app.close()


@needs_postgres
@pytest.mark.postgres
def test_the_worker_sweeps_every_five_minutes(app):
    procrastinate_app = queue.procrastinate_app(app)
    task = procrastinate_app.tasks[f"casework.periodic.{queue.SWEEP}"]
    periodic = {p.periodic_id: p
                for p in procrastinate_app.periodic_registry.periodic_tasks.values()}
    assert periodic[queue.SWEEP].task is task
    assert periodic[queue.SWEEP].cron == sweep.SWEEP_CRON == "*/5 * * * *"


# --- workbooks removed after RESULT_DAYS -------------------------------------------------------


def finished(db, job_id: int, ago: timedelta) -> None:
    set_row(db, job_id, finished_at=utcnow() - ago)


@pytest.mark.parametrize(("ago", "removed"), [
    (timedelta(days=sweep.RESULT_DAYS, seconds=1), True),
    (timedelta(days=sweep.RESULT_DAYS), False),
    (timedelta(days=sweep.RESULT_DAYS, seconds=-1), False),
])
def test_a_workbook_is_removed_seven_days_after_it_was_made(app, db, tree, api_as, ago,
                                                            removed):
    api = api_as(("police", "C"))
    job_id = annual(api)["id"]
    path = result_path(job_id)
    assert path.is_file()
    now = utcnow()
    with time_machine.travel(now, tick=False):
        set_row(db, job_id, finished_at=now - ago)
        assert sweep.sweep(app).removed == ([job_id] if removed else [])
    got = api.get(f"/api/v1/jobs/{job_id}").get_json()
    assert (got["file_removed"], got["file_url"] is None, path.is_file()) == (
        removed, removed, not removed)
    assert api.get(f"/api/v1/jobs/{job_id}/file").status_code == (404 if removed else 200)


def test_a_removed_workbook_is_made_again_from_its_page(app, db, tree, page_as):
    police = page_as("police", "C")
    location = police.post("/jobs/workbooks", data={
        "kind": "annual", "org_unit": "C", "period": str(vn_today().year)}).headers["Location"]
    (job,) = jobs(db)
    finished(db, job.id, timedelta(days=30))
    assert police.post(f"/jobs/{job.id}/retry").status_code == 302
    assert (jobs(db)[0].attempts, jobs(db)[0].state) == (1, "succeeded")  # kept: not removed
    assert sweep.sweep(app).removed == [job.id]
    page = html(police.get(location))
    assert 'id="job-removed"' in page and "job-download" not in page
    assert "đã được xóa 7 ngày sau khi lập" in page
    assert police.post(f"/jobs/{job.id}/retry").status_code == 302
    (job,) = jobs(db)
    assert (job.state, job.attempts, job.result_removed) == ("succeeded", 2, False)
    assert police.get(f"/jobs/{job.id}/file").status_code == 200


def test_a_job_with_its_file_or_an_import_is_not_run_again(app, db, tree, api_as):
    api = api_as(("police", "C"))
    job_id = annual(api)["id"]
    refused = api.post(f"/api/v1/jobs/{job_id}/retry")
    assert refused.status_code == 422 and "state" in refused.get_json()["errors"]
    set_row(db, job_id, kind="import", result_name=None,
            params={"batch_id": 1})  # an import keeps no file: never "removed"
    (job,) = jobs(db)
    assert not job.result_removed
    assert api.post(f"/api/v1/jobs/{job_id}/retry").status_code == 422
