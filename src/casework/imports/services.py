"""Import persons and drug tests from a sheet: check every row, then write all rows or none.

``check_*`` is the dry run: it reads the whole sheet and returns one :class:`Problem` per
problem, with its row number, and changes nothing. ``import_*`` runs the same checks and
writes only when there is no problem at all. Rows whose external ID is already known are
left as they are, so importing a file twice creates nothing the second time.

Services flush, never commit: the caller commits once, or rolls back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from marshmallow import ValidationError

from casework.auth.scope import Scope
from casework.extensions import db
from casework.imports.columns import column_label
from casework.imports.drug_tests import check_tests, import_tests, tests_steps  # noqa: F401
from casework.imports.parsing import (
    Sheet,
    as_bool,
    as_choice,
    as_date,
    as_int,
    as_text,
)
from casework.imports.sheets import (  # noqa: F401 - ImportReport, read: the package's API
    COLUMNS,
    DATE_COLUMNS,
    EXIT_REASONS,
    GENDERS,
    RESIDENCE,
    STATE_NEEDS,
    TEST_REQUIRED,
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
from casework.orgunits.models import LEAF_KINDS, OrgUnit
from casework.orgunits.services import remote_on
from casework.people.identity import ADULT_AGE, age_on, fold, normalize_name
from casework.people.models import (
    CLOSED_STATES,
    CourtDecision,
    ManagementDecision,
    Person,
    PostRehabTerm,
    RehabEpisode,
)
from casework.people.schemas import PersonCreateSchema
from casework.people.services import OPEN_ROLES, duplicate_person, persons_in_scope
from casework.workflow.catalog import get_catalog
from casework.workflow.dates import show_day
from casework.workflow.deadlines import add_months, today_local
from casework.workflow.engine import import_records

# --- persons ----------------------------------------------------------------------------------


@dataclass
class PersonRow:
    number: int
    external_id: str
    identity: dict
    unit: OrgUnit
    state: str
    facts: dict  # typed: the imported state's data
    entered_on: date


def _state_choices() -> dict[str, str]:
    """State codes, and their Vietnamese and English labels, folded."""
    definition = get_catalog().get("person")
    choices = {}
    for code, state in definition.states.items():
        choices[code] = code
        for text in (state.label.vi, state.label.en):
            choices[fold(text)] = code
    return choices


def _national_id(value: Any) -> str | None:
    # A spreadsheet that took the number for a number dropped its leading zeros.
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value).zfill(12)
    return as_text(value, 12)


class _PersonIndex:
    """What the database already holds for the rows: areas, external IDs, duplicates."""

    def __init__(self, rows: list[tuple[int, dict]]):
        codes = {str(v.get("area_code")) for _n, v in rows if v.get("area_code") is not None}
        self.units: dict[str, OrgUnit] = {}
        for chunk in chunks(codes):
            for unit in db.session.scalars(sa.select(OrgUnit).where(OrgUnit.code.in_(chunk))):
                self.units[unit.code] = unit
        ids = {t for _n, v in rows if (t := text_or_none(v.get("external_id"))) is not None}
        self.existing: dict[str, int] = {}
        for chunk in chunks(ids):
            self.existing.update(db.session.execute(
                sa.select(Person.external_id, Person.id).where(Person.external_id.in_(chunk))
            ).all())
        # Open records holding the national IDs, wherever they are (never shown: only what
        # duplicate_person says of them), and the records of the caller's scope that share a
        # national ID or a name and birth date with a row.
        self.open_holders: dict[str, Person] = {}
        self.national_ids: dict[str, str | None] = {}  # national ID → external ID
        self.names: dict[tuple[str, date], list[str | None]] = {}

    def load_duplicates(self, national_ids: set[str], names: set[tuple[str, date]],
                        scope: Scope) -> None:
        for chunk in chunks(national_ids):
            for person in db.session.scalars(
                    sa.select(Person).where(Person.national_id.in_(chunk),
                                            Person.state.not_in(CLOSED_STATES))
                    .order_by(Person.id)):
                self.open_holders.setdefault(person.national_id, person)
        in_scope = persons_in_scope(scope).subquery()
        for chunk in chunks(national_ids):
            self.national_ids.update(db.session.execute(
                sa.select(in_scope.c.national_id, in_scope.c.external_id)
                .where(in_scope.c.national_id.in_(chunk))
            ).all())
        # The (name, birth date) pairs themselves, on the index of both: never everyone
        # sharing a name with the file (391k rows for 3,950 names at national scale).
        pairs = sorted((n, b) for n, b in names if b is not None)
        no_birth = sorted(n for n, b in names if b is None)
        conditions = [sa.tuple_(in_scope.c.name_folded, in_scope.c.birth_date).in_(chunk)
                      for chunk in chunks(pairs)]
        conditions += [sa.and_(in_scope.c.name_folded.in_(chunk),
                               in_scope.c.birth_date.is_(None)) for chunk in chunks(no_birth)]
        for condition in conditions:
            for name, birth, external in db.session.execute(
                sa.select(in_scope.c.name_folded, in_scope.c.birth_date, in_scope.c.external_id)
                .where(condition)
            ):
                if (name, birth) in names:
                    self.names.setdefault((name, birth), []).append(external)


def check_persons(sheet: Sheet, scope: Scope, report: ImportReport) -> list[PersonRow]:
    """Check every row of a persons sheet; the rows to create (empty when any is wrong).

    Problems go into ``report`` (one per problem, with the row number); ``report.new`` and
    ``report.existing`` count the rows to create and those already imported.
    """
    today = today_local()
    states = _state_choices()
    definition = get_catalog().get("person")
    index = _PersonIndex(sheet.rows)
    parsed: list[tuple[PersonRow, bool]] = []
    seen_ids: dict[str, int] = {}
    seen_national: dict[str, int] = {}
    schema = PersonCreateSchema()
    for number, values in sheet.rows:
        cells = Cells(report, number, values)
        external_id = cells.get("external_id", as_text, 64, required=True)
        full_name = cells.get("full_name", as_text, 200, required=True)
        birth = cells.get("birth_date", as_date, required=True)
        gender = cells.get("gender", as_choice, GENDERS, required=True)
        area_code = cells.get("area_code", as_text, 32, required=True)
        national_id = cells.get("national_id", _national_id)
        residence = cells.get("residence_type", as_choice, RESIDENCE)
        since = cells.get("resident_since", as_date)
        address = cells.get("address", as_text, 300)
        confirm_new = cells.get("confirm_new", as_bool)
        state = cells.get("state", as_choice, states, required=True)

        if external_id is not None:
            if external_id in seen_ids:
                cells.problem("external_id", _("The external ID %(id)s is already on row "
                                               "%(row)d.", id=external_id,
                                               row=seen_ids[external_id]))
            seen_ids.setdefault(external_id, number)
        if national_id is not None:
            if national_id in seen_national:
                cells.problem("national_id", _("This national ID is already on row %(row)d.",
                                               row=seen_national[national_id]))
            seen_national.setdefault(national_id, number)

        identity = None
        if None not in (full_name, birth, gender, area_code):
            raw = {"full_name": full_name, "birth_date": birth.isoformat(), "gender": gender,
                   "area_code": area_code, "national_id": national_id,
                   "residence_type": residence,
                   "resident_since": since.isoformat() if since else None,
                   "address": address, "external_id": external_id}
            try:
                identity = schema.load(raw)
            except ValidationError as exc:
                for column, messages in exc.messages.items():
                    for message in messages if isinstance(messages, list) else [messages]:
                        cells.problem(column, message)

        unit = _check_area(cells, area_code, index, scope)
        facts: dict = {}
        entered_on = None
        if state is not None:
            facts, entered_on = _state_facts(cells, state, definition, birth, today)
        if cells.failed:
            continue
        row = PersonRow(number, external_id, identity, unit, state, facts, entered_on)
        parsed.append((row, bool(confirm_new)))

    _check_duplicates(parsed, index, report, scope)
    report.existing = sum(1 for row, _c in parsed if row.external_id in index.existing)
    if not report.ok:
        return []
    new = [row for row, _c in parsed if row.external_id not in index.existing]
    report.new = len(new)
    return new


def _check_area(cells: Cells, code: str | None, index: _PersonIndex,
                scope: Scope) -> OrgUnit | None:
    if code is None:
        return None
    unit = index.units.get(code)
    if unit is None or not scope.covers(unit.path):
        cells.problem("area_code", _("Unknown area code %(code)s.", code=code))
        return None
    if unit.kind not in LEAF_KINDS:
        cells.problem("area_code", _("A person lives in a residential group or a village."))
        return None
    if not scope.covers(unit.path, OPEN_ROLES):
        cells.problem("area_code", _("You may not open records in the area %(code)s.",
                                     code=code))
        return None
    return unit


def _state_facts(cells: Cells, state: str, definition, birth: date | None,
                 today: date) -> tuple[dict, date | None]:
    """The typed data of the state's entering event, and the day the state was entered."""
    label = str(definition.states[state].label)
    needs = STATE_NEEDS.get(state)
    if needs is None:  # a state added to the workflow that imports do not know yet
        cells.problem("state", _("Persons cannot be imported in this state."))
        return {}, None
    values: dict = {}
    for column in needs:
        if column in DATE_COLUMNS:
            value = cells.get(column, as_date, needed_for=label)
            if value is not None:
                if value > today:
                    cells.problem(column, _("The date may not be in the future."))
                elif birth is not None and value < birth:
                    cells.problem(column, _("The date is before the birth date."))
                elif column == needs[0]:
                    _check_law_of_day(cells, column, value)
        elif column in ("decision_no",):
            value = cells.get(column, as_text, 60, needed_for=label)
        elif column in ("facility", "court"):
            value = cells.get(column, as_text, 200, needed_for=label)
        elif column == "planned_months":
            low, high = _planned_months(values.get(needs[0]))
            value = cells.get(column, as_int, low, high, needed_for=label)
        elif column == "months":
            value = _months(cells, state, label, birth, values.get("decision_date"))
        elif column == "exit_reason":
            value = cells.get(column, as_choice, EXIT_REASONS, needed_for=label)
        values[column] = value
    entered_on = values[needs[0]]
    return _event_data(state, values), entered_on


