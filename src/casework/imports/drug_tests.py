"""Import drug tests from a sheet: each test is the event ``record_test`` of its person, all
or none (casework.imports.services dispatches here)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from casework.auth.scope import Scope
from casework.errors import CaseworkError
from casework.extensions import db
from casework.imports.parsing import (
    CellError,
    Sheet,
    as_bool,
    as_choice,
    as_date,
    as_text,
)

# --- drug tests -------------------------------------------------------------------------------
from casework.imports.sheets import (
    RESULTS,
    SAMPLES,
    Cells,
    ImportReport,
    Progress,
    Steps,
    chunks,
    drive,
    read,
    start_of,
    text_or_none,
)
from casework.people.models import (
    DrugTest,
    Person,
)
from casework.people.services import persons_in_scope
from casework.workflow import fire
from casework.workflow.deadlines import local_date, today_local


@dataclass
class TestRow:
    number: int
    external_id: str
    person: Person
    data: dict  # the record_test event's data, as JSON
    test_date: date


def _substances(value: Any) -> list[str] | None:
    text = as_text(value, 400)
    if text is None:
        return None
    items = [s.strip() for s in text.replace(";", ",").split(",") if s.strip()]
    if any(len(s) > 200 for s in items):
        raise CellError(_("Use at most %(n)d characters.", n=200))
    return items


def _parse_tests(sheet: Sheet, scope: Scope, report: ImportReport) -> list[TestRow]:
    person_ids = {t for _n, v in sheet.rows
                  if (t := text_or_none(v.get("person_external_id"))) is not None}
    persons: dict[str, Person] = {}
    for chunk in chunks(person_ids):
        for person in db.session.scalars(
                persons_in_scope(scope).where(Person.external_id.in_(chunk))):
            persons[person.external_id] = person
    test_ids = {t for _n, v in sheet.rows
                if (t := text_or_none(v.get("external_id"))) is not None}
    existing: set[str] = set()
    for chunk in chunks(test_ids):
        existing.update(db.session.scalars(
            sa.select(DrugTest.external_id).where(DrugTest.external_id.in_(chunk))))
    today = today_local()
    rows: list[TestRow] = []
    seen: dict[str, int] = {}
    for number, values in sheet.rows:
        cells = Cells(report, number, values)
        external_id = cells.get("external_id", as_text, 64, required=True)
        person_id = cells.get("person_external_id", as_text, 64, required=True)
        tested = cells.get("test_date", as_date, required=True)
        sample = cells.get("sample", as_choice, SAMPLES, required=True)
        substances = cells.get("substances", _substances, required=True)
        result = cells.get("result", as_choice, RESULTS, required=True)
        facility = cells.get("facility", as_text, 200, required=True)
        consent = cells.get("guardian_consent", as_bool)
        if external_id is not None:
            if external_id in seen:
                cells.problem("external_id", _("The external ID %(id)s is already on row "
                                               "%(row)d.", id=external_id,
                                               row=seen[external_id]))
            seen.setdefault(external_id, number)
        person = persons.get(person_id) if person_id is not None else None
        if person_id is not None and person is None:
            cells.problem("person_external_id", _(
                "No person in your area has the external ID %(id)s.", id=person_id))
        if tested is not None and tested > today:
            cells.problem("test_date", _("The date may not be in the future."))
        if cells.failed:
            continue
        if external_id in existing:
            report.existing += 1
            continue
        data = {"test_date": tested.isoformat(), "sample": sample, "substances": substances,
                "result": result, "facility": facility}
        if consent is not None:
            data["guardian_consent"] = consent
        rows.append(TestRow(number, external_id, person, data, tested))
    return rows


def tests_steps(content: bytes, actor, scope: Scope, source: str = "",
                write: bool = True) -> Steps:
    """The drug-test import (or, with ``write`` False, its dry run) as a generator of
    progress; its return value is the report."""
    report = ImportReport("tests")
    sheet = read(content, "tests", report)
    if sheet is None:
        return report
    rows = _parse_tests(sheet, scope, report)
    if not report.ok:
        report.sort()
        return report
    # Each test is the event record_test of its person, in date order: the engine judges it
    # (role, scope, state, rules) and moves the state as if it were entered by hand. A dry
    # run does the same inside a savepoint that it then rolls back.
    rows.sort(key=lambda r: (r.person.id, r.test_date, r.number))
    total = len(rows)
    step = max(1, total // 100)
    outer = db.session.begin_nested()
    try:
        yield 0, total
        for done, row in enumerate(rows, start=1):
            _fire_test(row, actor, source, report)
            if done % step == 0 or done == total:
                yield done, total
    except BaseException:
        outer.rollback()
        raise
    report.sort()
    if report.ok:
        report.new = total
    if write and report.ok:
        outer.commit()
        report.imported = total
    else:
        outer.rollback()
    return report


def _fire_test(row: TestRow, actor, source: str, report: ImportReport) -> None:
    person = row.person
    effective_at = start_of(row.test_date)
    last = person.last_event_at
    if last is not None and local_date(last) == row.test_date and last > effective_at:
        effective_at = last  # the same day as the latest event: just after it
    savepoint = db.session.begin_nested()
    try:
        entry = fire(person, "record_test", actor, data=row.data, effective_at=effective_at,
                     reason=_("Imported from %(file)s, row %(row)d.", file=source or "-",
                              row=row.number))
    except CaseworkError as exc:
        savepoint.rollback()
        details = [str(m) for messages in exc.errors.values()
                   for m in (messages if isinstance(messages, list) else [messages])]
        report.add(row.number, None, " ".join(details) if details and exc.code ==
                   "validation_error" else exc.message)
        return
    savepoint.commit()
    test = db.session.scalar(sa.select(DrugTest).where(DrugTest.audit_entry_id == entry.id))
    test.external_id = row.external_id


def check_tests(content: bytes, actor, scope: Scope, source: str = "",
                progress: Progress | None = None) -> ImportReport:
    """The dry run of a drug-test file: every test applied, then all rolled back."""
    return drive(tests_steps(content, actor, scope, source, write=False), progress)


def import_tests(content: bytes, actor, scope: Scope, source: str = "",
                 progress: Progress | None = None) -> ImportReport:
    """Record each test of the file as the event ``record_test`` of its person, all or none.

    Tests are applied per person in date order, so a positive test moves a suspected person
    to ``positive`` (or a managed one to ``assessment``) exactly as when entered by hand.
    A test the workflow refuses is a problem of its row, and then nothing is written.
    """
    return drive(tests_steps(content, actor, scope, source, write=True), progress)
