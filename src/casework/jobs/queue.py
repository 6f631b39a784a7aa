"""The queue behind ``CASEWORK_JOBS=queue``: Procrastinate on the app's own PostgreSQL
database (no other server), and the schema it needs.

- The web process defers a job with Procrastinate's synchronous API (``Task.defer``, over a
  small psycopg 3 pool opened on first use, after gunicorn has forked).
- ``casework worker`` runs Procrastinate's worker (asyncio, one job at a time); each job runs
  ``runner.execute`` in its own Flask app context, in a thread of the worker.
- The periodic tasks (``jobs.periodic.PERIODIC``) are registered here too: the worker defers
  each when its time comes, once however many workers run. So is the sweep of jobs whose
  worker died (``jobs.sweep``), every 5 minutes.
"""

from __future__ import annotations

import asyncio
import logging
import threading

import procrastinate
import sqlalchemy as sa
from procrastinate import exceptions as procrastinate_errors
from procrastinate.jobs import Status

from casework.jobs import sweep
from casework.jobs.periodic import PERIODIC

log = logging.getLogger(__name__)

QUEUE = "casework"
RUN_JOB = "casework.run_job"
EXTENSION = "casework.jobs"
SWEEP = "jobs_sweep"

_open_lock = threading.Lock()


def conninfo(database_uri: str) -> str:
    """libpq's URL for SQLAlchemy's ``postgresql+psycopg://…`` (the same database)."""
    url = sa.engine.make_url(database_uri)
    if url.get_backend_name() != "postgresql":
        raise ValueError("CASEWORK_JOBS=queue needs PostgreSQL (CASEWORK_DATABASE_URL)")
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def build(flask_app) -> procrastinate.App:
    """The Procrastinate app of ``flask_app``: its connector, the job task, the periodic ones."""
    from casework.jobs import runner

    connector = procrastinate.PsycopgConnector(
        conninfo=conninfo(flask_app.config["SQLALCHEMY_DATABASE_URI"]),
        # A web worker only defers (one connection at a time); the worker listens, fetches
        # and beats its heart. Small pools: every gunicorn worker has one.
        min_size=1, max_size=4)
    queue = procrastinate.App(connector=connector, worker_defaults={
        "queues": [QUEUE], "concurrency": 1, "name": "casework"})

    @queue.task(name=RUN_JOB, queue=QUEUE)
    def run_job(job_id: int) -> None:
        with flask_app.app_context():
            succeeded = runner.execute(job_id)
        if succeeded is False:  # Procrastinate records it as failed; the cause is logged
            raise runner.JobFailed(f"job {job_id} failed")

    for periodic in PERIODIC:
        queue.periodic(cron=periodic.cron, periodic_id=periodic.name)(
            queue.task(name=f"casework.periodic.{periodic.name}", queue=QUEUE,
                       retry=periodic.retries)(_periodic_body(flask_app, periodic)))

    # The sweep (jobs.sweep): jobs whose worker died, from Procrastinate in a coroutine on the
    # worker's own connector; then the rows and old files in an app context on a thread.
    @queue.periodic(cron=sweep.SWEEP_CRON, periodic_id=SWEEP)
    @queue.task(name=f"casework.periodic.{SWEEP}", queue=QUEUE)
    async def jobs_sweep(timestamp: int) -> None:
        stopped = await stalled(queue)
        await asyncio.to_thread(_sweep_rows, flask_app, stopped)

    return queue


async def stalled(queue: procrastinate.App) -> list[int]:
    """Our jobs under way on a worker silent for ``sweep.HEARTBEAT_SECONDS``: Procrastinate
    is told each failed; their ids in the ``jobs`` table."""
    found = await queue.job_manager.get_stalled_jobs(
        task_name=RUN_JOB, seconds_since_heartbeat=sweep.HEARTBEAT_SECONDS)
    ids = []
    for job in found:
        await queue.job_manager.finish_job(job, status=Status.FAILED, delete_job=False)
        log.warning("Procrastinate job %s stalled (its worker is gone); marked failed", job.id)
        ids.append(job.task_kwargs.get("job_id"))
    return ids


def stalled_now(flask_app) -> list[int]:
    """``stalled`` from a command, on a connection opened for it."""
    queue = procrastinate_app(flask_app)

    async def run() -> list[int]:
        async with queue.open_async():
            return await stalled(queue)

    return asyncio.run(run())


def _sweep_rows(flask_app, stopped: list[int]) -> None:
    with flask_app.app_context():
        sweep.fail_stopped(stopped)
        sweep.remove_old_results()


def _periodic_body(flask_app, periodic):
    def body(timestamp: int) -> None:
        with flask_app.app_context():
            outcome = periodic.run()
            log.info("periodic %s done: %s", periodic.name, outcome)

    body.__name__ = f"periodic_{periodic.name}"
    return body


def procrastinate_app(flask_app) -> procrastinate.App:
    """The Procrastinate app of ``flask_app``, built once."""
    found = flask_app.extensions.get(EXTENSION)
    if found is None:
        found = flask_app.extensions[EXTENSION] = build(flask_app)
    return found


def defer(flask_app, job_id: int) -> None:
    """Queue ``job_id`` for the worker. The pool is opened here, on first use: never before
    gunicorn forks, and again after an in-process worker closed it (tests)."""
    queue = procrastinate_app(flask_app)
    task = queue.tasks[RUN_JOB]
    try:
        task.defer(job_id=job_id)
    except procrastinate_errors.AppNotOpen:
        with _open_lock:
            queue.open()  # nothing when another thread opened it meanwhile
        task.defer(job_id=job_id)


def run_worker(flask_app, *, wait: bool = True, install_signal_handlers: bool = True,
               **options) -> None:
    """Run Procrastinate's worker on the casework queue until SIGTERM or SIGINT (the job under
    way finishes first), or, with ``wait=False``, until the queue is empty."""
    queue = procrastinate_app(flask_app)
    queue.run_worker(wait=wait, install_signal_handlers=install_signal_handlers, **options)


def install_schema(engine) -> bool:
    """Install Procrastinate's tables and functions on PostgreSQL when they are missing;
    True when it did. Safe to repeat (``casework init``, the tests' setup); nothing on SQLite.

    The schema is the one of the Procrastinate version installed (pyproject.toml pins the
    range): upgrading Procrastinate past it means applying its migrations first (README).
    """
    if engine.dialect.name != "postgresql":
        return False
    with engine.connect() as connection:
        present = connection.execute(
            sa.text("SELECT to_regclass('procrastinate_jobs')")).scalar() is not None
    if present:
        return False
    schema = procrastinate.schema.SchemaManager.get_schema()
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cursor:
            cursor.execute(schema)  # no parameters: psycopg sends the text as it is
        raw.commit()
    finally:
        raw.close()
    log.info("Procrastinate's schema installed")
    return True
