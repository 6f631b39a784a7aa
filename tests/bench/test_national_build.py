"""bench/national.py's builder keeps building valid data: a tiny national dataset (a small map,
200 persons cloned from templates that went through the engine) whose hash chains pass the
app's verifier, with every record's version equal to its chain's length."""

from __future__ import annotations

import sqlalchemy as sa

from bench.common import temporary_schema
from bench.national_build import build
from tests.conftest import TEST_DB_URL, make_test_app

SHAPE = {"provinces": 2, "communes": 6, "big": 4}


def test_the_bulk_dataset_verifies(tmp_path):
    from casework.audit.services import record_models, verify
    from casework.extensions import db
    from casework.migrating import upgrade_schema

    url = TEST_DB_URL or f"sqlite:///{tmp_path / 'national.db'}"
    with temporary_schema(url) as schema:
        options = {"connect_args": {"options": f"-csearch_path={schema}"}} if schema else {}
        app = make_test_app(url, tmp_path / "instance", SQLALCHEMY_ENGINE_OPTIONS=options)
        with app.app_context():
            try:
                upgrade_schema()
                summary = build(app, 200, log=lambda *_: None, shape=SHAPE)
                report = verify(record_models())
                persons = db.session.scalar(sa.text("SELECT count(*) FROM persons"))
                states = set(db.session.scalars(sa.text("SELECT DISTINCT state FROM persons")))
                areas = db.session.scalar(sa.text("SELECT count(*) FROM areas"))
                reviews = db.session.scalar(sa.text("SELECT count(*) FROM commune_reviews"))
                tests = db.session.scalar(sa.text("SELECT count(*) FROM drug_tests"))
            finally:
                db.session.remove()
                db.engine.dispose()
    assert report.breaks == []
    assert persons == 200 + len(summary["templates"])
    assert report.entries == summary["entries"] > 4 * persons
    assert len(states) >= 10
    assert areas == SHAPE["communes"] + summary["villages"]
    assert reviews == SHAPE["communes"]
    assert tests > persons // 2
