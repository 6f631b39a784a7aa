"""Spreadsheet cells the product writes are never formulas (casework.spreadsheets)."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook

from casework.spreadsheets import append_row, csv_value

RISKY = ['=HYPERLINK("http://x","y")', "+84 912 345 678", "-2+3+cmd|' /C calc'!A0",
         "@SUM(A1:A2)", "\t=1+1", "\r=1+1"]
PLAIN = ["Nguyễn Văn An", "", "a=b", " =1", "0123", "Tổ 3 - Phường Một"]


@pytest.mark.parametrize("text", RISKY)
def test_risky_text_is_neutralised_in_csv(text):
    assert csv_value(text) == "'" + text


@pytest.mark.parametrize("value", [*PLAIN, 12, -3, 2.5, None, date(2026, 1, 2), True])
def test_other_values_are_left_alone(value):
    assert csv_value(value) == value


@pytest.mark.parametrize("write_only", [False, True])
def test_xlsx_text_cells_keep_the_text_and_are_never_formulas(write_only):
    workbook = Workbook(write_only=write_only)
    sheet = workbook.create_sheet("x") if write_only else workbook.active
    append_row(sheet, [*RISKY, *PLAIN, 12, -3, date(2026, 1, 2)])
    out = io.BytesIO()
    workbook.save(out)
    row = next(load_workbook(io.BytesIO(out.getvalue())).worksheets[0].iter_rows())
    risky, plain, numbers = row[:6], row[6:12], row[12:]
    for cell, text in zip(risky, RISKY, strict=True):
        # The standard library's XML parser reads a carriage return as a line feed; with lxml
        # installed (docxtpl brings it) openpyxl keeps it.
        assert cell.value in (text, text.replace("\r", "\n"))
        assert (cell.data_type, cell.quotePrefix) == ("s", True)
    for cell, text in zip(plain, PLAIN, strict=True):
        assert cell.value == (text or None) and not cell.quotePrefix
    assert [c.value for c in numbers[:2]] == [12, -3] and numbers[2].is_date
