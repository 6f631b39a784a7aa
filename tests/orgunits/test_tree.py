"""The org-unit tree: placement rules, materialised paths, subtrees and moves."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from casework.orgunits.models import OrgUnit, subtree_clause
from casework.orgunits.services import (
    OrgUnitError,
    create_orgunit,
    move_orgunit,
    update_orgunit,
)


def codes(db, path):
    stmt = sa.select(OrgUnit.code).where(subtree_clause(OrgUnit.path, path))
    return sorted(db.session.scalars(stmt))


def test_paths_follow_the_tree(tree):
    assert tree["C"].path == f"{tree['C'].id}."
    assert tree["G11"].path == f"{tree['C'].id}.{tree['W1'].id}.{tree['G11'].id}."
    assert tree["G11"].depth == 2
    assert tree["G11"].ancestor_ids == [tree["C"].id, tree["W1"].id, tree["G11"].id]


def test_subtree_is_exactly_the_descendants(db, tree):
    assert codes(db, tree["W1"].path) == ["G11", "G12", "W1"]
    assert codes(db, tree["C"].path) == ["C", "G11", "G12", "G21", "W1", "W2"]
    assert codes(db, tree["D"].path) == ["D"]


def test_subtree_does_not_match_ids_with_the_same_prefix(db, tree):
    # Make enough units that one id is a textual prefix of another (e.g. 1 and 12).
    ward = tree["W2"]
    made = [create_orgunit(f"X{i}", f"Tổ {i}", "residential_group", ward) for i in range(12)]
    short = min(made + [tree["G11"]], key=lambda u: u.id)
    for unit in made:
        assert unit.path.startswith(ward.path)
    prefix_twins = [u for u in made if str(u.id).startswith(str(short.id)) and u.id != short.id]
    for twin in prefix_twins:
        assert twin.code not in codes(db, short.path)


@pytest.mark.parametrize(
    ("kind", "parent", "ok"),
    [
        ("province", None, True),
        ("city", None, True),
        ("ward", None, False),
        ("ward", "C", True),
        ("commune", "C", True),
        ("residential_group", "W1", True),
        ("village", "W1", True),
        ("residential_group", "C", False),
        ("ward", "W1", False),
        ("city", "W1", False),
    ],
)
def test_placement_rules(tree, kind, parent, ok):
    parent_unit = tree[parent] if parent else None
    if ok:
        assert create_orgunit("NEW", "Mới", kind, parent_unit).kind == kind
    else:
        with pytest.raises(OrgUnitError):
            create_orgunit("NEW", "Mới", kind, parent_unit)


def test_codes_are_unique_and_well_formed(tree):
    with pytest.raises(OrgUnitError, match="W1"):
        create_orgunit("W1", "Trùng", "ward", tree["C"])
    with pytest.raises(OrgUnitError):
        create_orgunit("has space", "X", "ward", tree["C"])
    with pytest.raises(OrgUnitError):
        create_orgunit("", "X", "ward", tree["C"])
    with pytest.raises(OrgUnitError):
        update_orgunit(tree["W1"], None, name="")


def test_move_rewrites_the_whole_subtree(db, tree):
    w3 = create_orgunit("W3", "Phường Ba", "ward", tree["D"])
    move_orgunit(tree["W1"], tree["D"])
    db.session.commit()
    moved = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == "G11"))
    assert moved.path.startswith(tree["D"].path)
    assert codes(db, tree["D"].path) == ["D", "G11", "G12", "W1", "W3"]
    assert codes(db, tree["C"].path) == ["C", "G21", "W2"]
    assert moved.depth == 2 and w3.depth == 1


def test_cannot_move_under_itself(tree):
    with pytest.raises(OrgUnitError):
        move_orgunit(tree["W1"], tree["G11"])
