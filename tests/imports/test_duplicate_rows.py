"""Imported rows and records elsewhere: one open record per national ID, and no leaks.

A row whose national ID an open record already holds gets a row-level message: the record's
number within the importer's scope, only "managed in another unit" outside it. Outside the
scope nothing else is matched, not even the same name and birth date.
"""

from __future__ import annotations

import sqlalchemy as sa

from casework.imports.services import import_persons
from casework.people.models import Person
from tests.imports.conftest import PERSON_COLUMNS, csv_bytes, person_row

COLUMNS = PERSON_COLUMNS + ("national_id", "confirm_new", "exit_reason")
NATIONAL_ID = "001090012345"  # a man born in 1990, as person_row's default


def problems(report) -> list[tuple[int, str | None, str]]:
    return [(p.row, p.column, p.message) for p in report.problems]


def count() -> int:
    from casework.extensions import db

    return db.session.scalar(sa.select(sa.func.count()).select_from(Person))


def first_record(officer, scope_of, **values) -> Person:
    """A1 of W1 (group G11), imported by ``officer``."""
    values = {"national_id": NATIONAL_ID, **values}
    assert import_persons(csv_bytes([person_row("A1", **values)], COLUMNS), officer,
                          scope_of(officer)).ok
    from casework.extensions import db

    return db.session.scalar(sa.select(Person).where(Person.external_id == "A1"))


def test_an_open_record_in_scope_is_named_on_the_row(db, tree, officer, scope_of):
    held = first_record(officer, scope_of)
    for confirm in ("", "yes"):
        rows = [person_row("B1", national_id=NATIONAL_ID, full_name="Tên Khác",
                           confirm_new=confirm)]
        report = import_persons(csv_bytes(rows, COLUMNS), officer, scope_of(officer))
        assert problems(report) == [(2, "national_id", (
            f"This national ID belongs to record no. {held.id}, which is open (Tổ dân phố 1). "
            "Continue on that record instead of opening another."))]
    assert count() == 1


def test_an_open_record_outside_the_scope_is_only_managed_elsewhere(db, tree, officer,
                                                                    scope_of, make_user):
    held = first_record(officer, scope_of, full_name="Nguyễn Văn Bí Mật")
    other = make_user("other", ("police", "W2"))
    for confirm in ("", "yes"):
        rows = [person_row("B1", national_id=NATIONAL_ID, area_code="G21",
                           confirm_new=confirm)]
        report = import_persons(csv_bytes(rows, COLUMNS), other, scope_of(other))
        assert problems(report) == [
            (2, "national_id", "A person with this national ID is managed in another unit.")]
        text = str(report.as_dict())
        for secret in ("Bí Mật", "Tổ dân phố 1", "G11", "A1", f"no. {held.id}"):
            assert secret not in text, secret
    assert count() == 1


def test_a_name_match_outside_the_scope_reveals_nothing(db, tree, officer, scope_of,
                                                        make_user):
    first_record(officer, scope_of, national_id="")
    other = make_user("other", ("police", "W2"))
    same = person_row("B1", full_name="Người Nhập A1", area_code="G21")  # A1's name and birth
    report = import_persons(csv_bytes([same], COLUMNS), other, scope_of(other))
    assert report.ok, problems(report)
    assert count() == 2


def test_a_closed_record_in_scope_needs_confirm_new_and_outside_says_nothing(
        db, tree, officer, scope_of, make_user):
    first_record(officer, scope_of, state="exited", exit_reason="moved_out")
    row = person_row("B1", national_id=NATIONAL_ID, full_name="Tên Khác")
    report = import_persons(csv_bytes([row], COLUMNS), officer, scope_of(officer))
    assert [(r, c) for r, c, _m in problems(report)] == [(2, "national_id")]
    assert "“Checked: a new person”" in problems(report)[0][2]  # the column, by its label
    other = make_user("other", ("police", "W2"))
    elsewhere = import_persons(csv_bytes([{**row, "area_code": "G21"}], COLUMNS), other,
                               scope_of(other))
    assert elsewhere.ok, problems(elsewhere)
    assert import_persons(csv_bytes([{**row, "confirm_new": "yes"}], COLUMNS), officer,
                          scope_of(officer)).ok


def test_a_closed_row_may_share_the_id_of_an_open_record_elsewhere(db, tree, officer,
                                                                   scope_of, make_user):
    first_record(officer, scope_of)
    other = make_user("other", ("police", "W2"))
    row = person_row("B1", "exited", national_id=NATIONAL_ID, area_code="G21",
                     exit_reason="moved_out")
    report = import_persons(csv_bytes([row], COLUMNS), other, scope_of(other))
    assert report.ok, problems(report)
    assert count() == 2


def test_name_matches_are_pairs_of_name_and_birth_date(db, tree, officer, scope_of):
    """The duplicate check looks up (name, birth date) pairs: the same name born another day,
    or another name born the same day, is no match; the pair is, whatever the case and
    diacritics of the name."""
    from datetime import date

    from casework.imports.services import _PersonIndex
    from casework.people.identity import fold

    first_record(officer, scope_of, national_id="", full_name="Lê Thị Hoa")
    first = db.session.scalar(sa.select(Person).where(Person.external_id == "A1"))
    born = first.birth_date
    index = _PersonIndex([])
    other_day = date(born.year, born.month, born.day % 28 + 1)
    index.load_duplicates(set(), {(fold("LÊ THỊ HOA"), born), (fold("Le Thi Hoa"), other_day),
                                  (fold("Lê Thị Hồng"), born), (fold("Lê Thị Hoa"), None)},
                          scope_of(officer))
    assert index.names == {(fold("Lê Thị Hoa"), born): ["A1"]}
    rows = [person_row("B1", full_name="Le Thi Hoa", birth_date=born.strftime("%d/%m/%Y")),
            person_row("B2", full_name="Lê Thị Hoa", birth_date=other_day.strftime("%d/%m/%Y"))]
    report = import_persons(csv_bytes(rows, COLUMNS), officer, scope_of(officer))
    assert [(p.row, p.column) for p in report.problems] == [(2, "full_name")]
