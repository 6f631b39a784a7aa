"""Starting the kinds of job, with their parameters checked before anything is queued."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from flask_babel import gettext as _

from casework.errors import ValidationFailed
from casework.extensions import db
from casework.jobs import (
    runner,
    tasks,  # noqa: F401 - registers the handlers
)
from casework.jobs.models import Job
from casework.orgunits.models import OrgUnit
from casework.plans.models import REPORT_KINDS
from casework.plans.reports import parse_period

# What the "prepare" buttons and POST /api/v1/jobs may ask for: a plan report's kind, or the
# QĐ 28 province review.
WORKBOOK_KINDS = (*REPORT_KINDS, "province_review")


def start_workbook(kind: str, unit: OrgUnit, period, user) -> Job:
    """Prepare a workbook over ``unit`` (loaded through the caller's scope) for ``period``."""
    if kind == "province_review":
        try:
            year = int(str(period))
        except ValueError:
            year = 0
        if not 2000 <= year <= 2100:
            message = _("The period is a year, such as 2026.")
            raise ValidationFailed(message, errors={"period": [message]})
        return runner.start("province_review", {"period": year}, user, unit)
    if kind not in REPORT_KINDS:
        message = _("Use six_month, annual, phase or province_review.")
        raise ValidationFailed(message, errors={"kind": [message]})
    parse_period(kind, str(period or ""))  # a bad period is refused now, not in the job
    return runner.start("report", {"report_kind": kind, "period": str(period)}, user, unit)


def import_unit(scope, roles: Iterable[str]) -> OrgUnit | None:
    """The unit an import job is filed under: the widest unit where the importer holds one
    of ``roles``."""
    wanted = set(roles)
    grants = sorted((g for g in scope.grants if g.role in wanted), key=lambda g: len(g.path))
    return db.session.get(OrgUnit, grants[0].org_unit_id) if grants else None


def running_import(user, batch_id: int) -> Job | None:
    """A queued or running import of the batch, so that a second click waits for it."""
    for job in db.session.scalars(
            sa.select(Job).where(Job.started_by_id == user.id, Job.kind == "import",
                                 Job.state.in_(("queued", "running")))):
        if job.params.get("batch_id") == batch_id:
            return job
    return None
