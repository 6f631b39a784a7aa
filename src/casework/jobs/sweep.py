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

``casework worker`` sweeps every 5 minutes; ``casework jobs sweep`` does it once (cron, with
inline jobs). A job already ended is never touched.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from casework.db import utcnow
from casework.extensions import db
from casework.jobs.models import Job

log = logging.getLogger(__name__)

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
            job.error = str(STOPPED)
        job.state, job.finished_at = "failed", now
    db.session.commit()
    for job in jobs:
        log.warning("job %s (%s) stopped unfinished; marked failed", job.id, job.kind)
    return [job.id for job in jobs]


def sweep(app) -> list[int]:
    """One sweep in ``app``'s mode (the command's): the ids of the jobs it marked failed."""
    from casework.jobs import runner

    if runner.mode(app) == "queue":
        from casework.jobs import queue

        return fail_stopped(queue.stalled_now(app))
    return fail_stopped(inline_stopped())
