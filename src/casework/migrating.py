"""Bringing the database to the newest schema (Alembic through Flask-Migrate) and setting up
SQLite and PostgreSQL connections. Not to be confused with ``casework.db``, the declarative
Base of the models."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app

from casework.resources import resource_dir

# Flask-Migrate imports Alembic, Mako and Pygments: about 11 MB that a web worker never uses.
# ``init_migrate`` therefore attaches it in name only; the first use (``upgrade_schema``,
# ``flask_migrate.upgrade()``, ``casework db ...``) imports and attaches the real one.


def init_migrate(app) -> None:
    """Give ``app`` Flask-Migrate's ``extensions["migrate"]`` and ``db`` command group,
    imported on first use."""
    app.extensions["migrate"] = _LazyMigrateConfig(app)
    app.cli.add_command(_MigrateCommands("db", help="Perform database migrations."))


def _attach_migrate(app):
    """Flask-Migrate's real configuration of ``app`` (it replaces the stand-ins)."""
    config = app.extensions.get("migrate")
    if config is None or isinstance(config, _LazyMigrateConfig):
        from flask_migrate import Migrate

        from casework.extensions import db

        Migrate(app, db, directory=str(resource_dir("migrations")), render_as_batch=True)
        config = app.extensions["migrate"]
    return config


class _LazyMigrateConfig:
    """Stands for Flask-Migrate's ``_MigrateConfig`` until an attribute is read."""

    def __init__(self, app):
        self._app = app

    def __getattr__(self, name):
        return getattr(_attach_migrate(self._app), name)


class _MigrateCommands(click.Group):
    """``casework db ...``: Flask-Migrate's command group, imported when it is invoked."""

    @staticmethod
    def _real() -> click.Group:
        from flask_migrate.cli import db as commands

        return commands

    def make_context(self, info_name, args, parent=None, **extra):
        # The context is the real group's: its options, its callback and its commands run.
        return self._real().make_context(info_name, args, parent=parent, **extra)

    def list_commands(self, ctx):
        return self._real().list_commands(ctx)

    def get_command(self, ctx, name):
        return self._real().get_command(ctx, name)


def upgrade_schema() -> bool:
    """Upgrade the database to the newest migration; creates the SQLite file if needed. On
    PostgreSQL, also install the job queue's schema (Procrastinate's) when it is missing:
    True when it did."""
    from flask_migrate import upgrade

    from casework.extensions import db
    from casework.jobs.queue import install_schema

    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    upgrade(directory=str(resource_dir("migrations")))
    return install_schema(db.engine)


def include_name(name, type_, parent_names) -> bool:
    """Alembic's filter: the job queue's tables (Procrastinate's, installed by
    ``upgrade_schema``) are not the models' and never appear in a revision."""
    return not (type_ == "table" and name and name.startswith("procrastinate_"))


def configure_engine(engine) -> None:
    """Set up every new connection of ``engine`` for its database (SQLite or PostgreSQL)."""
    configure_sqlite(engine)
    configure_postgresql(engine)


def configure_postgresql(engine) -> None:
    """Switch off PostgreSQL's JIT compiler for the app's connections.

    The planner compiles any statement whose estimated cost passes ``jit_above_cost``: every
    statement over a province's log at national scale, where compiling took longer (100-400
    ms a statement, measured by bench/national.py) than the work it sped up. The queries here
    are short, index-driven reads; the server's setting stays as it is for everyone else.
    """
    if engine.dialect.name != "postgresql":
        return

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET jit = off")
        dbapi_connection.commit()


def configure_sqlite(engine) -> None:
    """Make SQLite behave like a real transactional database.

    The sqlite3 driver opens transactions lazily and never for SAVEPOINT, which breaks nested
    transactions; let SQLAlchemy emit BEGIN itself. Foreign keys are off by default in SQLite.
    """
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN")
