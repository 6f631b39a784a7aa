"""Figures as people read them, in one place for every page and workbook.

In Vietnamese the decimal mark is a comma and thousands are grouped with a point (81,8%;
1.250), in English the other way round (81.8%; 1,250): Babel's patterns for the user's
language. A workbook keeps numbers as numbers (they add up in a spreadsheet) and gives their
cells a number format, which the spreadsheet program shows with the reader's own marks.
"""

from __future__ import annotations

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l

NONE = "—"
# A target is counted (a number of things) or a percentage.
UNIT_LABELS = {"count": _l("Number"), "percent": _l("Percentage (%)")}
# Spreadsheet number formats by unit: "." and "," are placeholders there, shown as the
# reader's spreadsheet program writes decimals and thousands.
EXCEL_FORMATS = {"count": "#,##0.##;-#,##0.##;0", "percent": '0.0"%"'}


def number(value, digits: int = 2) -> str:
    """``value`` with at most ``digits`` decimals, in the user's language (2,5; 1.250)."""
    if value is None:
        return NONE
    return format_decimal(value, format="#,##0" + ("." + "#" * digits if digits else ""))


def percent(value, digits: int = 1) -> str:
    """A value already in percent (81.8) as "81,8%" in Vietnamese, "81.8%" in English."""
    return NONE if value is None else f"{number(value, digits)}%"


def figure(value, unit: str | None) -> str:
    """A target's value in its unit: a percentage or a plain number."""
    return percent(value) if unit == "percent" else number(value)


def unit_label(unit: str | None) -> str:
    return str(UNIT_LABELS[unit]) if unit in UNIT_LABELS else (unit or "")


def init_app(app) -> None:
    """The filters ``number``, ``percent``, ``figure`` and ``unit_label`` for templates."""
    for name, func in (("number", number), ("percent", percent), ("figure", figure),
                       ("unit_label", unit_label)):
        app.jinja_env.filters[name] = func
