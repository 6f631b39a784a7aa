"""The columns of the files casework reads and writes, named as people read them.

Exports and import templates head their columns with these labels in the user's language
("Họ và tên", not ``full_name``). An import accepts a column by its code, its Vietnamese or
its English label, written with or without diacritics, in any case: a file exported by one
installation, or a template filled in by hand, is read by another.
"""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from casework.imports.parsing import Sheet
from casework.people.identity import fold

COLUMN_LABELS = {
    # persons (import and export)
    "external_id": _l("External ID"),
    "full_name": _l("Full name"),
    "birth_date": _l("Birth date"),
    "gender": _l("Gender"),
    "national_id": _l("National ID"),
    "residence_type": _l("Residence"),
    "resident_since": _l("Resident since"),
    "address": _l("Address"),
    "area_code": _l("Area code"),
    "state": _l("State"),
    "state_since": _l("In this state since"),
    "decision_no": _l("Decision number"),
    "decision_date": _l("Decision date"),
    "assessment_date": _l("Assessment date"),
    "start_date": _l("Start date"),
    "planned_months": _l("Planned months"),
    "facility": _l("Facility"),
    "court": _l("Court"),
    "months": _l("Months ordered"),
    "exit_reason": _l("Exit reason"),
    "confirm_new": _l("Checked: a new person"),
    # drug tests (import)
    "person_external_id": _l("External ID of the person"),
    "test_date": _l("Test date"),
    "sample": _l("Sample"),
    "substances": _l("Substances found"),
    "result": _l("Result"),
    "guardian_consent": _l("A parent or guardian consented"),
    # exports only
    "area_name": _l("Residential group or village"),
    "due_date": _l("Deadline"),
    "overdue": _l("Overdue"),
    "code": _l("Code"),
    "name": _l("Name"),
    "kind": _l("Kind of unit"),
    "parent_code": _l("Code of the unit above"),
    "criteria_met": _l("Criteria met (of 8)"),
    "all_criteria_met": _l("Meets all 8 criteria"),
}

LANGUAGES = ("vi", "en")


def column_label(code: str) -> str:
    """The label of a column in the user's language (the code when it has none)."""
    label = COLUMN_LABELS.get(code)
    return str(label) if label is not None else code


def header_codes() -> dict[str, str]:
    """Every accepted spelling of a column (folded) → its code."""
    names = {fold(code): code for code in COLUMN_LABELS}
    for language in LANGUAGES:
        with force_locale(language):
            names.update({fold(str(label)): code for code, label in COLUMN_LABELS.items()})
    return names


def name_columns_by_code(sheet: Sheet) -> None:
    """Rename the sheet's columns headed by a label to their codes (in place); a column no
    spelling is known for keeps its header, for the column check to report."""
    known = header_codes()
    renamed = [known.get(fold(name), name) if name else name for name in sheet.columns]
    if renamed == sheet.columns:
        return
    mapping = dict(zip(sheet.columns, renamed, strict=True))
    sheet.columns = renamed
    sheet.rows = [(number, {mapping.get(k, k): v for k, v in row.items()})
                  for number, row in sheet.rows]
