"""Importing persons: the dry run's problems row by row, all or nothing, and idempotency."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from casework.audit.models import AuditEntry
from casework.audit.services import verify
from casework.imports.services import STATE_NEEDS, check_file, import_persons
from casework.people.models import ManagementDecision, Person, PostRehabTerm, RehabEpisode
from casework.workflow import fire
from casework.workflow.catalog import get_catalog
from casework.workflow.deadlines import add_months
from tests.imports.conftest import PERSON_COLUMNS, ago, csv_bytes, ddmmyyyy, person_row, xlsx_bytes

# Version 1 (Law 73/2021) rules, with dates relative to today: version 2 judges events
# dated from 2026-07-01 (test_law120.py, test_permission_table_v2.py).
pytestmark = pytest.mark.usefixtures("law73")


def count(model) -> int:
    from casework.extensions import db

    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def problems(report) -> list[tuple[int, str | None, str]]:
    return [(p.row, p.column, p.message) for p in report.problems]


GOOD = [
    person_row("A1", "suspected"),
    person_row("A2", "managed_user", full_name="Hoàng Thị Quản"),
    person_row("A3", "rehab_community", area_code="G12"),
    person_row("A4", "post_rehab"),
]


def test_import_good_rows_then_again_without_duplicates(db, tree, officer, scope_of):
    content = csv_bytes(GOOD)
    report = import_persons(content, officer, scope_of(officer), source="list.csv")
    assert report.ok, problems(report)
    assert (report.rows, report.new, report.existing, report.imported) == (4, 4, 0, 4)
    db.session.commit()
    assert count(Person) == 4

    again = import_persons(content, officer, scope_of(officer), source="list.csv")
    assert again.ok and (again.new, again.existing, again.imported) == (0, 4, 0)
    assert count(Person) == 4
    assert count(AuditEntry) == 4
    assert verify().ok


def test_one_bad_row_imports_nothing(db, tree, officer, scope_of):
    rows = GOOD + [person_row("B1", "managed_user", decision_no="")]
    report = import_persons(csv_bytes(rows), officer, scope_of(officer))
    assert not report.ok and report.imported == 0
    assert problems(report) == [
        (6, "decision_no", "Required for the state “Managed illegal drug user”."),
    ]
    assert count(Person) == 0 and count(AuditEntry) == 0


def test_the_imported_state_brings_its_records_and_deadline(db, tree, officer, scope_of):
    report = import_persons(csv_bytes(GOOD), officer, scope_of(officer), source="list.csv")
    assert report.ok
    by_id = {p.external_id: p for p in db.session.scalars(sa.select(Person))}

    managed = by_id["A2"]
    decision = db.session.scalar(sa.select(ManagementDecision))
    assert decision.person_id == managed.id and decision.decision_date == ago(100)
    assert decision.audit_entry.event == "imported"
    assert managed.due_date == add_months(ago(100), 12) == decision.term_end

    rehab = by_id["A3"]
    episode = db.session.scalar(sa.select(RehabEpisode))
    assert (episode.person_id, episode.kind, episode.planned_months) == (rehab.id, "community", 6)
    assert rehab.due_date == episode.planned_end == add_months(ago(200), 6)
    assert rehab.org_unit.code == "G12"

    post = by_id["A4"]
    term = db.session.scalar(sa.select(PostRehabTerm))
    assert term.person_id == post.id and post.due_date == term.end_date == add_months(ago(30), 12)

    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.record_id == rehab.id))
    assert entry.event == "imported" and entry.from_state is None
    assert entry.data["start_date"] == ago(200).isoformat() and entry.data["external_id"] == "A3"
    assert entry.reason == "Imported from list.csv, row 4."


def test_an_imported_rehab_can_be_completed_like_an_entered_one(db, tree, officer, scope_of,
                                                                 make_user):
    """The rule 'at least 6 months of rehab' reads the start date from the imported entry."""
    import_persons(csv_bytes([GOOD[2]]), officer, scope_of(officer))
    person = db.session.scalar(sa.select(Person))
    social = make_user("social", ("social_affairs", "W1"))
    fire(person, "complete_rehab", social,
         data={"completion_date": ago(1).isoformat(), "certificate_no": "GCN-1"})
    assert person.state == "post_rehab"
    episode = db.session.scalar(sa.select(RehabEpisode))
    assert episode.outcome == "completed" and episode.end_date == ago(1)


def test_xlsx_with_date_cells_and_numbers(db, tree, officer, scope_of):
    from datetime import datetime

    content = xlsx_bytes([
        ["external_id", "full_name", "birth_date", "gender", "area_code", "state",
         "decision_no", "decision_date", "national_id"],
        ["X1", "Lò Thị Xuân", datetime(1990, 5, 17), "nữ", "G11", "managed_user", "3/QĐ",
         datetime.combine(ago(40), datetime.min.time()), 1190012345],
        ["X2", "Lò Văn Đông", "17/05/1990", "male", "G12",
         "Người sử dụng trái phép chất ma túy đang được quản lý", "4/QĐ", ddmmyyyy(ago(20)),
         None],
    ])
    report = import_persons(content, officer, scope_of(officer), source="list.xlsx")
    assert report.ok, problems(report)
    people = {p.external_id: p for p in db.session.scalars(sa.select(Person))}
    assert people["X1"].gender == "female" and people["X1"].national_id == "001190012345"
    assert people["X2"].state == "managed_user"


# --- each bad input: a row-level message, nothing imported ------------------------------------


def _only(report):
    assert not report.ok
    return problems(report)


def test_wrong_columns(db, tree, officer, scope_of):
    content = b"id,name,birthday\n1,An,17/05/1990\n"
    found = _only(import_persons(content, officer, scope_of(officer)))
    assert found[0][0] == 1 and "Missing columns: External ID, Full name" in found[0][2]
    assert "Unknown columns: id, name, birthday" in found[1][2]
    assert count(Person) == 0


def test_unknown_and_out_of_scope_area_codes(db, tree, officer, scope_of):
    rows = [person_row("A1"), person_row("A2", area_code="NOWHERE"),
            person_row("A3", area_code="G21"), person_row("A4", area_code="W1")]
    assert _only(import_persons(csv_bytes(rows), officer, scope_of(officer))) == [
        (3, "area_code", "Unknown area code NOWHERE."),
        (4, "area_code", "Unknown area code G21."),
        (5, "area_code", "A person lives in a residential group or a village."),
    ]
    assert count(Person) == 0


def test_an_area_the_user_may_read_but_not_open_records_in(db, tree, make_user, scope_of):
    user = make_user("mixed", ("police", "W1"), ("commune_chair", "W2"))
    found = _only(import_persons(csv_bytes([person_row("A1", area_code="G21")]), user,
                                 scope_of(user)))
    assert found == [(2, "area_code", "You may not open records in the area G21.")]


@pytest.mark.parametrize("value", ["1990/05/17", "17.05.1990", "31/02/1990", "05-17-1990",
                                   "yesterday"])
def test_a_date_in_the_wrong_format(db, tree, officer, scope_of, value):
    rows = [person_row("A1"), person_row("A2", birth_date=value)]
    assert _only(import_persons(csv_bytes(rows), officer, scope_of(officer))) == [
        (3, "birth_date", f"“{value}” is not a date in the form dd/mm/yyyy."),
    ]
    assert count(Person) == 0


@pytest.mark.parametrize("state, missing", [
    ("managed_user", "decision_no"), ("rehab_community", "decision_no"),
    ("compulsory_rehab", "decision_no"), ("managed_user", "decision_date"),
])
def test_a_state_that_needs_a_decision_number_without_one(db, tree, officer, scope_of, state,
                                                          missing):
    row = person_row("A1", state, court="TAND TP", months="12", decision_no="5/QĐ",
                     decision_date=ddmmyyyy(ago(50)))
    row[missing] = ""
    found = _only(import_persons(csv_bytes([row], PERSON_COLUMNS + ("court",)), officer,
                                 scope_of(officer)))
    assert [(r, c) for r, c, _m in found] == [(2, missing)]
    assert found[0][2].startswith("Required for the state")
    assert count(Person) == 0


@pytest.mark.parametrize("content", [
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj",
    b"PK\x03\x04 this is a zip but not a workbook",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 an old xls",
    b"",
])
def test_a_file_that_is_not_a_spreadsheet(db, tree, officer, scope_of, content):
    found = _only(import_persons(content, officer, scope_of(officer)))
    assert len(found) == 1 and found[0][0] == 1
    assert count(Person) == 0


def test_other_row_problems_each_on_its_own_line(db, tree, officer, scope_of):
    rows = [
        person_row("A1"),
        person_row("A1", full_name="Người Khác"),                      # repeated external ID
        person_row("A3", gender="?", state="flying"),                   # two problems
        person_row("A4", "post_rehab", months="18"),                    # 12 or 24 only
        person_row("A5", state_since=ddmmyyyy(ago(-5))),                # future
        person_row("A6", "rehab_community", planned_months="3"),        # 6 to 12
        person_row("A7", national_id="12345"),                          # not 12 digits
    ]
    found = _only(import_persons(csv_bytes(rows, PERSON_COLUMNS + ("national_id",)), officer,
                                 scope_of(officer)))
    assert [(r, c) for r, c, _m in found] == [
        (3, "external_id"), (4, "gender"), (4, "state"), (5, "months"), (6, "state_since"),
        (7, "planned_months"), (8, "national_id"),
    ]
    assert count(Person) == 0


def test_a_person_already_known_under_another_id(db, tree, officer, scope_of):
    assert import_persons(csv_bytes([person_row("A1", national_id="001090012345")],
                                    PERSON_COLUMNS + ("national_id",)),
                          officer, scope_of(officer)).ok
    rows = [person_row("B1", national_id="001090012345", full_name="Tên Khác"),
            person_row("B2", full_name="Người  nhap A1")]  # A1's name (folded) and birth date
    found = _only(import_persons(csv_bytes(rows, PERSON_COLUMNS + ("national_id",)),
                                 officer, scope_of(officer)))
    assert [(r, c) for r, c, _m in found] == [(2, "national_id"), (3, "full_name")]
    rows[1]["confirm_new"] = "yes"
    rows = rows[1:]
    report = import_persons(csv_bytes(rows, PERSON_COLUMNS + ("confirm_new",)), officer,
                            scope_of(officer))
    assert report.ok and report.imported == 1


def test_the_dry_run_changes_nothing(db, tree, officer, scope_of):
    report = check_file("persons", csv_bytes(GOOD), officer, scope_of(officer))
    assert report.ok and (report.new, report.existing) == (4, 0)
    assert count(Person) == 0


def test_every_person_state_can_be_imported():
    assert set(STATE_NEEDS) == set(get_catalog().get("person").states)


def test_an_imported_positive_person_gets_the_remote_communes_deadline(db, tree, officer,
                                                                       scope_of):
    """WORKFLOWS.md §8: 16 working days in a commune flagged remote, 9 elsewhere."""
    from casework.workflow.deadlines import add_working_days, today_local

    since = today_local() - timedelta(days=3)
    tree["W1"].remote = True
    report = import_persons(csv_bytes([person_row("R1", "positive", state_since=ddmmyyyy(
        since))]), officer, scope_of(officer))
    assert report.ok, problems(report)
    tree["W1"].remote = False
    report = import_persons(csv_bytes([person_row("R2", "positive", state_since=ddmmyyyy(
        since), area_code="G12")]), officer, scope_of(officer))
    assert report.ok, problems(report)
    by_id = {p.external_id: p for p in db.session.scalars(sa.select(Person))}
    assert by_id["R1"].due_date == add_working_days(since, 16)
    assert by_id["R2"].due_date == add_working_days(since, 9)


@pytest.mark.parametrize("header", [
    ["Mã ngoài", "Họ và tên", "Ngày sinh", "Giới tính", "Mã địa bàn", "Trạng thái",
     "Ở trạng thái này từ ngày"],  # the Vietnamese labels, as the template and lists have
    ["ma ngoai", "HO VA TEN", "ngay sinh", "gioi tinh", "ma dia ban", "trang thai",
     "o trang thai nay tu ngay"],  # typed without diacritics, in any case
    ["External ID", "Full name", "Birth date", "Gender", "Area code", "State",
     "In this state since"],  # the English labels
], ids=["vietnamese", "folded", "english"])
def test_columns_headed_by_their_labels(db, tree, officer, scope_of, header):
    content = ("\n".join([",".join(header),
                          "L1,Lò Văn Nhãn,17/05/1990,Nam,G11,Nghi sử dụng ma túy,"
                          + ddmmyyyy(ago(3))]) + "\n").encode("utf-8")
    report = import_persons(content, officer, scope_of(officer))
    assert report.problems == [] and report.imported == 1


def test_a_header_is_named_by_its_label_in_the_problems(db, tree, officer, scope_of, app):
    from flask_babel import force_locale

    content = "Mã ngoài,Họ và tên,Họ và tên\nL1,A,B\n".encode()
    with force_locale("vi"):
        found = [(p.row, p.message) for p in import_persons(
            content, officer, scope_of(officer)).problems]
    assert (1, "Cột Họ và tên xuất hiện hai lần.") in found
    assert any(m.startswith("Thiếu cột: Ngày sinh, Giới tính") for _r, m in found)