def _check_law_of_day(cells: Cells, column: str, day: date) -> None:
    """The day a state was entered falls under a law this system knows (workflow.inforce)."""
    first = get_catalog().first("person")
    if day < first.effective_from:
        cells.problem(column, _(
            "On %(date)s no law known to this system applied yet: %(law)s takes effect on "
            "%(start)s. Check the date.", date=show_day(day), law=first.law_label,
            start=show_day(first.effective_from)))


def _planned_months(start: date | None) -> tuple[int, int]:
    """The planned terms of voluntary rehab the law of ``start`` allows: Law 73's range
    (``rehab_planned_months``), or Law 120's first and repeated terms."""
    catalog = get_catalog()
    definition = (catalog.version_on("person", start) if start else None) or \
        catalog.in_force("person", today_local())
    planned = definition.param("rehab_planned_months")
    if planned is not None:
        return planned[0], planned[1]
    return definition.param("rehab_first_months"), definition.param("rehab_repeat_months")


def _months(cells: Cells, state: str, label: str, birth: date | None,
            decided_on: date | None) -> int | None:
    if state == "post_rehab":
        months = cells.get("months", as_int, 1, 36, needed_for=label)
        if months is not None and months not in (12, 24):
            cells.problem("months", _("Post-rehab management lasts 12 or 24 months."))
        return months
    months = cells.get("months", as_int, 1, 36, needed_for=label)
    if months is None or birth is None or decided_on is None:
        return months
    age = age_on(birth, decided_on)  # Law 73/2021 Art 33.3, as the court_term_fits_age rule
    if age < 12:
        cells.problem("months", _("Compulsory rehab does not apply under the age of 12."))
    else:
        low, high = (12, 24) if age >= ADULT_AGE else (6, 12)
        if not low <= months <= high:
            cells.problem("months", _("For this person the ordered term must be from "
                                      "%(low)d to %(high)d months.", low=low, high=high))
    return months


