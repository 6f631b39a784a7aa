"""``casework.db.among``: ids written into the statement, on both databases."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from casework.db import among
from casework.orgunits.models import OrgUnit


def test_the_ids_are_written_in_and_select_as_in_would(db, tree):
    ids = sorted(db.session.scalars(sa.select(OrgUnit.id)))
    wanted = ids[::2] + [10**9]  # one that does not exist
    stmt = sa.select(OrgUnit.id).where(among(OrgUnit.id, wanted)).order_by(OrgUnit.id)
    assert db.session.scalars(stmt).all() == ids[::2]
    sql = str(stmt.compile(dialect=db.engine.dialect,
                           compile_kwargs={"render_postcompile": True}))
    assert str(10**9) in sql  # in the text, not a parameter
    assert db.session.scalars(sa.select(OrgUnit.id).where(among(OrgUnit.id, []))).all() == []


def test_more_ids_than_sqlite_allows_parameters(db, tree):
    many = list(range(1, 40_000))  # SQLite refuses more than 32,766 bound parameters
    found = db.session.scalars(sa.select(sa.func.count()).select_from(OrgUnit)
                               .where(among(OrgUnit.id, many))).one()
    assert found == db.session.scalars(sa.select(sa.func.count()).select_from(OrgUnit)).one()


def test_the_same_clause_twice_in_one_statement(db, tree):
    ids = sorted(db.session.scalars(sa.select(OrgUnit.id)))
    stmt = sa.select(OrgUnit.id).where(sa.or_(among(OrgUnit.id, ids[:1]),
                                              among(OrgUnit.id, ids[-1:])))
    assert sorted(db.session.scalars(stmt)) == [ids[0], ids[-1]]


@pytest.mark.parametrize("bad", ["1); DROP TABLE org_units; --", "x", None])
def test_only_integers_are_written_in(bad):
    with pytest.raises((ValueError, TypeError)):
        among(OrgUnit.id, [1, bad])
