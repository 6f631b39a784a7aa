"""Long work as jobs (ARCHITECTURE.md, "Layout"): imports, report workbooks, and the periodic
tasks (audit anchors; the reminders of ``casework notify``).

``CASEWORK_JOBS`` chooses how they run (INTERFACES.md, "Environment"): ``inline`` in the web
request (SQLite, the embedded default) or ``queue`` on Procrastinate, run by
``casework worker`` (PostgreSQL). The pages are the same either way: the job's page shows its
progress, then its result.

- ``models``: the ``jobs`` table users see; ``runner``: start, execute, retry;
  ``tasks``: what each kind does; ``queue``: Procrastinate; ``periodic``: the periodic tasks;
  ``sweep``: jobs whose process died, and old workbooks; ``views`` / ``api``: pages and
  JSON; ``cli``: ``casework worker`` and ``casework jobs sweep``.
"""

from __future__ import annotations

import sqlalchemy as sa

from casework.extensions import register_api
from casework.jobs import api, runner, views


def init_app(app) -> None:
    """Register the job pages and their JSON API."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if runner.mode(app) == "queue" and sa.engine.make_url(uri).get_backend_name() != "postgresql":
        raise ValueError("CASEWORK_JOBS=queue needs PostgreSQL (CASEWORK_DATABASE_URL)")
    app.register_blueprint(views.bp)
    register_api(api.blp)
