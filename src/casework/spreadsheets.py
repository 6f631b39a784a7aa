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
and :func:`csv_value` for each CSV value. :func:`attachment` names a file for its download.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

if TYPE_CHECKING:  # openpyxl (about 10 MB) is imported by the code that writes a workbook
    from openpyxl.cell import Cell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def text_cell(sheet, value: str) -> Cell:
    """A cell of ``sheet`` holding ``value`` as text, never as a formula."""
    from openpyxl.cell import WriteOnlyCell

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


def attachment(filename: str) -> str:
    """The Content-Disposition of a download named ``filename``: a plain ASCII name every
    browser keeps (Vietnamese without its diacritics), and the exact one in UTF-8 (RFC 6266)
    when they differ."""
    text = filename.replace("đ", "d").replace("Đ", "D")
    plain = "".join(c for c in unicodedata.normalize("NFKD", text)
                    if c.isascii() and c.isprintable() and c not in '"\\')
    header = f'attachment; filename="{plain}"'
    if plain != filename:
        header += f"; filename*=UTF-8''{quote(filename)}"
    return header
