"""Fixtures: one app and schema per run, a rolled-back transaction per test, and users."""

from __future__ import annotations

import os
import re

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from casework import create_app
from casework.auth import services as auth_services
from casework.extensions import db as _db
from casework.orgunits.services import create_orgunit

TEST_DB_URL = os.environ.get("CASEWORK_TEST_DATABASE_URL")
# Under pytest-xdist (`pytest -n 2`) each worker has its own PostgreSQL database beside the
# one named (`<name>_gw0`, …), made when the worker starts and dropped when it ends: the
# suite drops and rebuilds its schema, which workers may not share.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER")
if TEST_DB_URL and XDIST_WORKER and TEST_DB_URL.startswith("postgres"):
    _url = sa.engine.make_url(TEST_DB_URL)
    WORKER_DATABASE = f"{_url.database}_{XDIST_WORKER}"[:63]
    TEST_DB_URL = _url.set(database=WORKER_DATABASE).render_as_string(hide_password=False)
else:
    WORKER_DATABASE = None
# Run the whole suite at another instant (tests/clock.py), e.g. 2026-12-31T17:30:00Z, when
# Vietnam is already in the next day and the next year.
TEST_CLOCK = os.environ.get("CASEWORK_TEST_CLOCK")
PASSWORD = "correct horse battery"

# Cheap hashing for tests; production uses argon2's defaults.
FAST_ARGON2 = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}


def pytest_report_header(config):
    clock = f"; clock from {TEST_CLOCK}" if TEST_CLOCK else ""
    return f"casework database: {'PostgreSQL' if is_postgres() else 'SQLite'}{clock}"


_CLOCK: list = []  # the travel started for CASEWORK_TEST_CLOCK, stopped at the end


