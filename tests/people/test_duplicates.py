"""Duplicates: a national ID belongs to one open record, and nothing leaks across units.

- Another open record with the same national ID: 409 `duplicate_person`, whatever
  ``confirm_new`` says; ``record_id`` only when that record is in the caller's scope.
- The same name and birth date, or the same ID on a closed record, inside the caller's scope:
  409 `duplicate_suspected` with the candidates, overridden by ``confirm_new``.
- Outside the caller's scope, a name match (or a closed record) reveals nothing.
"""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from casework.db import utcnow
from casework.people import rules as person_rules
from casework.people.models import CLOSED_STATES, Person
from casework.people.services import is_open_national_id_clash
from casework.workflow.catalog import get_catalog
from tests.people.conftest import IDENTITY, Case, day

NATIONAL_ID = "001090012345"  # a man born in 1990, as IDENTITY
OTHER = {"full_name": "Trần Văn Khác", "birth_date": "1990-01-01", "gender": "male",
         "area_code": "G12"}
# The records are opened now: they cannot be left the day before (WORKFLOWS.md §8).
EXIT = {"exit_reason": "moved_out", "exit_date": day(0)}


def count(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Person))


def created(client, body) -> dict:
    response = client.post("/api/v1/persons", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.fixture
def elsewhere(api_as):
    """The police of ward W2: the records of W1 are outside their scope."""
    return api_as(("police", "W2"))


@pytest.mark.parametrize("confirm_new", [False, True])
def test_an_open_record_with_the_national_id_in_scope_is_named(team, db, confirm_new):
    first = created(team["police"], {**IDENTITY, "national_id": NATIONAL_ID})
    response = team["health"].post("/api/v1/persons", json={
        **OTHER, "national_id": NATIONAL_ID, "confirm_new": confirm_new})
    assert response.status_code == 409
    body = response.get_json()
    assert body["code"] == "duplicate_person" and body["record_id"] == first["id"]
    assert f"no. {first['id']}" in body["message"] or f"số {first['id']}" in body["message"]
    assert body["errors"]["national_id"] == [body["message"]]
    assert "candidates" not in body and "hidden_candidates" not in body
    assert count(db) == 1


@pytest.mark.parametrize("confirm_new", [False, True])
def test_an_open_record_outside_the_scope_is_only_managed_in_another_unit(
        team, elsewhere, db, confirm_new):
    first = created(team["police"], {**IDENTITY, "national_id": NATIONAL_ID,
                                     "address": "Số 5 ngõ Hoa"})
    response = elsewhere.post("/api/v1/persons", json={
        **IDENTITY, "area_code": "G21", "national_id": NATIONAL_ID, "confirm_new": confirm_new})
    assert response.status_code == 409
    body = response.get_json()
    assert set(body) == {"code", "message", "errors"}
    assert body["code"] == "duplicate_person"
    assert body["message"] == "Người có số định danh này đang được quản lý ở đơn vị khác."
    text = response.get_data(as_text=True)
    for secret in ("Nguyễn", "Thử", "Số 5 ngõ Hoa", "Tổ dân phố 1", "Phường Một", "G11",
                   str(first["id"])):
        assert secret not in text, secret
    assert count(db) == 1


def test_a_name_match_outside_the_scope_reveals_nothing(team, elsewhere, db):
    created(team["police"], IDENTITY)
    response = elsewhere.post("/api/v1/persons", json={**IDENTITY, "area_code": "G21"})
    assert response.status_code == 201, response.get_json()
    assert count(db) == 2


def test_a_name_match_inside_the_scope_lists_candidates_until_confirmed(team, db):
    created(team["police"], IDENTITY)
    twin = {**IDENTITY, "full_name": "nguyen van  thu"}
    response = team["health"].post("/api/v1/persons", json=twin)
    assert response.status_code == 409
    body = response.get_json()
    assert body["code"] == "duplicate_suspected" and "hidden_candidates" not in body
    assert [c["full_name"] for c in body["candidates"]] == ["Nguyễn Văn Thử"]
    assert count(db) == 1
    assert team["health"].post("/api/v1/persons",
                               json={**twin, "confirm_new": True}).status_code == 201
    assert count(db) == 2


def test_a_wider_scope_sees_candidates_of_every_unit_below(team, api_as):
    created(team["police"], IDENTITY)
    city = api_as(("police", "C"))
    body = city.post("/api/v1/persons", json={**IDENTITY, "area_code": "G21"}).get_json()
    assert body["code"] == "duplicate_suspected" and len(body["candidates"]) == 1


def test_a_closed_record_with_the_id_is_a_candidate_in_scope_and_nothing_outside(
        team, elsewhere, db):
    first = Case(team, created(team["police"], {**IDENTITY, "national_id": NATIONAL_ID}))
    first.fire("police", "exit", EXIT, reason="Chuyển đi nơi khác")
    again = {**OTHER, "national_id": NATIONAL_ID}
    suspected = team["police"].post("/api/v1/persons", json=again)
    assert suspected.status_code == 409
    assert suspected.get_json()["code"] == "duplicate_suspected"
    assert [c["id"] for c in suspected.get_json()["candidates"]] == [first.id]
    # Outside the scope a closed record is not "managed" anywhere: nothing is said.
    assert elsewhere.post("/api/v1/persons", json={
        **again, "area_code": "G21"}).status_code == 201
    assert count(db) == 2


def test_once_the_holder_is_closed_a_new_record_may_hold_the_id(team, db):
    first = Case(team, created(team["police"], {**IDENTITY, "national_id": NATIONAL_ID}))
    body = {**OTHER, "national_id": NATIONAL_ID, "confirm_new": True}
    assert team["police"].post("/api/v1/persons", json=body).status_code == 409
    first.fire("police", "exit", EXIT, reason="Chuyển đi nơi khác")
    assert team["police"].post("/api/v1/persons", json=body).status_code == 201


def test_reopening_is_refused_while_another_record_holds_the_id(team, api_as, db):
    first = Case(team, created(team["police"], {**IDENTITY, "national_id": NATIONAL_ID}))
    first.fire("police", "exit", EXIT, reason="Chuyển đi nơi khác")
    assert "reopen" in [e["event"] for e in first.body["available_events"]]
    city = api_as(("police", "C"))
    second = created(city, {**IDENTITY, "area_code": "G21", "national_id": NATIONAL_ID,
                            "confirm_new": True})

    # W1's police do not see G21: the other record is only "managed in another unit".
    refused = first.fire("police", "reopen", reason="Quay lại địa bàn", expect=409)
    assert refused["code"] == "duplicate_person" and "record_id" not in refused
    assert refused["message"] == "Người có số định danh này đang được quản lý ở đơn vị khác."
    body = team["police"].get(f"/api/v1/persons/{first.id}").get_json()
    assert body["state"] == "exited" and "reopen" not in [
        e["event"] for e in body["available_events"]]
    # The city's police see both records: the other one is named.
    named = city.post(f"/api/v1/persons/{first.id}/transitions", json={
        "event": "reopen", "version": body["version"], "reason": "Quay lại địa bàn"})
    assert named.status_code == 409 and named.get_json()["record_id"] == second["id"]

    city.post(f"/api/v1/persons/{second['id']}/transitions", json={
        "event": "exit", "version": second["version"], "data": EXIT, "reason": "Chuyển đi"})
    first.body = body
    assert first.fire("police", "reopen", reason="Quay lại địa bàn")["state"] == "suspected"


def test_a_reopen_that_slips_past_the_rule_is_stopped_by_the_index(team, api_as, db,
                                                                   monkeypatch):
    first = Case(team, created(team["police"], {**IDENTITY, "national_id": NATIONAL_ID}))
    first.fire("police", "exit", EXIT, reason="Chuyển đi nơi khác")
    second = created(team["police"], {**OTHER, "national_id": NATIONAL_ID, "confirm_new": True})
    # As if the other record were opened between the rule's check and the write.
    monkeypatch.setattr(person_rules, "open_holder", lambda *args, **kwargs: None)
    refused = first.fire("police", "reopen", reason="Quay lại địa bàn", expect=409)
    assert refused["code"] == "duplicate_person" and refused["record_id"] == second["id"]
    db.session.expire_all()
    assert db.session.get(Person, first.id).state == "exited"


OPEN, CLOSED = "suspected", "exited"


@pytest.mark.parametrize(("first", "second", "allowed"), [
    (OPEN, OPEN, False),
    (OPEN, CLOSED, True),
    (CLOSED, OPEN, True),
    (CLOSED, CLOSED, True),
])
def test_the_database_keeps_one_open_record_per_national_id(db, tree, first, second, allowed):
    def add(state: str, name: str) -> None:
        db.session.add(Person(full_name=name, name_folded=name.lower(), gender="male",
                              birth_date=date(1990, 5, 17), national_id=NATIONAL_ID,
                              org_unit=tree["G11"], state=state, workflow_version=1,
                              state_entered_at=utcnow(), last_event_at=utcnow()))
        db.session.flush()

    add(first, "Một")
    if allowed:
        add(second, "Hai")
        return
    with db.session.begin_nested(), pytest.raises(IntegrityError) as refused:
        add(second, "Hai")
    assert is_open_national_id_clash(refused.value)


def test_the_index_knows_the_closed_states_of_every_version_of_the_workflow(app):
    catalog = get_catalog()
    for version in catalog.versions("person"):
        definition = catalog.get("person", version)
        closed = {name for name, state in definition.states.items() if state.closed}
        assert closed == set(CLOSED_STATES), version


def test_the_form_says_clearly_that_the_id_is_taken(page_as, team, db):
    first = created(team["police"], {**IDENTITY, "national_id": NATIONAL_ID})
    form = {**OTHER, "national_id": NATIONAL_ID, "confirm_new": "on"}
    mine = page_as("police", "W1").post("/persons/new", data=form)
    assert mine.status_code == 409
    text = mine.get_data(as_text=True)
    assert "Số định danh này đã có hồ sơ đang mở" in text
    assert f"hồ sơ số {first['id']}" in text and f'href="/persons/{first["id"]}"' in text
    theirs = page_as("police", "W2").post("/persons/new", data={**form, "area_code": "G21"})
    assert theirs.status_code == 409
    text = theirs.get_data(as_text=True)
    assert "đang được quản lý ở đơn vị khác" in text
    assert "Nguyễn" not in text and f"/persons/{first['id']}" not in text
    assert count(db) == 1


def test_the_message_is_english_for_english_api_clients(team, elsewhere):
    created(team["police"], {**IDENTITY, "national_id": NATIONAL_ID})
    response = elsewhere.post("/api/v1/persons", json={
        **IDENTITY, "area_code": "G21", "national_id": NATIONAL_ID},
        headers={"Accept-Language": "en"})
    assert response.get_json()["message"] == (
        "A person with this national ID is managed in another unit.")
