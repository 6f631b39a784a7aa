"""bench/national.py's builder keeps building valid data: a tiny national dataset (a small map,
200 persons cloned from templates that went through the engine, followed up for two
months) whose hash chains pass the
app's verifier, with every record's version equal to its chain's length."""

from __future__ import annotations

import sqlalchemy as sa

from bench.common import temporary_schema
from bench.dataset import STATES
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
                summary = build(app, 200, log=lambda *_: None, shape=SHAPE, follow_ups=2)
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
    assert summary["templates"] == sorted(state for state, _share in STATES)  # none refused
    assert persons == 200 + len(summary["templates"])
    assert report.entries == summary["entries"] > 4 * persons
    assert len(states) >= 10
    assert areas == SHAPE["communes"] + summary["villages"]
    assert reviews == SHAPE["communes"]
    assert tests > persons // 2


def test_the_country_dataset_holds_the_province_to_its_quota():
    """``province_persons``: the big province (the ward's) gets its quota of clones, the ward
    its first 20, and every later draw that lands in the province goes elsewhere."""
    import random
    from types import SimpleNamespace

    from bench.national_build import _Placing

    communes = [(10, 1, "1.10."), (11, 1, "1.11."), (20, 2, "2.20."), (30, 3, "3.30.")]
    villages = [(c * 100 + i, c) for c, *_ in communes for i in range(8)]
    tree = SimpleNamespace(communes=communes, villages=villages)
    ward = [v for v, c in villages if c == 10]
    inside = {v for v, c in villages if c in (10, 11)}

    held = _Placing(tree, random.Random(1), quota=30)
    placed = [held.village(i) for i in range(2_000)]
    assert placed[:20] == [ward[i % len(ward)] for i in range(20)]
    assert sum(v in inside for v in placed) == 30

    free = _Placing(tree, random.Random(1), quota=None)
    spread = [free.village(i) for i in range(2_000)]
    assert sum(v in inside for v in spread) > 500  # half the villages: no quota, no cap
