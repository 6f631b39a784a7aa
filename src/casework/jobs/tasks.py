"""The kinds of job: an import, a plan report's workbook, the province-review workbook.

Each handler runs as the job's starter, with their scope as it is now (a grant removed since
the job was started stops it), and does what the page used to do inside the request: the
build functions of ``plans.reports`` and ``reviews.report`` and the import's services are
called as they are.
"""

from __future__ import annotations

import sqlalchemy as sa

from casework.audit.exports import record_export
from casework.auth.scope import Scope
from casework.extensions import db
from casework.imports import batches
from casework.imports import services as imports
from casework.imports.models import ImportBatch
from casework.jobs.files import save_result
from casework.jobs.models import Job
from casework.jobs.runner import Progress, handler
from casework.plans import reports
from casework.reviews import report as province_review


@handler("import")
def run_import(job: Job, progress: Progress) -> None:
    """Import a checked file all or nothing (one transaction), reporting the rows done."""
    batch = db.session.scalar(
        sa.select(ImportBatch).where(ImportBatch.id == job.params["batch_id"],
                                     ImportBatch.uploaded_by_id == job.started_by_id)
        .with_for_update())
    if batch is None or batch.status != "checked" or batch.content is None:
        return  # imported, or found wrong, meanwhile: nothing left to do
    user = job.started_by
    report = imports.import_file(batch.kind, batch.content, user, Scope.for_user(user),
                                 batch.filename, progress)
    batches.finish(batch.id, report)


@handler("report")
def run_report(job: Job, progress: Progress) -> None:
    """A plan report (six-month, annual, phase) as a workbook."""
    user, unit = job.started_by, job.org_unit
    scope = Scope.for_user(user)
    scope.require_read(unit.path)
    kind, period = job.params["report_kind"], job.params["period"]
    progress(0, 2)
    built = reports.build_report(kind, period, unit, scope)
    progress(1, 2)
    data = reports.workbook(built)
    record_export(user, f"report:{kind}", org_unit=unit,
                  filters={"period": period, "names": built.personal},
                  row_count=len(built.rows) + len(built.criteria) + len(built.overdue),
                  file_format="xlsx")
    save_result(job, reports.filename(built), data)
    progress(2, 2)
    db.session.commit()


@handler("province_review")
def run_province_review(job: Job, progress: Progress) -> None:
    """The QĐ 28 province workbook of a period."""
    user, unit = job.started_by, job.org_unit
    scope = Scope.for_user(user)
    year = int(job.params["period"])
    progress(0, 2)
    built = province_review.build(unit, year, scope)
    progress(1, 2)
    data = province_review.workbook(built)
    record_export(user, "report:province_review", org_unit=unit,
                  filters={"period": year, "names": False}, row_count=len(built.rows),
                  file_format="xlsx")
    save_result(job, province_review.filename(built), data)
    progress(2, 2)
    db.session.commit()
