"""scripts/postgres-roles.sql: the app's role runs the app, and cannot get past the audit
log's protection (PostgreSQL only)."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from casework.audit import services as audit
from casework.audit.exports import record_export
from casework.auth import services as auth
from casework.extensions import db as _db
from casework.orgunits.services import create_orgunit
from casework.workflow.registry import registry
from tests.conftest import PASSWORD, TEST_DB_URL, ApiClient, get_token, is_postgres

pytestmark = pytest.mark.postgres
SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "postgres-roles.sql"


@pytest.fixture
def app_role(app):
    """The roles the script makes (names of this test's own); yields the app role's URL."""
    if not is_postgres():
        pytest.skip("database roles exist on PostgreSQL only")
    from casework.backup.postgres import ToolError, run_tool

    suffix = f"{os.getpid()}_{secrets.token_hex(3)}"
    owner, role = f"cw_owner_{suffix}", f"cw_app_{suffix}"
    url = sa.engine.make_url(TEST_DB_URL)
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        try:
            run_tool("psql", url, ["-q", "-v", f"owner={owner}", "-v", f"app={role}",
                                   "-f", str(SCRIPT)])
        except ToolError as exc:
            if "not found on PATH" in str(exc):
                pytest.skip(str(exc))
            raise
        yield url.set(username=role, password=None)
    finally:
        with admin.connect() as connection:
            for name in (role, owner):
                exists = connection.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :n"),
                                            {"n": name}).first()
                if exists:
                    connection.execute(sa.text(f'DROP OWNED BY "{name}"'))
                    connection.execute(sa.text(f'DROP ROLE "{name}"'))
        admin.dispose()


@contextlib.contextmanager
def connected_as(app, url):
    """Run the app on one connection of ``url``'s role, in a transaction rolled back at the
    end (as the suite's ``db`` fixture does for its own connection)."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    engines = _db._app_engines[app]
    previous = engines[None]
    connection = engine.connect()
    outer = connection.begin()
    engines[None] = connection
    _db.session.remove()
    try:
        yield connection
    finally:
        _db.session.remove()
        engines[None] = previous
        outer.rollback()
        connection.close()
        engine.dispose()


def test_the_app_runs_under_its_role(app, app_role):
    with connected_as(app, app_role) as connection:
        assert connection.execute(sa.text("SELECT current_user")).scalar() == app_role.username
        city = create_orgunit("RC", "Thành phố Vai Trò", "city", None)
        ward = create_orgunit("RC-W", "Phường Vai Trò", "ward", city)
        create_orgunit("RC-G", "Tổ dân phố Vai Trò", "residential_group", ward)
        user = auth.create_user("role.police", PASSWORD, full_name="Cán bộ")
        auth.grant_role(user, "police", ward)
        _db.session.commit()

        api = ApiClient(app.test_client(), get_token(app, "role.police"))
        created = api.post("/api/v1/persons", json={
            "full_name": "Người Vai Trò", "birth_date": "1991-03-04", "gender": "female",
            "area_code": "RC-G"})
        assert created.status_code == 201, created.get_json()
        person = created.get_json()
        moved = api.post(f"/api/v1/persons/{person['id']}/transitions", json={
            "event": "request_assessment", "version": person["version"],
            "data": {"grounds": "Kết quả xét nghiệm dương tính"}})
        assert moved.status_code == 200, moved.get_json()
        history = api.get(f"/api/v1/persons/{person['id']}/history").get_json()
        assert [e["event"] for e in history["items"]] == ["open", "request_assessment"]
        record_export(user, "persons", row_count=1, file_format="csv")
        _db.session.commit()
        assert audit.verify(registry.record_types.values()).ok


@pytest.mark.parametrize("statement, refusal", [
    ("UPDATE audit_entries SET reason = 'x'", "permission denied"),
    ("DELETE FROM audit_entries", "permission denied"),
    ("TRUNCATE audit_entries CASCADE", "permission denied"),
    ("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_no_change", "must be owner"),
    ("ALTER TABLE audit_entries DISABLE TRIGGER ALL", "must be owner"),
    ("DROP TRIGGER audit_entries_no_change ON audit_entries", "must be owner"),
    ("SET session_replication_role = replica", "permission denied"),
    ("UPDATE export_log SET row_count = 0", "permission denied"),
    ("DELETE FROM persons", "permission denied"),
    ("UPDATE alembic_version SET version_num = 'x'", "permission denied"),
    ("CREATE TABLE sneaky (id integer)", "permission denied"),
    ("CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger "
     "LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END; $$", "permission denied"),
])
def test_the_app_role_cannot_get_past_the_audit_log(app, app_role, statement, refusal):
    with connected_as(app, app_role) as connection:
        savepoint = connection.begin_nested()
        with pytest.raises(DBAPIError) as refused:
            connection.execute(sa.text(statement))
        savepoint.rollback()
        assert refusal in str(refused.value.orig)


@pytest.mark.parametrize("table", ["plan_targets", "login_failures", "role_assignments",
                                   "procrastinate_workers", "procrastinate_periodic_defers"])
def test_the_app_role_may_delete_only_what_the_app_deletes(app, app_role, table):
    # A removed plan target, forgotten sign-in failures, a removed role assignment; the job
    # worker forgetting itself and the periodic deferrals it no longer needs.
    with connected_as(app, app_role) as connection:
        connection.execute(sa.text(f"DELETE FROM {table} WHERE false"))