def _worker_database(action: str) -> None:
    """CREATE or DROP this xdist worker's own database, from the database named."""
    admin = sa.create_engine(os.environ["CASEWORK_TEST_DATABASE_URL"],
                             isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{WORKER_DATABASE}" WITH (FORCE)'))
            if action == "create":
                connection.execute(sa.text(f'CREATE DATABASE "{WORKER_DATABASE}"'))
    finally:
        admin.dispose()


def pytest_configure(config):
    """With CASEWORK_TEST_CLOCK set, the whole run (session fixtures included) starts at that
    instant and the clock runs on from it. An xdist worker on PostgreSQL makes its database."""
    if WORKER_DATABASE:
        _worker_database("create")
    if TEST_CLOCK:
        from tests.clock import frozen_at

        _CLOCK.append(frozen_at(TEST_CLOCK, tick=True))
        _CLOCK[0].start()


def pytest_unconfigure(config):
    while _CLOCK:
        _CLOCK.pop().stop()
    if WORKER_DATABASE:
        _worker_database("drop")


def is_postgres() -> bool:
    return bool(TEST_DB_URL) and TEST_DB_URL.startswith("postgres")


class IsolatedClient(FlaskClient):
    """Run each request in its own app context, as a real server does.

    Tests keep an app context pushed; Flask would otherwise reuse it for requests, sharing
    ``g`` (the signed-in user, the scope) and the database session between requests.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def make_test_app(database_url: str, instance_path, **extra):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "ARGON2_PARAMS": FAST_ARGON2,
        "SERVER_NAME": None,
        # Jobs run in the request, on PostgreSQL too; tests/jobs/ queue them on purpose.
        "JOBS": "inline",
    }
    config.update(extra)
    application = create_app(config, instance_path=str(instance_path))
    application.test_client_class = IsolatedClient
    return application


def reset_schema(app) -> None:
    """Drop everything and upgrade from nothing, so each run starts from the migrations."""
    from casework.migrating import upgrade_schema

    with app.app_context():
        engine = _db.engine
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
            else:
                meta = sa.MetaData()
                meta.reflect(conn)
                meta.drop_all(conn)
                conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        upgrade_schema()


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    url = TEST_DB_URL or f"sqlite:///{instance / 'test.db'}"
    application = make_test_app(url, instance)
    _add_failing_routes(application)
    reset_schema(application)
    yield application
    with application.app_context():
        _db.engine.dispose()


def _add_failing_routes(application) -> None:
    """Routes that fail on purpose, to test the error pages."""
    from flask import abort

    def boom():
        raise RuntimeError("deliberate failure for a test")

    def failing_insert():
        """Insert a person whose national ID breaks its CHECK: an IntegrityError whose
        message holds the row (the values are in FAILING_ROW)."""
        from datetime import date

        from casework.db import utcnow
        from casework.orgunits.models import OrgUnit
        from casework.people.models import Person

        now = utcnow()
        _db.session.add(Person(
            org_unit_id=_db.session.scalar(sa.select(OrgUnit.id).limit(1)),
            birth_date=date(1990, 1, 1), gender="male", state="suspected", version=1,
            workflow_version=1, state_entered_at=now, last_event_at=now, **FAILING_ROW))
        _db.session.flush()

    application.add_url_rule("/_test/forbidden", "test_forbidden", lambda: abort(403))
    application.add_url_rule("/_test/boom", "test_boom", boom)
    application.add_url_rule("/api/v1/_test/boom", "test_api_boom", boom)
    application.add_url_rule("/_test/failing-insert", "test_failing_insert", failing_insert)
    application.add_url_rule("/api/v1/_test/failing-insert", "test_api_failing_insert",
                             failing_insert)


# Personal data a failing insert carries (/_test/failing-insert): none may reach a log.
FAILING_ROW = {"full_name": "Nguyễn Dấu Vết", "name_folded": "nguyen dau vet",
               "national_id": "0790DAUVET", "address": "Số 7 ngõ Dấu Vết"}


@pytest.fixture(autouse=True)
def _fresh_rate_limits(app):
    """Every test starts with no counted sign-in failures (web.security's limiter)."""
    from casework.web.security import reset_rate_limits

    reset_rate_limits(app)


@pytest.fixture(autouse=True)
def db(app):
    """Each test runs inside one outer transaction that is rolled back afterwards.

    The app's code may commit: with ``join_transaction_mode="create_savepoint"`` its commits
    only release savepoints of the outer transaction.
    """
    with app.app_context():
        engines = _db._app_engines[app]
        engine = engines[None]
        connection = engine.connect()
        outer = connection.begin()
        engines[None] = connection
        _db.session.remove()
        _db.session.configure(join_transaction_mode="create_savepoint")
        try:
            yield _db
        finally:
            _db.session.remove()
            engines[None] = engine
            if outer.is_active:
                outer.rollback()
            connection.close()


# --- a small org-unit tree ------------------------------------------------------------------


@pytest.fixture
def tree(db):
    """City C with wards W1 (groups G11, G12) and W2 (group G21), and a second city D."""
    city = create_orgunit("C", "Thành phố Thử", "city", None)
    w1 = create_orgunit("W1", "Phường Một", "ward", city)
    w2 = create_orgunit("W2", "Phường Hai", "ward", city)
    units = {
        "C": city,
        "W1": w1,
        "W2": w2,
        "G11": create_orgunit("G11", "Tổ dân phố 1", "residential_group", w1),
        "G12": create_orgunit("G12", "Tổ dân phố 2", "residential_group", w1),
        "G21": create_orgunit("G21", "Tổ dân phố 3", "residential_group", w2),
        "D": create_orgunit("D", "Thành phố Khác", "city", None),
    }
    db.session.commit()
    return units


@pytest.fixture
def make_user(db, tree):
    """make_user("name", ("police", "W1"), ...) creates a user with those grants."""

    def make(username: str, *grants: tuple[str, str], password: str = PASSWORD):
        user = auth_services.create_user(username, password, full_name=f"Cán bộ {username}")
        for role, code in grants:
            auth_services.grant_role(user, role, tree[code])
        db.session.commit()
        return user

    return make


def _csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


class PageClient:
    """A browser-like test client: signs in through the form and carries the CSRF token."""

    def __init__(self, client):
        self.client = client
        self.csrf = None

    def get(self, *args, **kwargs):
        return self.client.get(*args, **kwargs)

    def post(self, url, data=None, **kwargs):
        data = dict(data or {})
        if self.csrf is None:
            self.csrf = _csrf_from(self.client.get("/login").get_data(as_text=True))
        data.setdefault("csrf_token", self.csrf)
        return self.client.post(url, data=data, **kwargs)

    def login(self, username: str, password: str = PASSWORD):
        page = self.client.get("/login").get_data(as_text=True)
        self.csrf = _csrf_from(page)
        return self.client.post(
            "/login", data={"csrf_token": self.csrf, "username": username, "password": password}
        )


@pytest.fixture
def pages(app):
    """An anonymous browser-like client; CSRF checks are on, as in production."""
    return PageClient(app.test_client())


@pytest.fixture
def page_as(app, make_user):
    """page_as("police", "W1") → a PageClient signed in as a new user with that grant."""
    counter = iter(range(1, 10_000))

    def make(role: str, unit: str = "W1") -> PageClient:
        user = make_user(f"{role}{next(counter)}", (role, unit))
        client = PageClient(app.test_client())
        response = client.login(user.username)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return make


class ApiClient:
    """A JSON client that authenticates with a bearer token."""

    def __init__(self, client, token: str | None):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def _call(self, method, url, **kwargs):
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.client.open(url, method=method, headers=headers, **kwargs)

    def get(self, url, **kwargs):
        return self._call("GET", url, **kwargs)

    def post(self, url, **kwargs):
        return self._call("POST", url, **kwargs)

    def patch(self, url, **kwargs):
        return self._call("PATCH", url, **kwargs)

    def put(self, url, **kwargs):
        return self._call("PUT", url, **kwargs)

    def delete(self, url, **kwargs):
        return self._call("DELETE", url, **kwargs)


def get_token(app, username: str, password: str = PASSWORD) -> str:
    response = app.test_client().post(
        "/api/v1/auth/token", json={"username": username, "password": password}
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()["token"]


@pytest.fixture
def api_as(app, make_user):
    """api_as(("police", "W1"), ...) → an ApiClient for a new user with those grants."""
    counter = iter(range(1, 10_000))

    def make(*grants: tuple[str, str]) -> ApiClient:
        user = make_user(f"api{next(counter)}", *grants)
        return ApiClient(app.test_client(), get_token(app, user.username))

    return make


@pytest.fixture
def law73(monkeypatch):
    """Judge person events under version 1 (Law 73/2021) whatever their date.

    Version 2 (Law 120/2025) is in force since 2026-07-01, so an event dated today is judged
    by it; the tests of version 1's rules, written with dates relative to today, use this
    fixture (``pytestmark = pytest.mark.usefixtures("law73")``).
    """
    _pin_person_version(monkeypatch, 1)


@pytest.fixture
def law120(monkeypatch):
    """Judge person events under version 2 (Law 120/2025) whatever their date: for tests that
    walk a record through many states from dates long past."""
    _pin_person_version(monkeypatch, 2)


def _pin_person_version(monkeypatch, version: int) -> None:
    """Every person event is judged by ``version`` whatever its date (workflow.inforce asks
    the catalog's ``version_on``; new records and buttons its ``in_force``)."""
    from casework.workflow.catalog import Catalog

    original_on, original_in_force = Catalog.version_on, Catalog.in_force

    def version_on(self, name, day):
        found = original_on(self, name, day)  # None before the first law: still refused
        return self.get(name, version) if name == "person" and found is not None else found

    def in_force(self, name, on):
        return self.get(name, version) if name == "person" else original_in_force(self, name, on)

    monkeypatch.setattr(Catalog, "version_on", version_on)
    monkeypatch.setattr(Catalog, "in_force", in_force)
