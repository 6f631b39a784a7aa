"""JSON API for jobs: prepare a workbook, follow its progress, download it, retry it."""

from __future__ import annotations

from flask import Response, url_for
from flask_login import current_user
from marshmallow import fields, validate

from casework.api_base import Blueprint
from casework.auth.roles import ROLES
from casework.auth.scope import current_scope, get_scoped_orgunit
from casework.errors import NotFound
from casework.jobs import runner
from casework.jobs.files import read_result
from casework.jobs.services import WORKBOOK_KINDS, start_workbook
from casework.spreadsheets import attachment
from casework.validation import Schema, Text

blp = Blueprint("jobs_api", __name__, url_prefix="/api/v1/jobs",
                description="Long work as jobs: report workbooks, imports")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class WorkbookJobInSchema(Schema):
    kind = Text(required=True, validate=validate.OneOf(WORKBOOK_KINDS), metadata={
        "description": "six_month, annual, phase or province_review"})
    org_unit = Text(required=True, max_length=32)
    period = Text(required=True, max_length=50, metadata={
        "description": "six_month: 2025-H1; annual: 2025; phase: PLANCODE:N; "
                       "province_review: 2026"})


class JobSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "import, report or province_review"})
    params = fields.Dict()
    state = fields.String(metadata={"description": "queued, running, succeeded or failed"})
    done = fields.Integer()
    total = fields.Integer(allow_none=True)
    percent = fields.Integer()
    org_unit = fields.String(attribute="org_unit.code")
    error = fields.String(allow_none=True, metadata={"description": "why it failed"})
    attempts = fields.Integer()
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    file_url = fields.Function(
        lambda job: url_for("jobs_api.job_file", job_id=job.id)
        if job.state == "succeeded" and job.result_name else None,
        allow_none=True, metadata={"type": "string"})
    file_removed = fields.Boolean(attribute="result_removed", metadata={
        "description": "the workbook was removed 7 days after it was made; retry makes it again"})


def _job(job_id: int):
    return runner.visible_job(job_id, current_user._get_current_object(), current_scope())


@blp.route("", methods=["POST"], roles=ROLES)
@blp.arguments(WorkbookJobInSchema)
@blp.response(202, JobSchema)
def create_job(body):
    """Prepare a workbook as a job (202). Follow it at GET /jobs/{id}; `file_url` once done.
    With CASEWORK_JOBS=inline the job has already run when this answers."""
    unit = get_scoped_orgunit(body["org_unit"], current_scope())
    return start_workbook(body["kind"], unit, body["period"], current_user._get_current_object())


@blp.route("/<int:job_id>")
@blp.response(200, JobSchema)
def get_job(job_id):
    """A job of the caller's: state, progress, error, file."""
    return _job(job_id)


@blp.route("/<int:job_id>/retry", methods=["POST"], roles=ROLES)
@blp.response(202, JobSchema)
def retry_job(job_id):
    """Run a failed job again (the same job); 422 when it has not failed."""
    return runner.retry(_job(job_id))


@blp.route("/<int:job_id>/file")
@blp.response(200, content_type=XLSX)
def job_file(job_id):
    """The job's workbook, once it succeeded."""
    job = _job(job_id)
    data = read_result(job) if job.state == "succeeded" else None
    if data is None:
        raise NotFound()
    return Response(data, mimetype=XLSX, headers={
        "Content-Disposition": attachment(job.result_name), "Cache-Control": "no-store"})
