"""``casework worker``: runs the queued jobs and the periodic tasks until SIGTERM;
``casework jobs sweep``: marks failed the jobs whose process died."""

from __future__ import annotations

import logging
import signal
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from casework import settle
from casework.jobs import runner


@click.command("worker")
@click.option("--once", is_flag=True,
              help="Run the jobs waiting now, then stop (no periodic tasks).")
@with_appcontext
def worker_command(once):
    """Run background jobs (imports, workbooks, audit anchors); SIGTERM stops it once the
    job under way has finished."""
    # Imported here: Procrastinate (with its pool and asyncio) is not for the web workers,
    # which build the same app and its commands.
    from casework.jobs import queue

    app = current_app._get_current_object()
    if runner.mode(app) != "queue":
        raise click.ClickException(
            "CASEWORK_JOBS is inline (SQLite): jobs run in the web process and need no worker")
    root = logging.getLogger()
    if not root.handlers:  # one line per event on stderr, as gunicorn's logs
        logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("procrastinate").setLevel(logging.INFO)
    click.echo(f"casework worker: queue {queue.QUEUE}" + (", until empty" if once else ""))
    settle()  # the app's objects live as long as the worker: out of the collector's passes
    # Until Procrastinate's own handlers are in place (it then finishes the job under way
    # before stopping), SIGTERM stops at once: nothing has started yet.
    signal.signal(signal.SIGTERM, _stop_now)
    try:
        queue.run_worker(app, wait=not once)
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        click.echo("casework worker stopped.")


def _stop_now(signum, frame):
    raise SystemExit(0)


@click.group("jobs")
def jobs_group():
    """Background jobs."""


@jobs_group.command("sweep")
@with_appcontext
def sweep_command():
    """Mark failed the jobs whose process died before they ended (a worker killed, a request
    timed out), so their page offers "Chạy lại", and remove workbooks made over 7 days ago.
    The worker does it every 5 minutes; with CASEWORK_JOBS=inline, run it from cron."""
    from casework.jobs import sweep

    swept = sweep.sweep(current_app._get_current_object())
    if swept.stopped:
        click.echo(f"{len(swept.stopped)} job(s) stopped unfinished, now failed: "
                   + ", ".join(str(i) for i in swept.stopped))
    else:
        click.echo("No job stopped unfinished.")
    click.echo(f"Files removed after {sweep.RESULT_DAYS} days: {len(swept.removed)}"
               + (" (jobs " + ", ".join(str(i) for i in swept.removed) + ")"
                  if swept.removed else ""))
