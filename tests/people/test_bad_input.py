"""Persons: names hold no control or invisible characters, and nothing happens to a person
before their birth. Refusals are 4xx and write nothing."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from casework.audit.models import AuditEntry
from casework.errors import ValidationFailed
from casework.people.identity import fold
from casework.people.models import Person
from casework.workflow import engine
from casework.workflow.deadlines import LOCAL_TZ
from tests.people.conftest import IDENTITY

# Version 1 (Law 73/2021) rules, with dates relative to today: version 2 judges events
# dated from 2026-07-01 (test_law120.py, test_permission_table_v2.py).
pytestmark = pytest.mark.usefixtures("law73")

BIRTH = date(1990, 5, 17)  # IDENTITY's


def count(db, model=Person) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.mark.parametrize(("char", "status"), [
    ("\x07", 400), ("\x1b", 400), ("\x00", 400),     # control characters: the boundary
    ("\u202e", 422), ("\u200b", 422), ("\u2066", 422), ("\ufeff", 422),  # Cf: the schema
])
@pytest.mark.parametrize("field", ["full_name", "address", "national_id", "external_id"])
def test_names_and_text_refuse_control_and_format_characters(team, db, char, status, field):
    body = {**IDENTITY, "confirm_new": True, field: f"Nguyễn{char}Ánh"}
    response = team["police"].post("/api/v1/persons", json=body)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["code"] == "validation_error"
    assert field in response.get_json()["errors"]
    assert count(db) == 0


@pytest.mark.parametrize("name", ["Nguyễn Thị Ánh", "Hoàng Thị Ngọc Diệp", "Lò Thị Mỷ"])
@pytest.mark.parametrize("form", ["NFC", "NFD"])
def test_vietnamese_names_in_either_normal_form_are_accepted(team, name, form):
    typed = unicodedata.normalize(form, name)
    response = team["police"].post("/api/v1/persons", json={**IDENTITY, "full_name": typed})
    assert response.status_code == 201, response.get_json()
    # Stored composed (NFC), as every name is normalised on entry: the diacritics stay.
    assert response.get_json()["full_name"] == unicodedata.normalize("NFC", name)


def test_the_same_name_typed_in_nfd_is_still_a_duplicate(team):
    team["police"].post("/api/v1/persons", json={**IDENTITY, "full_name": "Nguyễn Thị Ánh"})
    twin = unicodedata.normalize("NFD", "Nguyễn Thị Ánh")
    response = team["police"].post("/api/v1/persons", json={**IDENTITY, "full_name": twin})
    assert response.status_code == 409


@pytest.mark.parametrize("char", ["\u202e", "\u200b"])
def test_the_form_refuses_invisible_characters_in_the_name(page_as, db, char):
    page = page_as("police", "W1")
    response = page.post("/persons/new", data={**IDENTITY, "full_name": f"Lò{char}Mỷ"})
    assert response.status_code == 422
    assert "Xóa các ký tự định dạng ẩn" in response.get_data(as_text=True)
    assert count(db) == 0


# --- nothing before the birth date ----------------------------------------------------------


# A child born after the first law took effect, so that the birth date is the limit (before
# 2022-01-01 no version of the workflow applies: tests/workflow/lawdays).
@pytest.mark.parametrize(("effective_at", "ok"), [
    ("2023-05-16T23:59:00+07:00", False),  # the day before, in Vietnam
    ("2023-05-16T17:00:00+00:00", True),   # = 17/05/2023 00:00 in Vietnam
    ("2023-05-17T00:00:00+07:00", True),
    ("1890-01-01T00:00:00+07:00", False),
    ("0001-01-01T00:00:00+07:00", False),
])
def test_a_record_is_not_opened_before_the_birth_date(team, db, effective_at, ok):
    response = team["police"].post("/api/v1/persons", json={
        **IDENTITY, "birth_date": "2023-05-17", "effective_at": effective_at})
    if ok:
        assert response.status_code == 201, response.get_json()
    else:
        assert response.status_code == 422, response.get_json()
        assert "effective_at" in response.get_json()["errors"]
        assert count(db) == 0


def test_a_record_is_not_opened_before_the_first_law(team, db):
    response = team["police"].post("/api/v1/persons", json={
        **IDENTITY, "effective_at": "2021-12-31T23:59:00+07:00"})
    assert response.status_code == 422
    assert response.get_json()["errors"]["effective_at"] == [
        "Ngày 31/12/2021 chưa có văn bản nào mà hệ thống áp dụng: Luật 73/2021 có hiệu lực từ "
        "ngày 01/01/2022. Vui lòng kiểm tra lại ngày."]
    assert count(db) == 0


def test_no_event_is_dated_before_the_birth_date(team, open_case, db):
    case = open_case(days_ago=30)
    entries = count(db, AuditEntry)
    response = team["health"].post(f"/api/v1/persons/{case.id}/transitions", json={
        "event": "record_test", "version": case.body["version"],
        "effective_at": "1990-05-16T12:00:00+07:00",
        "data": {"test_date": "1990-05-16", "sample": "urine", "substances": ["heroin"],
                 "result": "positive", "facility": "Trạm Y tế"}})
    assert response.status_code == 422
    # The test date is refused under its own label, with the birth date it collides with;
    # effective_at, on the same day, does not say it again (WORKFLOWS.md §8).
    errors = response.get_json()["errors"]
    assert list(errors) == ["test_date"]
    (message,) = errors["test_date"]
    assert message == "Ngày xét nghiệm (16/05/1990) không được trước ngày sinh (17/05/1990)."
    assert count(db, AuditEntry) == entries
    person = team["health"].get(f"/api/v1/persons/{case.id}").get_json()
    assert person["version"] == case.body["version"] and person["state"] == case.state


@pytest.mark.parametrize("effective_at", ["0001-01-01T00:00:00+07:00",
                                          "9999-12-31T23:59:59-12:00"])
def test_an_event_in_year_1_or_9999_is_refused_not_an_overflow(team, open_case, effective_at):
    case = open_case(days_ago=30)
    response = team["health"].post(f"/api/v1/persons/{case.id}/transitions", json={
        "event": "exit", "version": case.body["version"], "effective_at": effective_at,
        "reason": "x", "data": {}})
    assert response.status_code == 422 and "effective_at" in response.get_json()["errors"]


def test_an_import_is_not_dated_before_the_birth_date(db, tree, make_user):
    officer = make_user("importer", ("police", "W1"))
    person = Person(full_name="Lò Văn Nhập", name_folded=fold("Lò Văn Nhập"),
                    birth_date=BIRTH, gender="male", org_unit=tree["G11"])
    with pytest.raises(ValidationFailed) as caught:
        engine.import_record(person, "suspected", officer,
                             effective_at=datetime(1990, 5, 16, 12, tzinfo=LOCAL_TZ))
    assert "effective_at" in caught.value.errors
    assert count(db) == 0
