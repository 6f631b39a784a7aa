"""Two identical creates at once: exactly one record holds the national ID.

Real commits on two connections, so this runs in a schema of its own (migrated from scratch
and dropped afterwards), outside the per-test rolled-back transaction.
"""

from __future__ import annotations

import threading
import uuid

import pytest
import sqlalchemy as sa

from casework.auth import services as auth_services
from casework.extensions import db as _db
from casework.orgunits.services import create_orgunit
from casework.people import services as person_services
from casework.people.models import Person
from tests.conftest import PASSWORD, TEST_DB_URL, get_token, is_postgres, make_test_app

pytestmark = pytest.mark.postgres

BODY = {"full_name": "Nguyễn Văn Đồng", "birth_date": "1990-05-17", "gender": "male",
        "area_code": "KG", "national_id": "001090054321", "confirm_new": True}


@pytest.fixture
def own_schema_app(tmp_path):
    if not is_postgres():
        pytest.skip("concurrent creates are tested on PostgreSQL only (two real sessions)")
    from casework.migrating import upgrade_schema

    schema = f"cw_dup_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(TEST_DB_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    app = make_test_app(
        TEST_DB_URL, tmp_path,
        SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"options": f"-csearch_path={schema}"}},
    )
    try:
        with app.app_context():
            upgrade_schema()
        yield app
    finally:
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def _officers(app) -> None:
    with app.app_context():
        city = create_orgunit("KC", "Thành phố", "city", None)
        ward = create_orgunit("KW", "Phường", "ward", city)
        create_orgunit("KG", "Tổ 1", "residential_group", ward)
        for name in ("police.a", "police.b"):
            user = auth_services.create_user(name, PASSWORD)
            auth_services.grant_role(user, "police", ward)
        _db.session.commit()
        _db.session.remove()


def test_two_identical_creates_at_once_make_one_record(own_schema_app, monkeypatch):
    app = own_schema_app
    _officers(app)
    tokens = [get_token(app, name) for name in ("police.a", "police.b")]

    # Both requests have passed the duplicate check (no open record yet) before either
    # writes: only the unique index can keep the second one out.
    both_checked = threading.Barrier(2, timeout=10)
    real_open = person_services.open_record

    def open_after_both_checked(*args, **kwargs):
        both_checked.wait()
        return real_open(*args, **kwargs)

    monkeypatch.setattr(person_services, "open_record", open_after_both_checked)
    answers: dict[int, object] = {}

    def create(index: int) -> None:
        try:
            response = app.test_client().post(
                "/api/v1/persons", json=BODY,
                headers={"Authorization": f"Bearer {tokens[index]}"})
            answers[index] = (response.status_code, response.get_json())
        except BaseException as exc:  # reported below
            answers[index] = exc

    threads = [threading.Thread(target=create, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    statuses = sorted(a[0] for a in answers.values() if isinstance(a, tuple))
    assert statuses == [201, 409], answers
    winner = next(a[1] for a in answers.values() if a[0] == 201)
    loser = next(a[1] for a in answers.values() if a[0] == 409)
    assert loser["code"] == "duplicate_person" and loser["record_id"] == winner["id"]

    with app.app_context():
        ids = _db.session.scalars(sa.select(Person.id).where(
            Person.national_id == BODY["national_id"])).all()
        assert ids == [winner["id"]]
