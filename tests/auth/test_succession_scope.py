"""Scope follows succession (WORKFLOWS.md §6): the successor's roles reach what its
predecessors held; a role only over an old unit reads its past and acts no more after its
last day, except for late entries dated before it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from casework.auth.scope import Scope
from casework.orgunits import successions
from casework.orgunits.models import OrgUnit, subtree_clause
from casework.orgunits.services import create_orgunit
from casework.workflow.deadlines import today_local
from tests.people.conftest import at, drug_test

IDENTITY = {"full_name": "Nguyễn Văn Thử", "birth_date": "1990-05-17", "gender": "male",
            "area_code": "G11", "confirm_new": True}


@pytest.fixture
def merger(db, tree, api_as):
    """A person opened in G11 (ward W1) 800 days ago; 30 days ago W1 and W2 merged into N."""
    on = today_local() - timedelta(days=30)
    tree["P"] = create_orgunit("P", "Tỉnh Thử", "province", None)
    tree["N"] = create_orgunit("N", "Phường Mới", "ward", tree["P"], valid_from=on)
    db.session.commit()
    opened = api_as(("police", "W1")).post("/api/v1/persons",
                                           json={**IDENTITY, "effective_at": at(800)})
    assert opened.status_code == 201
    successions.merge(["W1", "W2"], "N", on, "NQ thử", dry_run=False)
    db.session.commit()
    return {"on": on, "person": opened.get_json()["id"]}


def test_an_ordinary_ward_keeps_the_plain_range(db, tree, make_user):
    scope = Scope.for_user(make_user("u", ("police", "W1")))
    assert str(scope.unit_clause(OrgUnit.path).compile()) == str(
        sa.or_(subtree_clause(OrgUnit.path, tree["W1"].path)).compile())
    assert scope.grants[0].history == () and scope.grants[0].extra == ()


def test_successor_police_sees_and_acts_on_the_predecessors_records(db, tree, merger,
                                                                    api_as):
    health = api_as(("health", "N"), ("police", "N"))
    person = f"/api/v1/persons/{merger['person']}"
    body = health.get(person).get_json()
    assert body["area_code"] == "G11"
    # The old ward's own area record is reached through the successor.
    assert health.get("/api/v1/areas/W1").status_code == 200
    assert health.get("/api/v1/areas/W2").status_code == 200
    fired = health.post(f"{person}/transitions", json={
        "event": "record_test", "version": body["version"], "data": drug_test(1),
        "effective_at": at(1)})
    assert fired.status_code == 200, fired.get_json()


def test_a_grant_above_the_successor_reaches_its_predecessors(db, tree, merger, api_as):
    """The province holding N reaches what N's predecessors held, though the old wards sat
    under city C, outside the province (a province's officers read the merged communes)."""
    province = api_as(("police", "P"))
    assert province.get("/api/v1/areas/W1").status_code == 200
    assert province.get(f"/api/v1/persons/{merger['person']}").status_code == 200
    # Not the rest of the old city: C itself and city D never were the province's.
    assert province.get("/api/v1/areas/C").status_code == 404
    assert province.get("/api/v1/areas/D").status_code == 404
    elsewhere = api_as(("police", "D"))
    assert elsewhere.get("/api/v1/areas/W1").status_code == 404


def test_old_unit_reads_its_past_and_acts_only_until_its_last_day(db, tree, merger, api_as):
    old = api_as(("health", "W1"))
    person = f"/api/v1/persons/{merger['person']}"
    body = old.get(person).get_json()
    assert body["area_code"] == "G11"
    assert body["available_events"] == []   # today is after W1's last day: no buttons
    after = old.post(f"{person}/transitions", json={
        "event": "record_test", "version": body["version"], "data": drug_test(29),
        "effective_at": at(29)})
    assert after.status_code == 403 and after.get_json()["code"] == "not_permitted"
    late = old.post(f"{person}/transitions", json={
        "event": "record_test", "version": body["version"], "data": drug_test(40),
        "effective_at": at(40)})
    assert late.status_code == 200, late.get_json()


def test_old_unit_scope_boundaries(db, tree, merger, make_user):
    on = merger["on"]
    scope = Scope.for_user(make_user("oldp", ("police", "W1")))
    g11 = db.session.get(OrgUnit, tree["G11"].id)
    g21 = db.session.get(OrgUnit, tree["G21"].id)
    assert scope.covers(g11.path)           # G11 was under W1
    assert not scope.covers(g21.path)       # G21 never was
    assert scope.roles_at(g11.path, on - timedelta(days=1)) == {"police"}
    assert scope.roles_at(g11.path, on) == set()
    assert scope.roles_at(g11.path) == set()
    listed = db.session.scalars(sa.select(OrgUnit.code).where(
        scope.unit_clause(OrgUnit.path))).all()
    assert sorted(listed) == ["G11", "G12", "W1"]
    new = Scope.for_user(make_user("newp", ("police", "N")))
    assert sorted(db.session.scalars(sa.select(OrgUnit.code).where(
        new.unit_clause(OrgUnit.path)))) == ["G11", "G12", "G21", "N", "W1", "W2"]
    assert new.roles_at(db.session.get(OrgUnit, tree["W1"].id).path) == {"police"}


def test_a_viewer_of_the_successor_stays_aggregate_only(db, tree, merger, api_as):
    viewer = api_as(("viewer", "N"))
    assert viewer.get(f"/api/v1/persons/{merger['person']}").status_code == 404
    assert viewer.get("/api/v1/areas/W1").status_code == 200
