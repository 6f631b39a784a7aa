"""Reading CSV and XLSX files into rows, and the cell converters with their messages.

A file becomes a :class:`Sheet`: its header (column codes) and its rows, each with the row
number a spreadsheet program shows (the header is row 1). Nothing here touches the database.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _

from casework.people.identity import fold
from casework.validation import character_problem, date_problem

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls format
MAX_ROWS = 100_000
# Control characters other than tab, line feed and carriage return: not a text file.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: its row (1 is the header), the column, and why."""

    row: int
    column: str | None
    message: str

    def as_list(self) -> list:
        return [self.row, self.column, self.message]

    def __str__(self) -> str:
        where = _("row %(row)d", row=self.row)
        if self.column:
            where += f", {self.column}"
        return f"{where}: {self.message}"


class SheetError(Exception):
    """The file cannot be read as a spreadsheet at all (reported on row 1)."""


class CellError(ValueError):
    """One cell's value is not what its column needs; the message is for the user."""


@dataclass
class Sheet:
    columns: list[str]
    header_row: int
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


def read_sheet(content: bytes) -> Sheet:
    """The header and non-empty rows of a CSV (UTF-8) or XLSX file; SheetError otherwise.

    The format is recognised from the content, not from the file name.
    """
    if content.startswith(XLSX_MAGIC):
        return _read_xlsx(content)
    if content.startswith(OLE_MAGIC):
        raise SheetError(_("This is an old Excel file (.xls). Save it as .xlsx or as CSV "
                           "(UTF-8) and upload it again."))
    return _read_csv(content)


def _not_a_spreadsheet() -> SheetError:
    return SheetError(_("The file is not a spreadsheet: upload a CSV (UTF-8) or XLSX file."))


def _read_csv(content: bytes) -> Sheet:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SheetError(_("The file is not a spreadsheet, or it is a CSV file not saved as "
                           "UTF-8: save it as “CSV UTF-8” or as XLSX.")) from None
    if CONTROL_CHARACTERS.search(text):
        raise _not_a_spreadsheet()
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count) if first_line.strip() else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        return _sheet(enumerate(reader, start=1))
    except csv.Error as exc:
        raise SheetError(_("The CSV file cannot be read (line %(line)d): %(error)s",
                           line=reader.line_num, error=str(exc))) from None


def _read_xlsx(content: bytes) -> Sheet:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise _not_a_spreadsheet() from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise SheetError(_("The workbook has no worksheet."))
        return _sheet(enumerate(sheet.iter_rows(values_only=True), start=1))
    finally:
        workbook.close()


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _sheet(rows: Iterable[tuple[int, Iterable[Any]]]) -> Sheet:
    header: list[str] | None = None
    header_row = 1
    sheet: Sheet | None = None
    for number, values in rows:
        values = [_clean(v) for v in values]
        if not any(v is not None for v in values):
            continue
        if header is None:
            header = [str(v).strip().lower().lstrip("\ufeff") if v is not None else ""
                      for v in values]
            while header and not header[-1]:
                header.pop()  # trailing empty cells of a spreadsheet row
            header_row = number
            sheet = Sheet(columns=header, header_row=header_row)
            continue
        if len(sheet.rows) >= MAX_ROWS:
            raise SheetError(_("The file has more than %(n)d rows; split it.", n=MAX_ROWS))
        row = {name: values[i] if i < len(values) else None
               for i, name in enumerate(header) if name}
        extra = [v for v in values[len(header):] if v is not None]
        if extra:
            row["__extra__"] = extra
        sheet.rows.append((number, row))
    if sheet is None:
        raise SheetError(_("The file is empty."))
    return sheet


def check_columns(sheet: Sheet, required: tuple[str, ...],
                  optional: tuple[str, ...], label=str) -> list[Problem]:
    """Problems with the header: missing, unknown, repeated or unnamed columns, each named
    by ``label(code)``."""
    problems = []
    row = sheet.header_row
    seen: set[str] = set()
    for name in sheet.columns:
        if not name:
            problems.append(Problem(row, None, _("A column has no name.")))
        elif name in seen:
            problems.append(Problem(row, name, _("The column %(name)s appears twice.",
                                                 name=label(name))))
        seen.add(name)
    missing = [c for c in required if c not in seen]
    if missing:
        problems.append(Problem(row, None, _("Missing columns: %(columns)s.",
                                             columns=", ".join(map(label, missing)))))
    unknown = [c for c in sheet.columns if c and c not in required and c not in optional]
    if unknown:
        problems.append(Problem(row, None, _(
            "Unknown columns: %(columns)s. The columns are: %(allowed)s.",
            columns=", ".join(unknown), allowed=", ".join(map(label, required + optional)))))
    for number, values in sheet.rows:
        if "__extra__" in values:
            problems.append(Problem(number, None, _("The row has more cells than the header.")))
    return problems


# --- cell converters: each returns the value or raises CellError ---------------------------------

_DMY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def as_text(value: Any, max_length: int) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        raise CellError(_("Expected text, not a date."))
    text = str(value).strip()
    problem = character_problem(text)
    if problem:
        raise CellError(problem)
    if len(text) > max_length:
        raise CellError(_("Use at most %(n)d characters.", n=max_length))
    return text or None


def as_date(value: Any) -> date | None:
    """A date from a spreadsheet date cell, or text as dd/mm/yyyy or yyyy-mm-dd, between
    1900 and 2100."""
    if value is None:
        return None
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        problem = date_problem(value)
        if problem:
            raise CellError(problem)
        return value
    text = str(value).strip()
    for pattern, order in ((_DMY, (2, 1, 0)), (_ISO, (0, 1, 2))):
        match = pattern.fullmatch(text)
        if match:
            parts = [int(g) for g in match.groups()]
            year, month, day = (parts[i] for i in order)
            try:
                day_found = date(year, month, day)
            except ValueError:
                break
            return as_date(day_found)
    raise CellError(_("“%(value)s” is not a date in the form dd/mm/yyyy.", value=text))


def as_int(value: Any, low: int, high: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise CellError(_("Expected a whole number."))
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()):
        value = int(value)
    if not isinstance(value, int):
        raise CellError(_("“%(value)s” is not a whole number.", value=value))
    if not low <= value <= high:
        raise CellError(_("Give a number from %(low)d to %(high)d.", low=low, high=high))
    return value


_YES = {"yes", "y", "true", "1", "x", "co", "có", "đúng"}
_NO = {"no", "n", "false", "0", "khong", "không", "sai"}


def as_bool(value: Any) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise CellError(_("“%(value)s” is not yes or no.", value=value))


def as_choice(value: Any, choices: dict[str, str]) -> str | None:
    """One of ``choices`` (keys are accepted spellings, values the codes)."""
    if value is None:
        return None
    key = fold(str(value))
    if key in choices:
        return choices[key]
    shown = ", ".join(sorted(set(choices.values())))
    raise CellError(_("“%(value)s” is not one of: %(choices)s.", value=value, choices=shown))
