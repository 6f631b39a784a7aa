"""Bringing the database to the newest schema (Alembic through Flask-Migrate) and setting up
SQLite and PostgreSQL connections. Not to be confused with ``casework.db``, the declarative
Base of the models."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_migrate import upgrade

from casework.resources import resource_dir


def upgrade_schema() -> bool:
    """Upgrade the database to the newest migration; creates the SQLite file if needed. On
    PostgreSQL, also install the job queue's schema (Procrastinate's) when it is missing:
    True when it did."""
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
