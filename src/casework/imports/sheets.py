"""What both imports share: the columns, the report, reading a sheet, the cells of a row, and
running an import's steps with progress."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from flask_babel import gettext as _

from casework.imports.columns import column_label, name_columns_by_code
from casework.imports.parsing import (
    CellError,
    Problem,
    Sheet,
    SheetError,
    as_text,
    check_columns,
    read_sheet,
)
from casework.workflow.deadlines import LOCAL_TZ

Progress = Callable[[int, int], None]  # (rows done, rows to do)
Steps = Generator[tuple[int, int], None, "ImportReport"]

# --- the columns ------------------------------------------------------------------------------

PERSON_REQUIRED = ("external_id", "full_name", "birth_date", "gender", "area_code", "state")
PERSON_OPTIONAL = (
    "national_id", "residence_type", "resident_since", "address", "state_since",
    "decision_no", "decision_date", "assessment_date", "start_date", "planned_months",
    "facility", "court", "months", "exit_reason", "confirm_new",
)

# What a person's current state needs beside the identity: the facts of the event that
# enters it (WORKFLOWS.md §1). The first date listed is the day the person entered the state.
STATE_NEEDS: dict[str, tuple[str, ...]] = {
    "suspected": ("state_since",),
    "cleared": ("state_since",),
    "positive": ("state_since",),
    "managed_user": ("decision_date", "decision_no"),
    "assessment": ("state_since",),
    "addict": ("assessment_date",),
    "relapsed": ("assessment_date",),
    "rehab_community": ("start_date", "decision_no", "planned_months"),
    "rehab_facility": ("start_date", "decision_no", "planned_months", "facility"),
    "methadone": ("start_date", "facility"),
    "compulsory_dossier": ("state_since",),
    "compulsory_rehab": ("decision_date", "court", "decision_no", "months"),
    "post_rehab": ("start_date", "months"),
    "reintegrated": ("state_since",),
    "management_ended": ("state_since",),
    "exited": ("state_since", "exit_reason"),
}
DATE_COLUMNS = ("state_since", "decision_date", "assessment_date", "start_date")

TEST_REQUIRED = ("external_id", "person_external_id", "test_date", "sample", "substances",
                 "result", "facility")
TEST_OPTIONAL = ("guardian_consent",)

COLUMNS = {
    "persons": (PERSON_REQUIRED, PERSON_OPTIONAL),
    "tests": (TEST_REQUIRED, TEST_OPTIONAL),
}

GENDERS = {"male": "male", "m": "male", "nam": "male",
           "female": "female", "f": "female", "nu": "female",
           "other": "other", "khac": "other"}
RESIDENCE = {"permanent": "permanent", "thuong tru": "permanent",
             "temporary": "temporary", "tam tru": "temporary"}
EXIT_REASONS = {r: r for r in ("moved_out", "imprisoned", "deceased", "missing",
                               "educational_measure")}
SAMPLES = {"urine": "urine", "nuoc tieu": "urine", "blood": "blood", "mau": "blood",
           "hair": "hair", "toc": "hair", "saliva": "saliva", "nuoc bot": "saliva"}
RESULTS = {"positive": "positive", "duong tinh": "positive",
           "negative": "negative", "am tinh": "negative"}

CHUNK = 500  # values per IN (...) query


# --- the report -------------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What a dry run found, or what an import did."""

    kind: str
    rows: int = 0
    new: int = 0
    existing: int = 0
    imported: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {"kind": self.kind, "rows": self.rows, "new": self.new,
                "existing": self.existing, "imported": self.imported,
                "problems": [p.as_list() for p in self.problems]}

    def add(self, row: int, column: str | None, message) -> None:
        self.problems.append(Problem(row, column, str(message)))

    def sort(self) -> None:
        self.problems.sort(key=lambda p: (p.row, p.column or ""))


def read(content: bytes, kind: str, report: ImportReport) -> Sheet | None:
    """The sheet, or None with the file's problems in ``report`` (not a spreadsheet, columns)."""
    try:
        sheet = read_sheet(content)
    except SheetError as exc:
        report.add(1, None, exc)
        return None
    required, optional = COLUMNS[kind]
    name_columns_by_code(sheet)  # headed by the columns' labels, or by their codes
    report.problems.extend(check_columns(sheet, required, optional, label=column_label))
    report.rows = len(sheet.rows)
    if not report.ok:
        return None
    if not sheet.rows:
        report.add(sheet.header_row, None, _("The file has no rows below the header."))
        return None
    return sheet


def chunks(values: Iterable[Any]) -> Iterable[list[Any]]:
    values = list(values)
    for i in range(0, len(values), CHUNK):
        yield values[i:i + CHUNK]


def start_of(day: date) -> datetime:
    """The first moment of ``day`` in Vietnam: events of that day come after it."""
    return datetime.combine(day, time(0), tzinfo=LOCAL_TZ)


class Cells:
    """Converts the cells of one row, collecting a problem per bad cell."""

    def __init__(self, report: ImportReport, number: int, values: dict):
        self.report, self.number, self.values = report, number, values
        self.failed = False

    def get(self, column: str, convert, *args, required: bool = False, needed_for=None):
        try:
            value = convert(self.values.get(column), *args)
        except CellError as exc:
            self.report.add(self.number, column, exc)
            self.failed = True
            return None
        if value is None and (required or needed_for):
            if needed_for:
                message = _("Required for the state “%(state)s”.", state=needed_for)
            else:
                message = _("This column is required.")
            self.report.add(self.number, column, message)
            self.failed = True
        return value

    def problem(self, column: str | None, message) -> None:
        self.report.add(self.number, column, message)
        self.failed = True



def drive(steps: Steps, progress: Progress | None = None) -> ImportReport:
    """Run a generator of steps to its end, reporting each step; its report."""
    while True:
        try:
            done, total = next(steps)
        except StopIteration as stop:
            return stop.value
        if progress is not None:
            progress(done, total)


def text_or_none(value: Any) -> str | None:
    try:
        return as_text(value, 64)
    except CellError:
        return None