def _event_data(state: str, v: dict) -> dict:
    """The state's facts named as the event entering it names them (the deadline reads them)."""
    if state == "managed_user":
        return {"decision_no": v["decision_no"], "decision_date": v["decision_date"]}
    if state in ("addict", "relapsed"):
        return {"assessment_date": v["assessment_date"]}
    if state in ("rehab_community", "rehab_facility"):
        data = {"setting": "community" if state == "rehab_community" else "facility",
                "decision_no": v["decision_no"], "start_date": v["start_date"],
                "planned_months": v["planned_months"]}
        if v.get("facility"):
            data["facility"] = v["facility"]
        return data
    if state == "methadone":
        return {"clinic": v["facility"], "start_date": v["start_date"]}
    if state == "compulsory_rehab":
        return {"court": v["court"], "decision_no": v["decision_no"],
                "decision_date": v["decision_date"], "ordered": True, "months": v["months"]}
    if state == "post_rehab":
        return {"start_date": v["start_date"], "post_rehab_months": v["months"]}
    if state == "exited":
        return {"exit_reason": v["exit_reason"], "exit_date": v["state_since"]}
    return {}


def _check_duplicates(parsed: list[tuple[PersonRow, bool]], index: _PersonIndex,
                      report: ImportReport, scope: Scope) -> None:
    """A new row may not be a person who already has a record under another external ID.

    - A national ID held by an open record anywhere refuses a row that would be open too
      (`duplicate_person`): the record is named only within the importer's scope.
    - A record of the importer's scope with the same national ID, or the same name and birth
      date, needs ``confirm_new``. Records outside the scope are never matched by name.
    """
    candidates = [(row, confirm) for row, confirm in parsed
                  if row.external_id not in index.existing]
    national_ids = {row.identity["national_id"] for row, _c in candidates
                    if row.identity.get("national_id")}
    names = {(fold(row.identity["full_name"]), row.identity["birth_date"])
             for row, _c in candidates}
    index.load_duplicates(national_ids, names, scope)
    for row, confirm in candidates:
        number = row.identity.get("national_id")
        holder = index.open_holders.get(number) if number else None
        if holder is not None and row.state not in CLOSED_STATES:
            report.add(row.number, "national_id", duplicate_person(holder, scope).message)
            continue
        if confirm:
            continue
        if number and number in index.national_ids:
            report.add(row.number, "national_id", _(
                "A person with this national ID already has a record in your area. If this "
                "is another record of theirs, write yes in the column “%(column)s”.",
                column=column_label("confirm_new")))
        key = (fold(row.identity["full_name"]), row.identity["birth_date"])
        if key in index.names:
            report.add(row.number, "full_name", _(
                "A person with this name and birth date already has a record. If this is "
                "another person, write yes in the column “%(column)s”.",
                column=column_label("confirm_new")))
    report.sort()


