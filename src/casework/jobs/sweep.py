"""Jobs whose process died under them: marked failed, so that their page stops waiting and
offers **Chạy lại**.

A job is ``running`` from the moment its process takes it until it ends, succeeded or failed.
When that process is killed first (out of memory, a deploy that did not wait, a gunicorn
timeout), nothing ends it: its page would follow a progress that never moves, and a failed
job only may be tried again. The sweep finds such jobs:

- queued (``CASEWORK_JOBS=queue``): Procrastinate's jobs of ``casework.run_job`` still
  ``doing`` on a worker that has not beaten its heart for ``HEARTBEAT_SECONDS`` (a live worker
  beats every 10 s, however long its job runs). Procrastinate is told they failed;
- inline: jobs that a web request took more than ``INLINE_LIMIT`` ago (a request that long has
  been killed: gunicorn's timeout is 60 s, ``CASEWORK_WEB_TIMEOUT`` in ``gunicorn.conf.py``).

The same sweep removes the workbooks made more than ``RESULT_DAYS`` ago: they list persons
by name, and a file lying in the instance folder for ever is personal data kept for nothing.
The job's page then offers to make it again.

``casework worker`` sweeps every 5 minutes; ``casework jobs sweep`` does it once (cron, with
inline jobs). A job already ended is never marked failed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from casework.db import utcnow
from casework.extensions import db
from casework.jobs.files import remove_result
from casework.jobs.models import Job

log = logging.getLogger(__name__)

RESULT_DAYS = 7  # a workbook's file is kept this long after the job ended (it holds names)
HEARTBEAT_SECONDS = 60
INLINE_LIMIT = timedelta(hours=1)
SWEEP_CRON = "*/5 * * * *"
STOPPED = _l("The job stopped before it finished: the program running it was restarted or "
             "ran out of memory. Nothing of it was saved. Try again.")
UNDER_WAY = ("queued", "running")


def inline_stopped(now: datetime | None = None) -> list[int]:
    """Jobs taken by a web request (or queued by one) more than ``INLINE_LIMIT`` before
    ``now`` and not ended."""
    cutoff = (now or utcnow()) - INLINE_LIMIT
    return list(db.session.scalars(sa.select(Job.id).where(sa.or_(
        sa.and_(Job.state == "running", Job.started_at < cutoff),
        sa.and_(Job.state == "queued", Job.created_at < cutoff))).order_by(Job.id)))


def fail_stopped(job_ids: Iterable[int]) -> list[int]:
    """Mark failed, saying why in the starter's language, those of ``job_ids`` still queued or
    running; the ids it marked. The log names each job, never its parameters."""
    ids = sorted({i for i in job_ids if isinstance(i, int)})
    if not ids:
        return []
    jobs = list(db.session.scalars(
        sa.select(Job).where(Job.id.in_(ids), Job.state.in_(UNDER_WAY)).with_for_update()))
    now = utcnow()
    for job in jobs:
        with force_locale(job.locale):
            job.mark_failed(str(STOPPED), now)
    db.session.commit()
    for job in jobs:
        log.warning("job %s (%s) stopped unfinished; marked failed", job.id, job.kind)
    return [job.id for job in jobs]


def remove_old_results(now: datetime | None = None) -> list[int]:
    """Remove the files of workbooks made more than ``RESULT_DAYS`` before ``now``; the ids
    of their jobs. The row stays, without its file: its page says so and offers to make the
    workbook again (``Job.result_removed``)."""
    cutoff = (now or utcnow()) - timedelta(days=RESULT_DAYS)
    jobs = list(db.session.scalars(sa.select(Job).where(
        Job.state == "succeeded", Job.result_name.is_not(None), Job.finished_at < cutoff)
        .order_by(Job.id)))
    for job in jobs:
        job.result_name = None
    db.session.commit()  # the rows first: a file the page no longer offers may then go
    for job in jobs:
        remove_result(job.id)
    if jobs:
        log.info("files of %d job(s) removed after %d days", len(jobs), RESULT_DAYS)
    return [job.id for job in jobs]


@dataclass(frozen=True)
class Swept:
    stopped: list[int]  # jobs marked failed: their process died
    removed: list[int]  # jobs whose workbook was removed


def sweep(app) -> Swept:
    """One sweep in ``app``'s mode (the command's)."""
    from casework.jobs import runner

    if runner.mode(app) == "queue":
        from casework.jobs import queue

        stopped = fail_stopped(queue.stalled_now(app))
    else:
        stopped = fail_stopped(inline_stopped())
    return Swept(stopped, remove_old_results())
