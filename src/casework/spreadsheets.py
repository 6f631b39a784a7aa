"""Cells of the spreadsheets the product writes (CSV and XLSX), never read as formulas.

A spreadsheet reads text that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage
return) as a formula: a person named ``=HYPERLINK("http://x","y")`` would become a link, and
``=cmd|...`` a command (OWASP, "CSV injection"). Every workbook and CSV file goes through
these helpers:

- XLSX: such text is written as a text cell with Excel's quote prefix, which is what typing a
  leading apostrophe does: it shows and reads back exactly as written and is never evaluated,
  even when someone edits the cell.
- CSV has no cell types: such text gets a leading apostrophe.

Use :func:`append_row` instead of ``sheet.append`` (normal and write-only worksheets alike),
and :func:`csv_value` for each CSV value.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl.cell import Cell, WriteOnlyCell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def text_cell(sheet, value: str) -> Cell:
    """A cell of ``sheet`` holding ``value`` as text, never as a formula."""
    cell = WriteOnlyCell(sheet, value=value)  # placed by append (either kind of sheet)
    cell.data_type = "s"  # openpyxl made "=..." a formula
    cell.quotePrefix = True
    return cell


def append_row(sheet, values: Iterable[Any]) -> None:
    """``sheet.append(values)``, with any text that looks like a formula kept as text."""
    sheet.append([text_cell(sheet, v) if looks_like_formula(v) else v for v in values])


def csv_value(value: Any) -> Any:
    """``value`` for a CSV file: text that looks like a formula gets a leading apostrophe."""
    return "'" + value if looks_like_formula(value) else value
