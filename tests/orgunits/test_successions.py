"""Successions (WORKFLOWS.md §6): merge and move, their dry runs, bad input, audit, API, CLI,
and the map of a given day."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from casework.audit.models import AuditEntry
from casework.orgunits import history, successions
from casework.orgunits.models import OrgUnit, OrgUnitLink, Succession, subtree_clause
from casework.orgunits.services import create_orgunit, import_csv

ON = date(2025, 7, 1)
EVE = date(2025, 6, 30)
BASIS = "NQ 1670/NQ-UBTVQH15 Art 1.35"


@pytest.fixture
def merged_tree(db, tree):
    """The 2024 tree (city C: W1 with G11, G12; W2 with G21) plus province P and ward N under
    it since 2025-07-01, the successor-to-be of W1 and W2."""
    tree["P"] = create_orgunit("P", "Tỉnh Thử", "province", None)
    tree["N"] = create_orgunit("N", "Phường Mới", "ward", tree["P"], valid_from=ON)
    db.session.commit()
    return tree


def counts(db):
    return (db.session.scalar(sa.select(sa.func.count()).select_from(OrgUnitLink)),
            db.session.scalar(sa.select(sa.func.count()).select_from(Succession)),
            db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)))


def person_on(db, where):
    """A person attached (wrongly) to a commune itself, as an old import could leave one."""
    from casework.db import utcnow
    from casework.people.models import Person

    person = Person(full_name="Người Thử", name_folded="nguoi thu", birth_date=date(1990, 1, 1),
                    gender="male", org_unit_id=where.id, state="suspected",
                    workflow_version=1, state_entered_at=utcnow(), last_event_at=utcnow())
    db.session.add(person)
    db.session.flush()
    return person


def unit(db, code):
    return db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == code))


def test_dry_run_lists_what_moves_and_writes_nothing(db, merged_tree, make_user):
    make_user("old_police", ("police", "W1"))
    before = counts(db)
    report = successions.merge(["W1", "W2"], "N", ON, BASIS, dry_run=True)
    assert counts(db) == before
    assert [u["code"] for u in report.ending] == ["W1", "W2"]
    assert {u["valid_to"] for u in report.ending} == {"2025-06-30"}
    assert [(u["code"], u["from"], u["to"]) for u in report.moving] == [
        ("G11", "W1", "N"), ("G12", "W1", "N"), ("G21", "W2", "N")]
    assert report.assignments == [{"username": "old_police", "role": "police", "unit": "W1"}]
    assert [c["unit"] for c in report.open_records] == ["W1", "W2"]
    assert {"persons", "areas", "recognition_requests", "plans"} <= set(
        report.open_records[0]["counts"])
    assert report.conflicts == [] and not report.written
    assert unit(db, "W1").valid_to is None and unit(db, "G11").parent.code == "W1"


def test_merge_ends_the_old_units_and_moves_their_villages_with_dates(db, merged_tree):
    g11_id = merged_tree["G11"].id
    report = successions.merge(["W1", "W2"], "N", ON, BASIS, dry_run=False)
    db.session.commit()
    assert report.written
    w1, n, g11 = unit(db, "W1"), unit(db, "N"), unit(db, "G11")
    assert w1.valid_to == EVE and unit(db, "W2").valid_to == EVE and n.valid_to is None
    # The village is the same village: same id, new parent from the date.
    assert g11.id == g11_id and g11.parent.code == "N" and g11.path.startswith(n.path)
    assert history.parent_on(g11, EVE).code == "W1"
    assert history.parent_on(g11, ON).code == "N"
    assert history.commune_of(g11, EVE).code == "W1"
    assert history.commune_of(g11, ON).code == "N"
    # Boundaries: the old ward exists on its last day, not the day after.
    assert history.valid_on(w1, EVE) and not history.valid_on(w1, ON)
    assert not history.valid_on(n, EVE) and history.valid_on(n, ON)
    # Today's subtree query is unchanged: the village is under N now.
    assert set(db.session.scalars(sa.select(OrgUnit.code).where(
        subtree_clause(OrgUnit.path, n.path)))) == {"N", "G11", "G12", "G21"}
    # The map of a day.
    assert {u.code for u in db.session.scalars(sa.select(OrgUnit).where(
        history.in_subtree_on(OrgUnit.id, w1, EVE)))} == {"W1", "G11", "G12"}
    assert history.subtree_ids_on(w1, ON) == set()
    assert history.subtree_ids_on(n, EVE) == set()
    assert history.subtree_ids_on(n, ON) == {n.id, g11.id, unit(db, "G12").id,
                                             unit(db, "G21").id}
    assert [s.unit.code for s in history.predecessors(n)] == ["W1", "W2"]
    assert [s.unit.code for s in history.successors(w1)] == ["N"]
    step = history.direct_successors(w1)[0]
    assert (step.kind, step.on, step.basis) == ("merge", ON, BASIS)


def test_successors_and_predecessors_are_transitive(db, merged_tree):
    successions.merge(["W1", "W2"], "N", ON, BASIS, dry_run=False)
    later = date(2026, 1, 1)
    create_orgunit("M", "Phường Sau", "ward", unit(db, "P"), valid_from=later)
    successions.merge(["N"], "M", later, "NQ thử", dry_run=False)
    assert [s.unit.code for s in history.successors(unit(db, "W1"))] == ["N", "M"]
    assert {s.unit.code for s in history.predecessors(unit(db, "M"))} == {"N", "W1", "W2"}


def test_the_merge_is_audited_in_its_own_chain(db, merged_tree):
    report = successions.merge(["W1", "W2"], "N", ON, BASIS, dry_run=False)
    entries = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.record_type == "succession",
        AuditEntry.record_id == report.succession_id)).all()
    assert len(entries) == 1 and entries[0].event == "merge"
    changes = entries[0].data["changes"]
    assert changes["old"]["after"] == ["W1", "W2"] and changes["new"]["after"] == "N"
    assert changes["on"]["after"] == "2025-07-01" and changes["basis"]["after"] == BASIS


def test_move_reparents_one_unit_from_the_date(db, merged_tree):
    successions.move("G21", "W1", ON, "QĐ thử", dry_run=False)
    g21 = unit(db, "G21")
    assert g21.parent.code == "W1" and g21.valid_to is None
    assert history.parent_on(g21, EVE).code == "W2"
    assert history.parent_on(g21, ON).code == "W1"
    assert history.predecessors(g21) == [] and history.successors(unit(db, "W2")) == []
    # A dated move of the parent carries the children's paths along, with dates.
    successions.move("W1", "P", ON + timedelta(days=10), "QĐ thử 2", dry_run=False)
    w1 = unit(db, "W1")
    assert unit(db, "G21").path.startswith(w1.path) and w1.path.startswith(unit(db, "P").path)
    assert history.path_on(unit(db, "G11"), ON).startswith(unit(db, "C").path)


@pytest.mark.parametrize(("old", "new", "on", "basis", "field"), [
    (["W1"], "W1", ON, BASIS, "new"),                         # into itself
    (["C"], "G11", ON, BASIS, "new"),                         # into its own descendant
    (["W1"], "N", date(2025, 6, 30), BASIS, "new"),           # N does not exist yet
    (["W1", "G21"], "N", ON, BASIS, "old"),                   # kinds without a result
    (["C"], "N", ON, BASIS, "old"),                           # a city into a ward
    (["W1", "XX"], "N", ON, BASIS, "old"),                    # unknown code
    (["W1"], "YY", ON, BASIS, "new"),                         # unknown code
    (["W1"], "N", ON, "", "basis"),                           # no basis
    (["W1"], "N", ON, "x" * 301, "basis"),                    # basis too long
    (["W1"], "N", date(1899, 12, 31), BASIS, "on"),           # implausible date
    (["W1"], "N", date(2999, 1, 1), BASIS, "on"),             # implausible date
])
def test_bad_merges_are_refused_and_write_nothing(db, merged_tree, old, new, on, basis, field):
    before = counts(db)
    with pytest.raises(successions.SuccessionError) as refused:
        successions.merge(old, new, on, basis, dry_run=False)
    assert refused.value.field == field and str(refused.value)
    assert counts(db) == before


def test_a_date_before_a_units_first_day_or_after_it_ended_is_refused(db, merged_tree):
    create_orgunit("Q", "Phường Trẻ", "ward", merged_tree["P"], valid_from=ON)
    before = counts(db)
    with pytest.raises(successions.SuccessionError):   # Q would end before it began
        successions.merge(["Q"], "N", ON, BASIS, dry_run=False)
    successions.merge(["Q"], "N", ON + timedelta(days=1), BASIS, dry_run=True)  # day after: ok
    successions.merge(["W1"], "N", ON, BASIS, dry_run=False)
    with pytest.raises(successions.SuccessionError):   # W1 already ended
        successions.merge(["W1"], "N", ON + timedelta(days=5), BASIS, dry_run=False)
    with pytest.raises(successions.SuccessionError):   # G11 moved on ON: not before it
        successions.move("G11", "W2", EVE, BASIS, dry_run=False)
    assert counts(db)[1] == before[1] + 1


def test_a_person_on_the_commune_itself_is_a_conflict(db, merged_tree, api_as):
    person_on(db, merged_tree["W1"])
    report = successions.merge(["W1"], "N", ON, BASIS, dry_run=True)
    assert [c["unit"] for c in report.conflicts] == ["W1"]
    before = counts(db)
    with pytest.raises(successions.SuccessionConflict):
        successions.merge(["W1"], "N", ON, BASIS, dry_run=False)
    assert counts(db) == before and unit(db, "W1").valid_to is None


def test_import_accepts_todays_tree_and_dates(db):
    report = import_csv("code,name,kind,parent_code,valid_from,valid_to\n"
                        "LC,Tỉnh Lai Châu,province,,,\n"
                        "TP,Phường Tân Phong,ward,LC,01/07/2025,\n"
                        "DK,Đặc khu Thử,special_zone,LC,2025-07-01,\n"
                        "B1,Bản Một,village,DK,,\n"
                        "OLD,Thành phố Lai Châu,city,LC,,30/06/2025\n")
    assert report.ok, report.errors
    assert unit(db, "TP").valid_from == ON and unit(db, "TP").parent.code == "LC"
    assert unit(db, "OLD").valid_to == EVE
    bad = import_csv("code,name,kind,parent_code,valid_from,valid_to\n"
                     "X1,Phường X,ward,LC,31/02/2025,\n"
                     "X2,Phường Y,ward,LC,2025-07-02,2025-07-01\n")
    assert [line for line, _m in bad.errors] == [2, 3]
    assert unit(db, "X1") is None


def test_tree_of_a_day_through_the_api(db, merged_tree, api_as):
    successions.merge(["W1", "W2"], "N", ON, BASIS, dry_run=False)
    db.session.commit()
    admin = api_as(("admin", "C"), ("admin", "P"))
    old = admin.get("/api/v1/orgunits?as_of=2025-06-30&parent_code=W1").get_json()
    assert [u["code"] for u in old["items"]] == ["G11", "G12"]
    assert admin.get("/api/v1/orgunits?as_of=2025-07-01&parent_code=W1").get_json()[
        "items"] == []
    new = admin.get("/api/v1/orgunits?as_of=2025-07-01&parent_code=N").get_json()
    assert sorted(u["code"] for u in new["items"]) == ["G11", "G12", "G21"]
    on_eve = {u["code"] for u in admin.get("/api/v1/orgunits?as_of=2025-06-30").get_json()[
        "items"]}
    assert "W1" in on_eve and "N" not in on_eve
    body = admin.get("/api/v1/orgunits/G11?as_of=2025-06-30").get_json()
    assert body["parent_code"] == "W1"
    assert admin.get("/api/v1/orgunits/G11").get_json()["parent_code"] == "N"
    w1 = admin.get("/api/v1/orgunits/W1").get_json()
    assert w1["valid_to"] == "2025-06-30"
    assert w1["successors"] == [{"code": "N", "name": "Phường Mới", "unit_kind": "ward",
                                 "kind": "merge", "on": "2025-07-01", "basis": BASIS}]
    assert [p["code"] for p in admin.get("/api/v1/orgunits/N").get_json()["predecessors"]] == [
        "W1", "W2"]


def test_successions_api(db, merged_tree, api_as):
    admin = api_as(("admin", "C"), ("admin", "P"))
    body = {"kind": "merge", "old": ["W1", "W2"], "new": "N", "on": "2025-07-01",
            "basis": BASIS}
    dry = admin.post("/api/v1/orgunits/successions", json=body)
    assert dry.status_code == 200 and dry.get_json()["dry_run"] is True
    assert not dry.get_json()["written"] and len(dry.get_json()["moving"]) == 3
    assert unit(db, "W1").valid_to is None
    # Errors: validation (422), role (403), scope (404: N is outside), conflict (409).
    for bad in ({**body, "new": "W1"}, {**body, "on": "2025-02-30"}, {**body, "basis": ""},
                {**body, "old": ["ZZ"]}, {**body, "kind": "split"},
                {**body, "kind": "move"}):
        answer = admin.post("/api/v1/orgunits/successions", json=bad)
        assert answer.status_code == 422, bad
        assert answer.get_json()["code"] == "validation_error" and answer.get_json()["errors"]
    assert api_as(("police", "W1")).post("/api/v1/orgunits/successions",
                                         json=body).status_code == 403
    assert api_as(("admin", "C")).post("/api/v1/orgunits/successions",
                                       json=body).status_code == 404
    assert api_as(("admin", "C"), ("viewer", "P")).post("/api/v1/orgunits/successions",
                                                        json=body).status_code == 403
    assert api_as().post("/api/v1/orgunits/successions", json=body).status_code in (401, 403)
    from casework.people.models import Person

    person = person_on(db, merged_tree["W2"])
    db.session.commit()
    conflict = admin.post("/api/v1/orgunits/successions", json={**body, "dry_run": False})
    assert conflict.status_code == 409
    assert conflict.get_json()["code"] == "succession_conflict"
    assert conflict.get_json()["report"]["conflicts"][0]["unit"] == "W2"
    assert unit(db, "W1").valid_to is None
    db.session.delete(db.session.get(Person, person.id))
    db.session.commit()
    done = admin.post("/api/v1/orgunits/successions", json={**body, "dry_run": False})
    assert done.status_code == 201 and done.get_json()["written"]
    assert unit(db, "W1").valid_to == EVE
    moved = admin.post("/api/v1/orgunits/successions", json={
        "kind": "move", "old": ["G21"], "new": "W1", "on": "2025-06-01", "basis": "x"})
    assert moved.status_code == 422   # G21 changed place on 2025-07-01 already
    spec = admin.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/orgunits/successions" in spec["paths"]


def test_cli_exit_codes(app, db, merged_tree):
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["orgunits", "merge", "W1", "W2", "--into", "N",
                              "--on", "2025-07-01", "--basis", BASIS, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "G11" in dry.output and "Dry run" in dry.output
    assert unit(db, "W1").valid_to is None
    refused = runner.invoke(args=["orgunits", "merge", "W1", "--into", "W1",
                                  "--on", "2025-07-01", "--basis", BASIS])
    assert refused.exit_code == 1 and refused.output.count("\n") == 1
    usage = runner.invoke(args=["orgunits", "merge", "W1", "--into", "N", "--on", "hôm qua",
                                "--basis", BASIS])
    assert usage.exit_code == 2
    usage = runner.invoke(args=["orgunits", "move", "G21", "--on", "2025-07-01"])
    assert usage.exit_code == 2
    done = runner.invoke(args=["orgunits", "merge", "W1", "W2", "--into", "N",
                               "--on", "01/07/2025", "--basis", BASIS])
    assert done.exit_code == 0, done.output
    db.session.expire_all()
    assert unit(db, "W1").valid_to == EVE
    moved = runner.invoke(args=["orgunits", "move", "G21", "--to", "C", "--on", "2025-08-01",
                                "--basis", "x"])
    assert moved.exit_code == 1   # a group cannot sit under a city
    moved = runner.invoke(args=["orgunits", "move", "G21", "--to", "W1", "--on", "2025-08-01",
                                "--basis", "x"])
    assert moved.exit_code == 1   # W1 has ended


def test_reimporting_the_old_four_column_file_after_a_merger_changes_nothing(db, merged_tree):
    successions.merge(["W1", "W2"], "N", ON, BASIS, dry_run=False)
    report = import_csv("code,name,kind,parent_code\nW1,Phường Một,ward,C\n"
                        "G11,Tổ dân phố 1,residential_group,W1\n")
    assert report.ok and report.unchanged == 2
    assert unit(db, "W1").valid_to == EVE and unit(db, "G11").parent.code == "N"


def test_a_city_ends_only_once_its_wards_have_gone(db, merged_tree):
    """The district level ended on 2025-07-01: a city ends without successor, once nothing
    is left under it; before that the dry run lists what remains and nothing is written."""
    before = counts(db)
    with pytest.raises(successions.SuccessionConflict) as refused:
        successions.end("C", ON, BASIS, dry_run=False)
    assert [c["unit"] for c in refused.value.report.conflicts] == ["W1", "W2"]
    assert counts(db) == before and unit(db, "C").valid_to is None
    successions.merge(["W1", "W2"], "N", ON, BASIS, dry_run=False)
    report = successions.end("C", ON, BASIS, dry_run=False)
    db.session.commit()
    assert report.conflicts == [] and unit(db, "C").valid_to == EVE
    assert history.link_on(unit(db, "C"), ON) is None
    assert history.path_on(unit(db, "C"), EVE) is not None
    entry = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.event == "end"
    with pytest.raises(successions.SuccessionError):
        successions.end("C", ON, BASIS, dry_run=False)  # already ended
