"""Person and area lists as CSV/XLSX: scope and role rules of the pages, and the export log."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from casework.audit.exports import ExportEntry, exports_by, record_export
from casework.imports.services import import_persons
from tests.imports.conftest import csv_bytes, person_row


@pytest.fixture
def persons(db, tree, make_user, scope_of):
    """Two persons in W1 (G11, G12) and one in W2 (G21)."""
    importer = make_user("importer", ("police", "C"))
    rows = [person_row("A1", full_name="Lò Văn Một"),
            person_row("A2", "managed_user", full_name="Lò Thị Hai", area_code="G12"),
            person_row("B1", full_name="Lò Văn Ba", area_code="G21")]
    assert import_persons(csv_bytes(rows), importer, scope_of(importer)).ok
    db.session.commit()


def read_csv(response) -> list[dict]:
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_persons_as_csv_within_the_scope_and_logged(db, persons, page_as):
    police = page_as("police", "W1")
    response = police.get("/exports/persons.csv")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert 'filename="danh-sach-nguoi-' in response.headers["Content-Disposition"]
    rows = read_csv(response)
    assert sorted(r["Mã ngoài"] for r in rows) == ["A1", "A2"]  # not B1 (ward W2)
    managed = next(r for r in rows if r["Mã ngoài"] == "A2")
    assert managed["Trạng thái"] == "Người sử dụng trái phép chất ma túy đang được quản lý"
    assert managed["Mã địa bàn"] == "G12" and managed["Giới tính"] == "Nam"
    assert managed["Quá hạn"] == "Không"
    entry = db.session.scalar(sa.select(ExportEntry))
    assert (entry.kind, entry.format, entry.row_count) == ("persons", "csv", 2)
    assert entry.actor_name.startswith("police") and entry.filters == {}


def test_persons_with_the_list_filters_as_xlsx(db, persons, page_as):
    police = page_as("police", "C")
    response = police.get("/exports/persons.xlsx?state=managed_user&area=W1")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = list(sheet.values)
    assert values[0][:3] == ("Mã ngoài", "Họ và tên", "Ngày sinh")
    assert sheet.title == "Người sử dụng ma túy"
    assert [row[0] for row in values[1:]] == ["A2"]
    entry = db.session.scalar(sa.select(ExportEntry))
    assert entry.filters == {"state": "managed_user", "area_code": "W1"}
    assert entry.org_unit.code == "W1" and entry.row_count == 1


def test_a_viewer_never_exports_persons(db, persons, page_as):
    viewer = page_as("viewer", "C")
    assert viewer.get("/exports/persons.csv").status_code == 403
    assert viewer.get("/exports/persons.xlsx").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ExportEntry)) == 0


def test_areas_for_any_role_within_the_scope(db, persons, page_as):
    viewer = page_as("viewer", "W1")
    rows = read_csv(viewer.get("/exports/areas.csv"))
    assert [r["Mã"] for r in rows] == ["W1", "G11", "G12"]
    assert rows[1]["Mã đơn vị cấp trên"] == "W1" and rows[1]["Cấp đơn vị"] == "Tổ dân phố"
    assert rows[1]["Trạng thái"] == "Chưa đánh giá"
    assert rows[1]["Số tiêu chí đạt (trên 8)"].isdigit()
    assert rows[1]["Đạt đủ 8 tiêu chí"] in ("Có", "Không")
    assert not any("Lò" in str(v) for r in rows for v in r.values())  # no names
    sheet = load_workbook(io.BytesIO(viewer.get("/exports/areas.xlsx?root=G12").data)).active
    assert [row[0] for row in list(sheet.values)[1:]] == ["G12"]
    entries = exports_by()
    assert [(e.kind, e.format, e.row_count) for e in entries] == [
        ("areas", "xlsx", 1), ("areas", "csv", 3)]
    assert viewer.get("/exports/areas.csv?root=W2").status_code == 422  # outside the scope


def test_unknown_formats(db, persons, page_as):
    police = page_as("police", "W1")
    assert police.get("/exports/persons.pdf").status_code == 404
    assert police.get("/exports/areas.json").status_code == 404


def test_the_export_helper_keeps_false_and_drops_empty_filters(db, tree, make_user):
    user = make_user("reporter", ("police", "C"))
    entry = record_export(user, "report:six_month", row_count=0, file_format="html",
                          org_unit=tree["C"], filters={"names": False, "period": "", "x": None})
    assert entry.filters == {"names": False} and entry.at is not None
    with pytest.raises(ValueError):
        record_export(user, "persons", row_count=1, file_format="doc")


def test_person_exports_never_write_a_formula(db, persons, page_as):
    from casework.people.models import Person

    person = db.session.scalar(sa.select(Person).where(Person.external_id == "A1"))
    person.full_name, person.address = '=HYPERLINK("http://x","y")', "@SUM(1)"
    db.session.commit()
    police = page_as("police", "W1")
    sheet = load_workbook(io.BytesIO(police.get("/exports/persons.xlsx").data)).active
    cells = {c.value: c for row in sheet.iter_rows() for c in row}
    for text in ('=HYPERLINK("http://x","y")', "@SUM(1)"):
        assert cells[text].data_type == "s" and cells[text].quotePrefix
    row = next(r for r in read_csv(police.get("/exports/persons.csv")) if r["Mã ngoài"] == "A1")
    assert row["Họ và tên"] == "'=HYPERLINK(\"http://x\",\"y\")" and row["Địa chỉ"] == "'@SUM(1)"


def test_a_person_list_in_english_is_headed_in_english(db, persons, page_as):
    police = page_as("police", "W1")
    police.post("/lang", data={"lang": "en", "next": "/"})
    rows = read_csv(police.get("/exports/persons.csv"))
    first = next(r for r in rows if r["External ID"] == "A2")
    assert first["State"] == "Managed illegal drug user" and first["Gender"] == "Male"
    assert first["Overdue"] == "No"


def test_the_exported_import_columns_are_read_back_by_the_import(db, persons, page_as,
                                                                  make_user, scope_of):
    """The columns of the person list that the import knows, headed in Vietnamese and with
    the states' names, import again (as they would into another installation)."""
    from casework.imports.services import check_file

    police = page_as("police", "W1")
    sheet = load_workbook(io.BytesIO(police.get("/exports/persons.xlsx").data)).active
    values = list(sheet.values)
    keep = [i for i, name in enumerate(values[0])
            if name in ("Mã ngoài", "Họ và tên", "Ngày sinh", "Giới tính", "Mã địa bàn",
                        "Trạng thái", "Ở trạng thái này từ ngày")]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([values[0][i] for i in keep])
    for row in values[1:]:
        if row[0] == "A1":  # suspected: the list holds all this state needs
            cells = [(v.strftime("%d/%m/%Y") if hasattr(v, "strftime") else v)
                     for i, v in enumerate(row) if i in keep]
            writer.writerow(["A9", "Lò Văn Chín", *cells[2:]])  # another installation's person
    importer = make_user("second", ("police", "C"))
    report = check_file("persons", out.getvalue().encode("utf-8"), importer, scope_of(importer))
    assert report.problems == [] and report.new == 1
