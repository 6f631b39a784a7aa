"""The app factory, configuration and schema management."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import Config

from casework import create_app
from casework.config import _normalise_db_url
from casework.extensions import db as _db
from casework.resources import resource_dir


def test_defaults_to_sqlite_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("CASEWORK_DATABASE_URL", raising=False)
    monkeypatch.delenv("CASEWORK_SECRET_KEY", raising=False)
    app = create_app(instance_path=str(tmp_path))
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'casework.db'}"


def test_secret_key_is_generated_once_then_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("CASEWORK_SECRET_KEY", raising=False)
    first = create_app(instance_path=str(tmp_path)).config["SECRET_KEY"]
    second = create_app(instance_path=str(tmp_path)).config["SECRET_KEY"]
    assert len(first) == 64 and first == second
    key_file = tmp_path / "secret_key"
    assert key_file.read_text() == first
    assert key_file.stat().st_mode & 0o077 == 0  # readable by the owner only


def test_environment_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("CASEWORK_SECRET_KEY", "from-env")
    monkeypatch.setenv("CASEWORK_DATABASE_URL", "postgresql://u@localhost/x")
    app = create_app(instance_path=str(tmp_path))
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@localhost/x"
    assert not (tmp_path / "secret_key").exists()


def test_secure_cookies_can_be_switched_on(tmp_path, monkeypatch):
    monkeypatch.setenv("CASEWORK_SECRET_KEY", "k")
    assert create_app(instance_path=str(tmp_path)).config["SESSION_COOKIE_SECURE"] is False
    monkeypatch.setenv("CASEWORK_SECURE_COOKIES", "1")
    assert create_app(instance_path=str(tmp_path)).config["SESSION_COOKIE_SECURE"] is True


def test_postgres_urls_use_psycopg3():
    assert _normalise_db_url("postgres://a@b/c") == "postgresql+psycopg://a@b/c"
    assert _normalise_db_url("postgresql+psycopg://a@b/c") == "postgresql+psycopg://a@b/c"
    assert _normalise_db_url("sqlite:///x.db") == "sqlite:///x.db"


def test_migrations_have_a_single_head():
    script = ScriptDirectory.from_config(_alembic_config())
    assert len(script.get_heads()) == 1


def _alembic_config():
    config = Config()
    config.set_main_option("script_location", str(resource_dir("migrations")))
    return config


def test_models_match_the_migrations(app, db):
    """An autogenerate diff against the migrated schema is empty."""
    from casework.migrating import include_name

    connection = _db.session.connection()

    def this_dialects(obj, _name, _type, reflected, _compare_to) -> bool:
        # An index made on one database only (``ddl_if``: the trigram index of persons'
        # names on PostgreSQL) is compared there only.
        ddl_if = None if reflected else getattr(obj, "_ddl_if", None)
        return ddl_if is None or ddl_if.dialect in (None, connection.dialect.name)

    context = MigrationContext.configure(connection, opts={
        "compare_type": True, "include_name": include_name, "include_object": this_dialects})
    assert compare_metadata(context, _db.metadata) == []


def test_schema_is_at_head(app, db):
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert _db.session.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == head


def test_health_check(app):
    response = app.test_client().get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_sqlite_upgrade_alters_tables_that_other_rows_refer_to(tmp_path):
    """SQLite alters a table by rebuilding it; rows of other tables pointing at it (a user's
    role grants) must not stop the upgrade, and their keys must still hold after it."""
    from flask_migrate import upgrade

    from tests.conftest import make_test_app

    app = make_test_app(f"sqlite:///{tmp_path / 'old.db'}", tmp_path)
    migrations = str(resource_dir("migrations"))
    with app.app_context():
        upgrade(directory=migrations, revision="fa20e54dcc8c")  # before login_sessions
        with _db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO org_units (id, code, name, kind, path, depth, created_at) "
                "VALUES (1, 'W1', 'Phường Một', 'ward', '1/', 0, '2026-01-01 00:00:00')"))
            conn.execute(sa.text(
                "INSERT INTO users (id, username, full_name, password_hash, active, "
                "session_nonce, failed_logins, created_at) "
                "VALUES (1, 'lan', '', 'x', 1, 'n', 0, '2026-01-01 00:00:00')"))
            conn.execute(sa.text("INSERT INTO role_assignments (user_id, role, org_unit_id) "
                                 "VALUES (1, 'police', 1)"))
        upgrade(directory=migrations)
        with _db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT username FROM users")).scalars().all() == ["lan"]
            assert conn.execute(sa.text("SELECT count(*) FROM role_assignments")).scalar() == 1
            assert conn.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
        _db.engine.dispose()


def test_postgresql_connections_run_without_jit(app, db):
    """The app's PostgreSQL connections switch the JIT compiler off (casework.migrating):
    compiling cost more than it saved on every province-wide statement (bench/national.py).
    SQLite has no such setting and is left as it is."""
    from casework.migrating import configure_engine

    ext = _db
    if ext.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has no JIT compiler")
    assert ext.session.scalar(sa.text("SHOW jit")) == "off"
    engine = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"], poolclass=sa.pool.NullPool)
    configure_engine(engine)
    try:  # each new connection, not only the first
        for _ in range(2):
            with engine.connect() as conn:
                assert conn.scalar(sa.text("SHOW jit")) == "off"
    finally:
        engine.dispose()


def test_a_web_worker_does_not_import_what_only_some_requests_or_commands_use(tmp_path):
    """Memory (issue 16): each gunicorn worker builds the app. Alembic, zxcvbn, openpyxl,
    docxtpl and Procrastinate (about 50 MB together) are imported where they are used."""
    import subprocess
    import sys

    code = ("import sys; from casework import create_app; "
            f"create_app({{'SECRET_KEY': 'x'}}, instance_path={str(tmp_path)!r}); "
            "print(' '.join(sorted(m for m in ('alembic', 'flask_migrate', 'zxcvbn', "
            "'openpyxl', 'docxtpl', 'docx', 'procrastinate') if m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == ""


def test_flask_migrate_is_attached_when_first_used(tmp_path):
    """``casework db ...`` and ``flask_migrate``'s functions work as if attached at start."""
    from flask_migrate import _MigrateConfig

    from tests.conftest import make_test_app

    app = make_test_app(f"sqlite:///{tmp_path / 'new.db'}", tmp_path)
    assert not isinstance(app.extensions["migrate"], _MigrateConfig)
    with app.app_context():  # the commands' current_app (Alembic prints to the real stdout)
        result = app.test_cli_runner().invoke(args=["db", "heads"])
    assert result.exit_code == 0, result.output
    assert isinstance(app.extensions["migrate"], _MigrateConfig)
    assert app.extensions["migrate"].directory == str(resource_dir("migrations"))
    assert app.extensions["migrate"].configure_args["render_as_batch"] is True
