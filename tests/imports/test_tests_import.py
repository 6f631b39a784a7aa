"""Importing drug test results: each test is the person's record_test event, all or none."""

from __future__ import annotations

import sqlalchemy as sa

from casework.audit.models import AuditEntry
from casework.audit.services import verify
from casework.imports.services import TEST_REQUIRED, check_file, import_persons, import_tests
from casework.people.models import DrugTest, Person
from tests.imports.conftest import ago, csv_bytes, ddmmyyyy, person_row

COLUMNS = TEST_REQUIRED + ("guardian_consent",)


def drug_test_row(external_id, person="A1", days_ago=1, result="positive", **values):
    row = {"external_id": external_id, "person_external_id": person,
           "test_date": ddmmyyyy(ago(days_ago)), "sample": "urine",
           "substances": "heroin; methamphetamine", "result": result,
           "facility": "Trạm Y tế phường"}
    row.update(values)
    return row


def _persons(db, officer, scope_of, *rows):
    report = import_persons(csv_bytes(list(rows)), officer, scope_of(officer))
    assert report.ok, report.problems
    return {p.external_id: p for p in db.session.scalars(sa.select(Person))}


def count(db, model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_tests_move_the_state_and_a_second_import_adds_nothing(db, tree, officer, scope_of):
    people = _persons(db, officer, scope_of, person_row("A1", state_since=ddmmyyyy(ago(5))),
                      person_row("A2", state_since=ddmmyyyy(ago(5))))
    content = csv_bytes([drug_test_row("T1", "A1", 2), drug_test_row("T2", "A2", 2, "negative")],
                        COLUMNS)
    report = import_tests(content, officer, scope_of(officer), source="tests.csv")
    assert report.ok, report.problems
    assert report.imported == 2
    assert people["A1"].state == "positive" and people["A2"].state == "cleared"
    test = db.session.scalar(sa.select(DrugTest).where(DrugTest.external_id == "T1"))
    assert test.person_id == people["A1"].id and test.substances == ["heroin", "methamphetamine"]
    assert test.audit_entry.event == "record_test"
    assert test.audit_entry.reason == "Imported from tests.csv, row 2."

    again = import_tests(content, officer, scope_of(officer))
    assert again.ok and (again.existing, again.imported) == (2, 0)
    assert count(db, DrugTest) == 2
    assert verify().ok


def test_a_bad_test_row_imports_no_test(db, tree, officer, scope_of):
    people = _persons(db, officer, scope_of, person_row("A1", state_since=ddmmyyyy(ago(5))))
    entries = count(db, AuditEntry)
    content = csv_bytes([
        drug_test_row("T1", "A1", 3),
        drug_test_row("T2", "NOBODY"),
        drug_test_row("T3", "A1", 1, test_date="2024-13-01"),
        drug_test_row("T4", "A1", 1, sample="sweat"),
    ], COLUMNS)
    report = import_tests(content, officer, scope_of(officer))
    assert [(p.row, p.column) for p in report.problems] == [
        (3, "person_external_id"), (4, "test_date"), (5, "sample")]
    assert count(db, DrugTest) == 0 and count(db, AuditEntry) == entries
    assert people["A1"].state == "suspected"


def test_a_test_the_workflow_refuses_is_a_row_problem(db, tree, officer, scope_of):
    """Two positive tests of a suspected person: the second finds it `positive`."""
    people = _persons(db, officer, scope_of, person_row("A1", state_since=ddmmyyyy(ago(9))))
    content = csv_bytes([drug_test_row("T1", "A1", 5), drug_test_row("T2", "A1", 2)], COLUMNS)
    report = check_file("tests", content, officer, scope_of(officer))
    assert [p.row for p in report.problems] == [3]
    assert "not possible" in report.problems[0].message
    assert count(db, DrugTest) == 0 and people["A1"].state == "suspected"


def test_a_test_before_the_imported_state_is_refused(db, tree, officer, scope_of):
    _persons(db, officer, scope_of, person_row("A1", state_since=ddmmyyyy(ago(5))))
    report = import_tests(csv_bytes([drug_test_row("T1", "A1", 20)], COLUMNS), officer,
                          scope_of(officer))
    assert [p.row for p in report.problems] == [2]
    # The imported record opened in its state 5 days ago: the test (20 days ago) is before it,
    # and the row says so once (WORKFLOWS.md §8).
    message = report.problems[0].message
    assert "before the record was opened" in message and ddmmyyyy(ago(5)) in message
    assert message.count(ddmmyyyy(ago(20))) == 1


def test_only_health_staff_record_tests(db, tree, make_user, scope_of):
    police = make_user("police_only", ("police", "W1"))
    _persons(db, police, scope_of, person_row("A1", state_since=ddmmyyyy(ago(5))))
    report = import_tests(csv_bytes([drug_test_row("T1", "A1", 2)], COLUMNS), police,
                          scope_of(police))
    assert [p.row for p in report.problems] == [2]
    assert count(db, DrugTest) == 0


def test_the_dry_run_rolls_back_every_test(db, tree, officer, scope_of):
    people = _persons(db, officer, scope_of, person_row("A1", state_since=ddmmyyyy(ago(5))))
    report = check_file("tests", csv_bytes([drug_test_row("T1", "A1", 2)], COLUMNS), officer,
                        scope_of(officer))
    assert report.ok and report.new == 1
    db.session.expire_all()
    assert count(db, DrugTest) == 0 and people["A1"].state == "suspected"
