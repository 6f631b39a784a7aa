"""Job pages: start an import or a workbook, watch its progress (htmx polls the status
fragment until the job ends), download the result, try a failed job again.

A job's pages are its starter's only, while their scope still reads the job's unit
(``runner.visible_job``); anyone else gets 404.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from casework.auth.scope import current_scope, get_scoped_orgunit
from casework.errors import CaseworkError
from casework.extensions import db
from casework.imports.models import ImportBatch
from casework.imports.parsing import Problem
from casework.imports.views import IMPORT_ROLES
from casework.jobs import runner
from casework.jobs.files import read_result
from casework.jobs.models import Job
from casework.jobs.services import WORKBOOK_KINDS, import_unit, running_import, start_workbook
from casework.jobs.sweep import RESULT_DAYS
from casework.spreadsheets import attachment

bp = Blueprint("jobs", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _user():
    return current_user._get_current_object()


def _job(job_id: int) -> Job:
    try:
        return runner.visible_job(job_id, _user(), current_scope())
    except CaseworkError:
        abort(404)


@bp.route("/imports/<int:batch_id>/run", methods=["POST"])
@login_required
def run_import(batch_id):
    """Import a checked file as a job; then its page (the outcome at once, inline)."""
    batch = db.session.scalar(
        sa.select(ImportBatch).where(ImportBatch.id == batch_id,
                                     ImportBatch.uploaded_by_id == current_user.id))
    if batch is None:
        abort(404)
    under_way = running_import(_user(), batch.id)
    if under_way is not None:
        return redirect(url_for("jobs.show", job_id=under_way.id))
    if batch.status != "checked" or batch.content is None:
        return redirect(url_for("imports.show", batch_id=batch.id))
    unit = import_unit(current_scope(), IMPORT_ROLES[batch.kind])
    if unit is None:
        abort(403)
    job = runner.start("import", {"batch_id": batch.id}, _user(), unit)
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.route("/jobs/workbooks", methods=["POST"])
@login_required
def prepare_workbook():
    """Prepare a report workbook (``kind``: six_month, annual, phase or province_review, for
    ``org_unit`` and ``period``) as a job."""
    kind = request.form.get("kind", "")
    if kind not in WORKBOOK_KINDS:
        abort(400)
    unit = get_scoped_orgunit(request.form.get("org_unit", ""), current_scope())
    job = start_workbook(kind, unit, request.form.get("period", ""), _user())
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.route("/jobs/")
@login_required
def index():
    """The caller's latest jobs."""
    jobs = [j for j in runner.recent_jobs(_user())
            if current_scope().covers(j.org_unit.path)]
    return render_template("jobs/index.html", jobs=jobs)


def _batch_of(job: Job) -> ImportBatch | None:
    if job.kind != "import":
        return None
    return db.session.get(ImportBatch, job.params.get("batch_id"))


@bp.route("/jobs/<int:job_id>")
@login_required
def show(job_id):
    """The job's page; its status fragment alone when htmx polls it."""
    job = _job(job_id)
    batch = _batch_of(job)
    problems = [Problem(*p) for p in batch.report.get("problems", [])] if batch else []
    context = {"job": job, "batch": batch, "problems": problems, "result_days": RESULT_DAYS}
    if request.headers.get("HX-Request") == "true":
        response = Response(render_template("jobs/_status.html", **context))
    else:
        response = Response(render_template("jobs/show.html", **context))
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("HX-Request")
    return response


@bp.route("/jobs/<int:job_id>/file")
@login_required
def download(job_id):
    """The job's result (a workbook)."""
    job = _job(job_id)
    data = read_result(job) if job.state == "succeeded" else None
    if data is None:
        abort(404)
    return Response(data, mimetype=XLSX, headers={
        "Content-Disposition": attachment(job.result_name), "Cache-Control": "no-store"})


@bp.route("/jobs/<int:job_id>/retry", methods=["POST"])
@login_required
def retry(job_id):
    """Run a failed job again (the same row)."""
    job = _job(job_id)
    if job.may_run_again:
        runner.retry(job)
    return redirect(url_for("jobs.show", job_id=job_id))
