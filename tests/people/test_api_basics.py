"""Opening persons, duplicates, reading through the scope, and bad input."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

import casework.db
from casework.audit.models import AuditEntry
from casework.people.models import Person
from casework.people.schemas import PersonCreateSchema
from tests.people.conftest import IDENTITY, at

# Version 1 (Law 73/2021) rules, with dates relative to today.
pytestmark = pytest.mark.usefixtures("law73")


def count(db, model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_open_a_person(team, db):
    response = team["police"].post("/api/v1/persons", json={**IDENTITY,
                                                           "national_id": "001090012345"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["state"] == "suspected" and body["state_label"] == "Nghi sử dụng ma túy"
    assert body["version"] == 1 and body["workflow_version"] == 1
    assert body["area_code"] == "G11" and body["due_date"]  # test within 10 days
    assert [e["event"] for e in body["available_events"]] == ["request_assessment", "transfer",
                                                               "exit"]
    history = team["police"].get(f"/api/v1/persons/{body['id']}/history").get_json()["items"]
    assert [(h["seq"], h["event"], h["from_state"], h["to_state"]) for h in history] == [
        (1, "open", None, "suspected")]
    assert history[0]["role"] == "police" and len(history[0]["hash"]) == 64


def test_health_staff_may_open_too_but_not_social_affairs(team):
    assert team["health"].post("/api/v1/persons", json=IDENTITY).status_code == 201
    refused = team["social_affairs"].post("/api/v1/persons",
                                          json={**IDENTITY, "full_name": "Lê Thị B"})
    assert refused.status_code == 403 and refused.get_json()["code"] == "not_permitted"


def test_duplicate_by_name_without_diacritics_and_birth_date(team, db):
    team["police"].post("/api/v1/persons", json=IDENTITY)
    twin = {**IDENTITY, "full_name": "nguyen van  thu"}
    response = team["health"].post("/api/v1/persons", json=twin)
    assert response.status_code == 409
    body = response.get_json()
    assert body["code"] == "duplicate_suspected"
    assert [c["full_name"] for c in body["candidates"]] == ["Nguyễn Văn Thử"]
    assert count(db, Person) == 1
    confirmed = team["health"].post("/api/v1/persons", json={**twin, "confirm_new": True})
    assert confirmed.status_code == 201 and count(db, Person) == 2


def test_reading_is_scoped_and_viewers_see_no_names(team, api_as, db):
    person_id = team["police"].post("/api/v1/persons", json=IDENTITY).get_json()["id"]
    assert team["health"].get(f"/api/v1/persons/{person_id}").status_code == 200
    for outsider in (api_as(("police", "W2")), api_as(("viewer", "C")), api_as(("admin", "C"))):
        assert outsider.get(f"/api/v1/persons/{person_id}").status_code == 404
        assert outsider.get("/api/v1/persons").get_json()["total"] == 0
    assert api_as(("police", "C")).get(f"/api/v1/persons/{person_id}").status_code == 200


def test_list_filters_and_search_without_diacritics(team):
    police = team["police"]
    police.post("/api/v1/persons", json=IDENTITY)
    police.post("/api/v1/persons", json={**IDENTITY, "full_name": "Lò Thị Páo",
                                         "area_code": "G12", "gender": "female"})
    assert police.get("/api/v1/persons").get_json()["total"] == 2
    found = police.get("/api/v1/persons?q=lo thi pao").get_json()
    assert [p["full_name"] for p in found["items"]] == ["Lò Thị Páo"]
    assert police.get("/api/v1/persons?q=Thử").get_json()["total"] == 1
    assert police.get("/api/v1/persons?area_code=G12").get_json()["total"] == 1
    assert police.get("/api/v1/persons?area_code=W1").get_json()["total"] == 2
    assert police.get("/api/v1/persons?state=suspected").get_json()["total"] == 2
    assert police.get("/api/v1/persons?state=addict").get_json()["total"] == 0
    assert police.get("/api/v1/persons?overdue=true").get_json()["total"] == 0
    page = police.get("/api/v1/persons?per_page=1&page=2").get_json()
    assert page["total"] == 2 and len(page["items"]) == 1
    assert police.get("/api/v1/persons?area_code=G21").status_code == 422


def test_search_in_the_body_answers_as_the_list(team, api_as):
    police = team["police"]
    police.post("/api/v1/persons", json=IDENTITY)
    police.post("/api/v1/persons", json={**IDENTITY, "full_name": "Lò Thị Páo",
                                         "area_code": "G12", "gender": "female"})
    for body in ({"q": "lo thi pao"}, {"q": "Páo", "area_code": "G12", "per_page": 5},
                 {"state": "suspected"}, {}):
        query = "&".join(f"{k}={v}" for k, v in body.items())
        posted = police.post("/api/v1/persons/search", json=body)
        assert posted.status_code == 200, posted.get_json()
        assert posted.get_json() == police.get(f"/api/v1/persons?{query}").get_json()
    assert police.post("/api/v1/persons/search", json={"q": "x" * 101}).status_code == 422
    assert police.post("/api/v1/persons/search", json={"area_code": "G21"}).status_code == 422
    # A viewer may not search persons at all: refused before the body is read.
    refused = api_as(("viewer", "C")).post("/api/v1/persons/search", json={"q": "pao"})
    assert refused.status_code == 403 and refused.get_json()["code"] == "not_permitted"


def test_overdue_filter(team):
    police = team["police"]
    police.post("/api/v1/persons", json={**IDENTITY, "effective_at": at(30)})
    police.post("/api/v1/persons", json={**IDENTITY, "full_name": "Mới Mở", "confirm_new": True})
    overdue = police.get("/api/v1/persons?overdue=true").get_json()
    assert [p["full_name"] for p in overdue["items"]] == ["Nguyễn Văn Thử"]
    assert overdue["items"][0]["overdue"] is True


def test_bad_identity_is_refused_and_nothing_saved(team, db):
    police = team["police"]
    cases = {
        "national_id": {**IDENTITY, "national_id": "00109001234"},       # 11 digits
        "birth_date": {**IDENTITY, "birth_date": "2999-01-01"},
        "gender": {**IDENTITY, "gender": "x"},
        "area_code": {**IDENTITY, "area_code": "W1"},                      # not a group
        "full_name": {k: v for k, v in IDENTITY.items() if k != "full_name"},
    }
    for field, body in cases.items():
        response = police.post("/api/v1/persons", json=body)
        assert response.status_code == 422, field
        assert response.get_json()["code"] == "validation_error"
        assert field in response.get_json()["errors"], (field, response.get_json())
    unknown = police.post("/api/v1/persons", json={**IDENTITY, "area_code": "G21"})
    assert unknown.status_code == 422 and "area_code" in unknown.get_json()["errors"]
    future = police.post("/api/v1/persons",
                         json={**IDENTITY, "effective_at": "2999-01-01T00:00:00+07:00"})
    assert future.status_code == 422 and "effective_at" in future.get_json()["errors"]
    assert count(db, Person) == 0 and count(db, AuditEntry) == 0


def test_national_id_must_match_birth_year(team):
    response = team["police"].post("/api/v1/persons", json={**IDENTITY,
                                                            "national_id": "001095012345"})
    assert response.status_code == 422
    assert "1995" in response.get_json()["errors"]["national_id"][0]


def test_bad_events_are_refused_with_their_code_and_nothing_saved(open_case, db):
    """Issue 4's bad input: each refused in the user's language, and nothing saved."""
    from casework.people.models import DrugTest, ManagementDecision
    from tests.people.conftest import assessment, day, drug_test

    case = open_case(days_ago=60)
    version = case.body["version"]
    entries = count(db, AuditEntry)

    unknown = case.fire("health", "teleport", {}, expect=422)
    assert unknown["code"] == "invalid_event"
    assert unknown["message"] == "Thao tác “teleport” không có trong quy trình này."
    wrong_state = case.fire("commune_chair", "decide_management",
                            {"decision_no": "1/QĐ", "decision_date": day(1)}, expect=422)
    assert wrong_state["code"] == "invalid_event"
    born_later = case.fire("health", "record_test", drug_test(1, test_date="1985-01-01"),
                           expect=422)
    # Every date of the event's data is judged like effective_at (WORKFLOWS.md §8).
    assert born_later["code"] == "validation_error"
    assert "ngày sinh" in born_later["errors"]["test_date"][0]
    future = case.fire("health", "record_test", drug_test(1), days_ago=-3, expect=422)
    assert future["code"] == "validation_error" and "effective_at" in future["errors"]
    assert count(db, DrugTest) == 0

    case.fire("health", "record_test", drug_test(50), days_ago=50)
    missing_no = case.fire("commune_chair", "decide_management", {"decision_date": day(45)},
                           days_ago=45, expect=422)
    assert missing_no["code"] == "validation_error" and "decision_no" in missing_no["errors"]
    assert count(db, ManagementDecision) == 0

    case.fire("police", "request_assessment", {"grounds": "Nghi nghiện"}, days_ago=40)
    case.fire("health", "record_assessment", assessment(39), days_ago=39)
    for months, code in ((13, "rule_failed"), (3, "rule_failed"), (40, "validation_error")):
        outside = case.fire("social_affairs", "register_voluntary_rehab",
                            {"setting": "community", "decision_no": "2/QĐ",
                             "start_date": day(30), "planned_months": months},
                            days_ago=30, expect=422)
        assert outside["code"] == code, months
    assert case.state == "addict"
    stale = case.team["police"].post(f"/api/v1/persons/{case.id}/transitions", json={
        "event": "exit", "version": version, "reason": "x",
        "data": {"exit_reason": "moved_out", "exit_date": day(1)}})
    assert stale.status_code == 409 and stale.get_json()["code"] == "stale_version"
    assert count(db, AuditEntry) == entries + 3  # only the three accepted events


def test_today_is_the_date_in_vietnam(app, monkeypatch):
    """At 23:30 UTC it is 06:30 the next morning in Vietnam: that day is already "today"."""
    monkeypatch.setattr(casework.db, "utcnow", lambda: datetime(2026, 3, 9, 23, 30, tzinfo=UTC))
    body = {**IDENTITY, "confirm_new": True}
    with app.test_request_context():
        loaded = PersonCreateSchema().load({**body, "birth_date": "2026-03-10"})
        assert loaded["birth_date"].isoformat() == "2026-03-10"
        errors = PersonCreateSchema().validate({**body, "birth_date": "2026-03-11"})
    assert "birth_date" in errors


def test_a_name_is_normalised_on_entry(team):
    body = {**IDENTITY, "full_name": "  trần   THỊ  bích ", "confirm_new": True}
    response = team["police"].post("/api/v1/persons", json=body)
    assert response.status_code == 201
    assert response.get_json()["full_name"] == "Trần Thị Bích"
