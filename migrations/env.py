"""Alembic environment: runs inside the Flask app, on the app's engine and metadata."""

from __future__ import annotations

from alembic import context
from flask import current_app

config = context.config


def _metadata():
    return current_app.extensions["migrate"].db.metadata


def _render_item(type_, obj, autogen_context):
    # Render casework's column types as plain SQLAlchemy ones, so revisions import nothing
    # from the app (they must keep working when the app's code moves on).
    from casework.db import UTCDateTime

    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure_args() -> dict:
    args = dict(current_app.extensions["migrate"].configure_args)
    args.setdefault("compare_type", True)
    args.setdefault("render_as_batch", True)
    args.setdefault("render_item", _render_item)
    from casework.migrating import include_name

    args.setdefault("include_name", include_name)
    return args


def run_migrations_offline() -> None:
    context.configure(
        url=str(current_app.extensions["migrate"].db.engine.url),
        target_metadata=_metadata(),
        literal_binds=True,
        **_configure_args(),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = current_app.extensions["migrate"].db.engine
    # A caller (the test suite) may hand over a connection of its own.
    existing = config.attributes.get("connection")
    if existing is not None:
        _run(existing)
        return
    with connectable.connect() as connection:
        _run(connection)


def _run(connection) -> None:
    def skip_empty(ctx, revision, directives):
        # `flask db migrate` with no change writes no empty revision.
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []

    context.configure(
        connection=connection,
        target_metadata=_metadata(),
        process_revision_directives=skip_empty,
        **_configure_args(),
    )
    # SQLite alters a table by rebuilding it (batch mode): dropping the old copy of a table
    # that other rows refer to fails while foreign keys are enforced. SQLite ignores this
    # PRAGMA inside a transaction, so it is switched off before the migrations' transaction
    # (on the driver's connection: SQLAlchemy would BEGIN first) and every key is checked
    # after it.
    pause_keys = connection.dialect.name == "sqlite" and not connection.in_transaction()
    if pause_keys:
        connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
    try:
        with context.begin_transaction():
            context.run_migrations()
        if pause_keys:
            broken = connection.connection.driver_connection.execute(
                "PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"the migration broke foreign keys: {broken[:5]}")
    finally:
        if pause_keys:
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
