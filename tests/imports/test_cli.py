"""`casework import persons|tests FILE`: dry run, all or nothing, a second run adds nothing."""

from __future__ import annotations

import sqlalchemy as sa

from casework.people.models import DrugTest, Person
from tests.imports.conftest import ago, csv_bytes, ddmmyyyy, person_row


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def count(db, model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_import_persons_then_tests(app, db, tree, officer, tmp_path):
    persons = tmp_path / "persons.csv"
    persons.write_bytes(csv_bytes([person_row("A1", state_since=ddmmyyyy(ago(5))),
                                   person_row("A2", "managed_user")]))
    dry = run(app, "import", "persons", str(persons), "--user", officer.username, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "2 to import" in dry.output and count(db, Person) == 0

    done = run(app, "import", "persons", str(persons), "--user", officer.username)
    assert done.exit_code == 0, done.output
    assert "2 persons created" in done.output and count(db, Person) == 2

    again = run(app, "import", "persons", str(persons), "--user", officer.username)
    assert again.exit_code == 0 and "0 persons created, 2 already imported" in again.output
    assert count(db, Person) == 2

    tests = tmp_path / "tests.csv"
    tests.write_text("external_id,person_external_id,test_date,sample,substances,result,"
                     f"facility\nT1,A1,{ddmmyyyy(ago(1))},urine,heroin,positive,TYT\n",
                     encoding="utf-8")
    result = run(app, "import", "tests", str(tests), "--user", officer.username)
    assert result.exit_code == 0, result.output
    assert count(db, DrugTest) == 1
    assert db.session.scalar(sa.select(Person.state).where(Person.external_id == "A1")) == \
        "positive"
    audit = run(app, "audit", "verify")
    assert audit.exit_code == 0, audit.output


def test_bad_rows_are_listed_and_nothing_is_imported(app, db, tree, officer, tmp_path):
    persons = tmp_path / "persons.csv"
    persons.write_bytes(csv_bytes([person_row("A1"), person_row("A2", area_code="NOPE"),
                                   person_row("A3", birth_date="1990-17-05")]))
    result = run(app, "import", "persons", str(persons), "--user", officer.username)
    assert result.exit_code == 1
    assert f"{persons}:3: area_code:" in result.output and "NOPE" in result.output
    assert f"{persons}:4: birth_date:" in result.output
    assert "2 problem(s); nothing was imported" in result.output
    assert count(db, Person) == 0


def test_usage_errors(app, db, tree, officer, tmp_path):
    assert run(app, "import", "persons").exit_code == 2
    assert run(app, "import", "persons", str(tmp_path / "missing.csv"),
               "--user", officer.username).exit_code == 2
    picture = tmp_path / "photo.csv"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    assert run(app, "import", "persons", str(picture), "--user", officer.username).exit_code == 1
    unknown = run(app, "import", "persons", str(picture), "--user", "nobody")
    assert unknown.exit_code == 1 and "unknown or inactive user" in unknown.output