def import_persons(content: bytes, actor, scope: Scope, source: str = "",
                   progress: Progress | None = None) -> ImportReport:
    """Check a persons file and, when every row is right, create the new persons.

    Each new person gets one audit entry, event ``imported``, in the state the file gives,
    and the rows that state implies (decision, rehab episode, court decision, post-rehab
    term), exactly as if the events had been entered. All rows or none: the report's
    problems say why nothing was written.
    """
    return drive(persons_steps(content, actor, scope, source), progress)


def persons_steps(content: bytes, actor, scope: Scope, source: str = "") -> Steps:
    """``import_persons`` as a generator of progress, (rows done, rows to do), for pages
    that show it while it runs; its return value is the report."""
    report = ImportReport("persons")
    sheet = read(content, "persons", report)
    if sheet is None:
        return report
    rows = check_persons(sheet, scope, report)
    if not report.ok:
        return report
    total = len(rows)
    yield 0, total
    # In chunks of a hundredth of the file: one batched INSERT of the persons per chunk.
    step = max(1, min(500, total // 100))
    for start in range(0, total, step):
        chunk = rows[start:start + step]
        _create_persons(chunk, actor, source)
        report.imported += len(chunk)
        yield start + len(chunk), total
    db.session.flush()
    return report


def _create_persons(rows: list[PersonRow], actor, source: str) -> list[Person]:
    persons, items = [], []
    for row in rows:
        values = row.identity
        full_name = normalize_name(values["full_name"])
        person = Person(
            full_name=full_name, name_folded=fold(full_name), birth_date=values["birth_date"],
            gender=values["gender"], national_id=values.get("national_id") or None,
            residence_type=values.get("residence_type"),
            resident_since=values.get("resident_since"), address=values.get("address"),
            org_unit=row.unit, external_id=row.external_id,
        )
        facts = dict(row.facts)
        facts["external_id"] = row.external_id
        if row.state == "positive":
            # The deadline of `positive` reads the commune's remote flag (WORKFLOWS.md §8).
            facts["remote_commune"] = remote_on(row.unit, row.entered_on)
        reason = _("Imported from %(file)s, row %(row)d.", file=source or "-", row=row.number)
        persons.append(person)
        items.append((person, row.state, facts, start_of(row.entered_on), reason))
    entries = import_records(items, actor)
    for person, row, entry in zip(persons, rows, entries, strict=True):
        for event_row in _state_rows(row.state, row.facts):
            event_row.person_id = person.id
            event_row.audit_entry = entry
            event_row.org_unit_id = row.unit.id
            db.session.add(event_row)
    return persons


def _state_rows(state: str, f: dict) -> list:
    """The rows the events entering ``state`` leave (people/rules.py), from imported facts."""
    if state == "managed_user":
        return [ManagementDecision(decision_no=f["decision_no"],
                                   decision_date=f["decision_date"],
                                   term_end=add_months(f["decision_date"], 12))]
    if state in ("rehab_community", "rehab_facility"):
        return [RehabEpisode(kind=f["setting"], decision_no=f["decision_no"],
                             facility=f.get("facility"), start_date=f["start_date"],
                             planned_months=f["planned_months"],
                             planned_end=add_months(f["start_date"], f["planned_months"]))]
    if state == "methadone":
        return [RehabEpisode(kind="methadone", facility=f["clinic"],
                             start_date=f["start_date"])]
    if state == "compulsory_rehab":
        return [
            CourtDecision(court=f["court"], decision_no=f["decision_no"],
                          decision_date=f["decision_date"], ordered=True, months=f["months"]),
            RehabEpisode(kind="compulsory", decision_no=f["decision_no"],
                         start_date=f["decision_date"], planned_months=f["months"],
                         planned_end=add_months(f["decision_date"], f["months"])),
        ]
    if state == "post_rehab":
        months = f["post_rehab_months"]
        return [PostRehabTerm(start_date=f["start_date"], months=months,
                              end_date=add_months(f["start_date"], months))]
    return []


def check_file(kind: str, content: bytes, actor, scope: Scope, source: str = "",
               progress: Progress | None = None) -> ImportReport:
    """The dry run of either kind of file."""
    if kind == "persons":
        report = ImportReport("persons")
        sheet = read(content, "persons", report)
        if sheet is not None:
            check_persons(sheet, scope, report)
        return report
    return check_tests(content, actor, scope, source, progress)


def import_file(kind: str, content: bytes, actor, scope: Scope, source: str = "",
                progress: Progress | None = None) -> ImportReport:
    """Import either kind of file, all or nothing."""
    return drive(import_steps(kind, content, actor, scope, source), progress)


def import_steps(kind: str, content: bytes, actor, scope: Scope, source: str = "") -> Steps:
    if kind == "persons":
        return persons_steps(content, actor, scope, source)
    return tests_steps(content, actor, scope, source, write=True)
