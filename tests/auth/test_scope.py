"""Scope: read outside it is 404, write inside read scope but without the role is 403."""

from __future__ import annotations

import pytest

from casework.auth.scope import Scope


def test_scope_roles_and_cover(tree, make_user):
    user = make_user("u", ("police", "W1"), ("viewer", "C"))
    scope = Scope.for_user(user)
    assert scope.roles == {"police", "viewer"}
    assert scope.roles_at(tree["G11"].path) == {"police", "viewer"}
    assert scope.roles_at(tree["G21"].path) == {"viewer"}
    assert scope.roles_at(tree["D"].path) == set()
    assert scope.covers(tree["G12"].path, {"police"})
    assert not scope.covers(tree["W2"].path, {"police"})


@pytest.mark.parametrize("grants", [
    (("police", "W1"),), (("police", "W1"), ("viewer", "C")), (("viewer", "D"),), ()])
def test_a_small_scope_is_listed_by_id_and_reads_what_the_paths_read(
        tree, make_user, monkeypatch, grants):
    """A scope of a few units is written into the statement as their ids (the planner then
    reads them through the unit's index); a wider one stays a subquery on the paths. Both
    read the same rows, for every role filter, and a unit added later is seen at once."""
    import sqlalchemy as sa
    from sqlalchemy.orm import aliased

    from casework.auth import scope as scope_module
    from casework.auth.scope import scoped
    from casework.extensions import db
    from casework.orgunits.models import OrgUnit
    from casework.orgunits.services import create_orgunit

    scope = Scope.for_user(make_user("u", *grants))
    row = aliased(OrgUnit)  # rows naming a unit (as persons do), not the units themselves

    def read(scope, roles):
        stmt = scoped(sa.select(row.code), row.id, scope, roles)
        return sorted(db.session.scalars(stmt)), str(stmt)

    roles_filters = (None, ("police",), ("viewer",))
    listed = {roles: read(scope, roles) for roles in roles_filters}
    monkeypatch.setattr(scope_module, "LISTED_UNITS", 0)
    wide = Scope(scope.grants)
    for roles in roles_filters:
        codes, sql = listed[roles]
        wide_codes, wide_sql = read(wide, roles)
        assert codes == wide_codes, roles
        assert "path" not in sql.split("WHERE", 1)[1]
        if codes:  # more than LISTED_UNITS (0) units: the paths, as a subquery
            assert wide.unit_ids(roles) is None and "path" in wide_sql.split("WHERE", 1)[1]
    if grants == (("police", "W1"),):
        assert listed[None][0] == ["G11", "G12", "W1"]
        monkeypatch.setattr(scope_module, "LISTED_UNITS", 5000)
        create_orgunit("G13", "Tổ dân phố 13", "residential_group", tree["W1"])
        db.session.flush()
        assert "G13" in read(scope, None)[0]


def test_anonymous_scope_is_empty():
    scope = Scope.for_user(None)
    assert scope.grants == () and not scope.covers("1.")


@pytest.mark.parametrize(
    ("grants", "visible"),
    [
        ((("police", "W1"),), ["G11", "G12", "W1"]),
        ((("police", "W1"), ("health", "G21")), ["G11", "G12", "G21", "W1"]),
        ((("police", "W1"), ("police", "C")), ["C", "G11", "G12", "G21", "W1", "W2"]),
        ((("viewer", "D"),), ["D"]),
    ],
)
def test_api_lists_only_units_in_scope(api_as, grants, visible):
    body = api_as(*grants).get("/api/v1/orgunits").get_json()
    assert sorted(u["code"] for u in body["items"]) == visible
    assert body["total"] == len(visible)


def test_api_list_filters_and_paginates(api_as):
    api = api_as(("police", "C"))
    children = api.get("/api/v1/orgunits?parent_code=W1").get_json()
    assert [u["code"] for u in children["items"]] == ["G11", "G12"]
    groups = api.get("/api/v1/orgunits?kind=residential_group&per_page=2&page=2").get_json()
    assert groups["total"] == 3 and len(groups["items"]) == 1
    assert api.get("/api/v1/orgunits?parent_code=D").status_code == 404
    bad = api.get("/api/v1/orgunits?kind=hamlet")
    assert bad.status_code == 422 and "kind" in bad.get_json()["errors"]


def test_reading_outside_scope_is_404(api_as):
    api = api_as(("police", "W1"))
    assert api.get("/api/v1/orgunits/G11").status_code == 200
    for code in ("W2", "C", "D", "NOPE"):
        response = api.get(f"/api/v1/orgunits/{code}")
        assert response.status_code == 404
        assert response.get_json()["code"] == "not_found"


def test_admin_writes_inside_scope(api_as):
    api = api_as(("admin", "W1"))
    created = api.post("/api/v1/orgunits", json={
        "code": "G13", "name": "Tổ dân phố 13", "kind": "residential_group", "parent_code": "W1"})
    assert created.status_code == 201 and created.get_json()["parent_code"] == "W1"
    renamed = api.patch("/api/v1/orgunits/G13", json={"name": "Tổ dân phố Mười Ba"})
    assert renamed.status_code == 200 and renamed.get_json()["name"] == "Tổ dân phố Mười Ba"


def test_writing_where_one_can_only_read_is_403(api_as, db, tree):
    api = api_as(("admin", "W1"), ("viewer", "C"))
    response = api.patch("/api/v1/orgunits/W2", json={"name": "Đổi tên"})
    assert response.status_code == 403
    assert response.get_json()["code"] == "not_permitted"
    db.session.refresh(tree["W2"])
    assert tree["W2"].name == "Phường Hai"
    response = api.post("/api/v1/orgunits", json={
        "code": "G22", "name": "Tổ 22", "kind": "residential_group", "parent_code": "W2"})
    assert response.status_code == 403


def test_writing_outside_read_scope_is_404_and_unknown_parent_is_422(api_as):
    api = api_as(("admin", "W1"))
    assert api.patch("/api/v1/orgunits/W2", json={"name": "X"}).status_code == 404
    response = api.post("/api/v1/orgunits", json={
        "code": "G22", "name": "Tổ 22", "kind": "residential_group", "parent_code": "W2"})
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"parent_code"}


def test_roles_other_than_admin_cannot_change_units(api_as):
    api = api_as(("police", "C"))
    response = api.patch("/api/v1/orgunits/W1", json={"name": "X"})
    assert response.status_code == 403


def test_bad_unit_data_is_422(api_as):
    api = api_as(("admin", "C"))
    wrong_kind = api.post("/api/v1/orgunits", json={
        "code": "X1", "name": "X", "kind": "ward", "parent_code": "W1"})
    assert wrong_kind.status_code == 422 and wrong_kind.get_json()["code"] == "validation_error"
    duplicate = api.post("/api/v1/orgunits", json={
        "code": "G11", "name": "X", "kind": "residential_group", "parent_code": "W1"})
    assert duplicate.status_code == 422
    missing = api.post("/api/v1/orgunits", json={"code": "X2"})
    assert missing.status_code == 422
    assert set(missing.get_json()["errors"]) == {"name", "kind", "parent_code"}
