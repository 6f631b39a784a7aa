"""Start, run and retry jobs: one code path for ``CASEWORK_JOBS=inline`` and ``=queue``.

``start`` writes the job's row and commits, then hands the job over: inline (SQLite, the
embedded default) it runs at once in the request, so the page shows the result straight
away; queued (PostgreSQL) ``casework worker`` runs it and the page polls its progress. Either
way the work is ``execute``: mark the row running, run the kind's handler, mark it succeeded
or failed. A failure is logged without personal data (``web.logs.log_failure``) and the row
says, in a sentence for the user, that it failed; ``retry`` runs the same row again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, get_locale
from flask_babel import lazy_gettext as _l

from casework.auth.scope import Scope
from casework.db import utcnow
from casework.errors import CaseworkError, NotFound, ValidationFailed
from casework.extensions import db
from casework.jobs.models import Job
from casework.orgunits.models import OrgUnit
from casework.web.logs import log_failure

log = logging.getLogger(__name__)

MODES = ("inline", "queue")
GENERIC_ERROR = _l("The job failed. Try again; if it fails again, tell the administrator.")

Handler = Callable[[Job, "Progress"], None]
HANDLERS: dict[str, Handler] = {}


class JobFailed(Exception):
    """Raised to Procrastinate when a job failed (the cause is logged, without its message)."""


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that does the work of one kind of job."""

    def register(function: Handler) -> Handler:
        HANDLERS[kind] = function
        return function

    return register


def mode(app=None) -> str:
    """``inline`` or ``queue``: ``CASEWORK_JOBS``, else queue on PostgreSQL, inline on SQLite."""
    app = app or current_app
    chosen = app.config.get("JOBS")
    if chosen:
        return chosen
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    return "queue" if sa.engine.make_url(uri).get_backend_name() == "postgresql" else "inline"


class Progress:
    """(done, total) callback of a running job. Queued, it writes the numbers on a connection
    of its own (the job's work is one transaction, not yet committed) at most once a second;
    inline nobody is watching, and only the end is written."""

    def __init__(self, job_id: int, live: bool):
        self.job_id, self.live = job_id, live
        self.done, self.total = 0, None
        self._written = 0.0

    def __call__(self, done: int, total: int | None) -> None:
        self.done, self.total = done, total
        now = time.monotonic()
        if not self.live or (now - self._written < 1.0 and done != total):
            return
        self._written = now
        try:
            with _progress_engine().begin() as connection:
                connection.execute(sa.update(Job.__table__).where(Job.__table__.c.id ==
                                                                   self.job_id)
                                   .values(done=done, total=total))
        except sa.exc.SQLAlchemyError as failed:  # progress is a courtesy: never fail the job
            log_failure(log, "progress of job %s not written", failed, self.job_id)


def _progress_engine() -> sa.Engine:
    app = current_app._get_current_object()
    engine = app.extensions.get("casework.jobs.progress")
    if engine is None:
        engine = app.extensions["casework.jobs.progress"] = sa.create_engine(
            app.config["SQLALCHEMY_DATABASE_URI"], poolclass=sa.pool.NullPool,
            hide_parameters=True)
    return engine


def start(kind: str, params: dict, user, unit: OrgUnit) -> Job:
    """Record a job for ``user`` over ``unit`` and hand it over (see the module). The caller
    has checked the role and scope; the handler checks them again when it runs."""
    if kind not in HANDLERS:
        raise ValueError(f"unknown job kind {kind!r}")
    job = Job(kind=kind, params=params, state="queued", done=0, started_by_id=user.id,
              org_unit_id=unit.id, locale=str(get_locale() or "vi"), attempts=0)
    db.session.add(job)
    db.session.commit()
    _dispatch(job.id)
    return db.session.get(Job, job.id)


def retry(job: Job) -> Job:
    """Run a failed job again, in the same row; or one whose workbook was removed."""
    if not job.may_run_again:
        message = _l("Only a failed job, or one whose file was removed, can be run again.")
        raise ValidationFailed(message, errors={"state": [message]})
    job.state, job.error, job.done, job.total = "queued", None, 0, None
    job.result_name = None
    job.finished_at = None
    db.session.commit()
    _dispatch(job.id)
    return db.session.get(Job, job.id)


def _dispatch(job_id: int) -> None:
    if mode() == "inline":
        execute(job_id)
        return
    from casework.jobs.queue import defer

    try:
        defer(current_app._get_current_object(), job_id)
    except Exception as failed:  # the queue is unreachable: say so rather than wait forever
        log_failure(log, "job %s could not be queued", failed, job_id)
        db.session.rollback()
        job = db.session.get(Job, job_id)
        job.mark_failed(str(GENERIC_ERROR), utcnow())
        db.session.commit()


def execute(job_id: int) -> bool | None:
    """Run one job (the worker's task, or inline in the request): True when it succeeded,
    False when it failed, None when there was nothing to run (unknown, or not queued)."""
    job = db.session.get(Job, job_id)
    if job is None or job.state != "queued":
        log.warning("job %s not run: %s", job_id, "unknown" if job is None else job.state)
        return None
    job.state, job.started_at, job.attempts = "running", utcnow(), job.attempts + 1
    job.done, job.total = 0, None
    kind, locale = job.kind, job.locale
    db.session.commit()
    progress = Progress(job_id, live=mode() == "queue")
    with force_locale(locale):
        try:
            HANDLERS[kind](db.session.get(Job, job_id), progress)
        except Exception as failed:
            db.session.rollback()
            log_failure(log, "job %s (%s) failed", failed, job_id, kind)
            message = failed.message if isinstance(failed, CaseworkError) else GENERIC_ERROR
            job = db.session.get(Job, job_id)
            job.mark_failed(str(message), utcnow())
            db.session.commit()
            return False
    job = db.session.get(Job, job_id)
    job.state, job.finished_at = "succeeded", utcnow()
    job.total = progress.total if progress.total is not None else progress.done
    job.done = job.total
    db.session.commit()
    log.info("job %s (%s) succeeded", job_id, kind)
    return True


def visible_job(job_id: int, user, scope: Scope) -> Job:
    """The job, for its starter while their scope still reads its unit; else NotFound."""
    job = db.session.get(Job, job_id)
    if job is None or user is None or job.started_by_id != user.id or not scope.covers(
            job.org_unit.path):
        raise NotFound()
    return job


def recent_jobs(user, limit: int = 20) -> list[Job]:
    return list(db.session.scalars(
        sa.select(Job).where(Job.started_by_id == user.id)
        .order_by(Job.created_at.desc(), Job.id.desc()).limit(limit)))
